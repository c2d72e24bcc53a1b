"""Preprocessing: smoothing, scaling and outlier suppression with rMEA's semantics,
resampling, and aligning two partners' streams onto one clock.

Each function takes a :class:`Session` (applied to every signal, a new Session is
returned) or a plain array with its ``sampling_rate``.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pandas as pd

from ._check import check_option, check_positive
from .session import Session

SCALE_METHODS: dict[str, Callable[[np.ndarray], float]] = {
    "sd": lambda x: float(np.std(x, ddof=1)),
    "mean": lambda x: float(np.mean(x)),
    "max": lambda x: float(np.max(x)),
    "mad": lambda x: float(1.4826 * np.median(np.abs(x - np.median(x)))),
}


def _map_signals(data, func: Callable[[np.ndarray], np.ndarray]):
    """Apply ``func`` to each signal column of a Session, or to one array."""
    if isinstance(data, Session):
        out = data.signals.copy()
        for col in out.columns:
            out[col] = func(out[col].to_numpy(dtype=float))
        return data.replace(signals=out)
    return func(np.asarray(data, dtype=float))


def _with_rate(data, sampling_rate, func):
    """Apply ``func(x, sampling_rate)`` to a Session's signals or to one array."""
    if isinstance(data, Session):
        return _map_signals(data, lambda x: func(x, data.sampling_rate))
    return func(np.asarray(data, dtype=float), check_positive(sampling_rate, "sampling_rate"))


def smooth(data, window_s: float = 0.5, sampling_rate: float | None = None):
    """Centred moving average, exactly as rMEA's ``MEAsmooth`` (SAS ``proc expand``).

    With ``n = window_s * sampling_rate`` (which may be fractional), each sample
    becomes the sum of the samples from ``t - (n-1)/2`` to ``t + (n-1)/2`` (R's
    integer truncation of those bounds) divided by ``n``. As in rMEA, a window that
    reaches past the end of the series or holds a missing value gives 0, and
    samples that were missing stay missing. Default 0.5 s (published: rMEA).

    Examples
    --------
    >>> smooth(np.arange(1.0, 8.0), window_s=3, sampling_rate=1)
    array([1., 2., 3., 4., 5., 6., 0.])
    """
    window_s = check_positive(window_s, "window_s")

    def run(x: np.ndarray, sr: float) -> np.ndarray:
        n = window_s * sr
        if n < 1:
            raise ValueError(
                f"Invalid value for 'window_s': {window_s} s is less than one sample at {sr:g} Hz."
            )
        return _sas_moving_average(x, n)

    return _with_rate(data, sampling_rate, run)


def _sas_moving_average(x: np.ndarray, n: float) -> np.ndarray:
    size = len(x)
    half = (n - 1) / 2
    count = math.floor(n - 1 + 1e-10) + 1  # length of R's seq i1:i2
    back = math.ceil(half)
    padded = np.concatenate([x, np.full(count, np.nan)])
    starts = np.arange(size) - back
    out = np.empty(size)
    windows = np.lib.stride_tricks.sliding_window_view(padded, count)
    inner = starts >= 0
    out[inner] = windows[starts[inner]].sum(axis=1) / n
    for t in np.flatnonzero(~inner):  # the first few samples, where R clips i1 to 1
        hi = math.floor(t + 1 + half + 1e-10)  # 1-based inclusive end
        out[t] = x[:hi].sum() / n if hi <= size else np.nan
    out[np.isnan(out)] = 0.0
    out[np.isnan(x)] = np.nan
    return out


