"""One clock for a session: resample its signals, or align two partners' streams.

Readers use these to build a Session from two devices' time stamps, so they sit beside
the data model, below every stage; :mod:`attunement.preprocess` re-exports them.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ._check import check_option, check_positive
from .session import Session


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
