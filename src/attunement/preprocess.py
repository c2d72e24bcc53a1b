"""Preprocessing: smoothing, scaling and outlier suppression with rMEA's semantics.

Resampling and aligning two partners' streams onto one clock are in
:mod:`attunement.clock` (readers use them too) and re-exported here.

Each function takes a :class:`Session` (applied to every signal, a new Session is
returned) or a plain array with its ``sampling_rate``.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from ._check import check_option, check_positive
from .clock import align_streams, resample
from .session import Session

__all__ = ["SCALE_METHODS", "align_streams", "remove_outliers", "resample", "scale", "smooth"]

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