def scale(data, method: str | float = "sd", center: bool = False, sampling_rate=None):
    """Divide each series by a scale factor, as rMEA's ``MEAscale``.

    Parameters
    ----------
    method : {'sd', 'mean', 'max', 'mad'} or float
        How each series' factor is computed (missing values removed, as
        ``removeNA = TRUE``), or a fixed number.
    center : bool
        Subtract each series' mean first (R's ``scale(center = TRUE)``).

    Examples
    --------
    >>> scale(np.array([1.0, 2.0, 3.0]))
    array([1., 2., 3.])
    >>> scale(np.array([2.0, 4.0]), method="max")
    array([0.5, 1. ])
    """
    if not isinstance(method, (int, float)):
        check_option(method, "method", SCALE_METHODS)

    def run(x: np.ndarray) -> np.ndarray:
        valid = x[~np.isnan(x)]
        factor = float(method) if isinstance(method, (int, float)) else SCALE_METHODS[method](valid)
        if center:
            x = x - np.mean(valid)
        return x / factor

    return _map_signals(data, run)


def remove_outliers(
    data,
    threshold_sd: float | None = None,
    threshold: float | None = None,
    direction: str = "greater",
):
    """Set extreme values to NaN, as rMEA's ``MEAoutlier``.

    The threshold is ``threshold_sd`` (default 10) times the standard deviation of both
    partners' series together (per channel, rMEA's default ``sd(c(s1, s2)) * 10``),
    or an absolute ``threshold``. Unlike rMEA, missing values are ignored when
    computing the SD instead of disabling the step. The number of values removed
    is kept in the Session's ``meta['outliers_removed']``.

    Examples
    --------
    >>> s = Session.from_arrays([0, 1, 0, 1, 0, 1000.0], [0, 1, 0, 1, 0, 1], sampling_rate=1)
    >>> remove_outliers(s, threshold_sd=2).signal("partner_1", "signal")
    array([ 0.,  1.,  0.,  1.,  0., nan])
    """
    check_option(direction, "direction", ["greater", "less"])
    if threshold_sd is not None and threshold is not None:
        raise ValueError("Give exactly one of 'threshold_sd' and 'threshold', not both.")
    if threshold_sd is None and threshold is None:
        threshold_sd = 10.0
    if not isinstance(data, Session):
        raise ValueError("remove_outliers needs a Session (the threshold pools both partners).")
    signals = data.signals.copy()
    removed = {}
    for channel in signals.columns.get_level_values(1).unique():
        cols = [c for c in signals.columns if c[1] == channel]
        pooled = signals[cols].to_numpy().ravel()
        limit = threshold if threshold is not None else threshold_sd * np.nanstd(pooled, ddof=1)
        for col in cols:
            x = signals[col].to_numpy(dtype=float)
            hit = x > limit if direction == "greater" else x < limit
            removed["/".join(col)] = int(hit.sum())
            signals[col] = np.where(hit, np.nan, x)
    meta = {**data.meta, "outliers_removed": removed}
    return data.replace(signals=signals, meta=meta)


def resample(data, sampling_rate: float, method: str = "mean", original_rate=None):
    """Resample to ``sampling_rate`` Hz.

    ``'mean'`` averages the samples in each new bin (missing values ignored; an empty
    bin is missing), suited to coding on a 1 s base from a faster stream;
    ``'linear'`` interpolates (for upsampling; missing stays missing).

    Examples
    --------
    >>> s = Session.from_arrays(np.arange(8.0), np.ones(8), sampling_rate=4)
    >>> resample(s, 1).signal("partner_1", "signal")
    array([1.5, 5.5])
    """
    new_rate = check_positive(sampling_rate, "sampling_rate")
    check_option(method, "method", ["mean", "linear"])
    if not isinstance(data, Session):
        sr = check_positive(original_rate, "original_rate")
        x = np.asarray(data, dtype=float)
        return _resample_array(np.arange(len(x)) / sr, x, new_rate, len(x) / sr, method)
    t = data.times - data.times[0]
    duration = data.duration_s
    cols = {
        c: _resample_array(t, data.signals[c].to_numpy(), new_rate, duration, method)
        for c in data.signals.columns
    }
    out = pd.DataFrame(cols)
    out.columns = pd.MultiIndex.from_tuples(list(cols))
    out.index = data.times[0] + np.arange(len(out)) / new_rate
    return data.replace(signals=out, sampling_rate=new_rate)


def _resample_array(t, x, new_rate, duration, method) -> np.ndarray:
    n_new = int(math.floor(duration * new_rate + 1e-9))
    if n_new < 2:
        raise ValueError(
            f"Invalid value for 'sampling_rate': {new_rate:g} Hz leaves fewer than 2 samples "
            f"of a {duration:g} s recording."
        )
    if method == "linear":
        new_t = np.arange(n_new) / new_rate
        ok = ~np.isnan(x)
        out = np.interp(new_t, t[ok], x[ok], left=np.nan, right=np.nan)
        nearest = np.clip(np.searchsorted(t, new_t), 0, len(t) - 1)
        out[~ok[nearest]] = np.nan
        return out
    bins = np.floor(t * new_rate + 1e-9).astype(int)
    keep = (bins < n_new) & ~np.isnan(x)
    sums = np.bincount(bins[keep], weights=x[keep], minlength=n_new)
    counts = np.bincount(bins[keep], minlength=n_new)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)


def align_streams(
    times_1,
    values_1,
    times_2,
    values_2,
    sampling_rate: float,
    partners=("partner_1", "partner_2"),
    channel: str = "signal",
    max_gap_s: float | None = None,
    id: str = "session",
) -> Session:
    """Put two partners' streams, recorded at different rates or start times, on one clock.

    Both are linearly interpolated onto a grid at ``sampling_rate`` covering the
    time both were recording. Where a stream has a gap longer than ``max_gap_s``
    (default: 2 of its own median sample intervals) the result is missing there,
    not bridged.

    Examples
    --------
    >>> s = align_streams([0, 1, 2, 3], [0, 1, 2, 3], [0.5, 1.5, 2.5, 3.5], [5, 6, 7, 8],
    ...                   sampling_rate=2)
    >>> s.times.tolist(), s.signal("partner_2", "signal").tolist()
    ([0.5, 1.0, 1.5, 2.0, 2.5, 3.0], [5.0, 5.5, 6.0, 6.5, 7.0, 7.5])
    """
    sr = check_positive(sampling_rate, "sampling_rate")
    streams = []
    for k, (t, x) in enumerate(((times_1, values_1), (times_2, values_2)), start=1):
        t, x = np.asarray(t, dtype=float), np.asarray(x, dtype=float)
        if t.shape != x.shape or t.ndim != 1 or len(t) < 2:
            raise ValueError(
                f"partner {k}: times and values must be 1-D arrays of equal length >= 2, got "
                f"shapes {t.shape} and {x.shape}."
            )
        if np.any(np.diff(t) <= 0):
            raise ValueError(f"partner {k}: times must increase.")
        streams.append((t, x))
    start = max(streams[0][0][0], streams[1][0][0])
    stop = min(streams[0][0][-1], streams[1][0][-1])
    if stop <= start:
        raise ValueError(
            f"the two streams do not overlap in time: partner 1 covers "
            f"{streams[0][0][0]:g}-{streams[0][0][-1]:g} s, partner 2 "
            f"{streams[1][0][0]:g}-{streams[1][0][-1]:g} s."
        )
    grid = start + np.arange(int(math.floor((stop - start) * sr + 1e-9)) + 1) / sr
    aligned = []
    for t, x in streams:
        gap = max_gap_s if max_gap_s is not None else 2 * float(np.median(np.diff(t)))
        ok = ~np.isnan(x)
        y = np.interp(grid, t[ok], x[ok])
        tk = t[ok]
        idx = np.clip(np.searchsorted(tk, grid, side="right"), 1, len(tk) - 1)
        on_sample = (tk[idx - 1] == grid) | (tk[idx] == grid)
        y[(tk[idx] - tk[idx - 1] > gap) & ~on_sample] = np.nan
        aligned.append(y)
    return Session.from_arrays(
        aligned[0], aligned[1], sr, partners=partners, channel=channel, id=id, start_s=grid[0]
    )
