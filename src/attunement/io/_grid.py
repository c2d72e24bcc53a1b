"""Samples at irregular times onto a regular grid, never bridging a gap or a missing value."""

from __future__ import annotations

import numpy as np


def onto_grid(times: np.ndarray, values: np.ndarray, grid: np.ndarray,
              max_gap_s: float | None = None) -> np.ndarray:
    """Linear interpolation of ``values`` (``(n_times,)`` or ``(n_times, n_channels)``) at
    ``grid``; NaN outside the recorded span, where a neighbouring sample is NaN, or where the
    two neighbours are more than ``max_gap_s`` apart (a gap in the recording).

    Examples
    --------
    >>> onto_grid(np.array([0.0, 1.0, 2.0, 5.0]), np.array([0.0, 1.0, np.nan, 5.0]),
    ...           np.array([0.5, 1.0, 1.5, 3.0, 6.0]), max_gap_s=2)
    array([0.5, 1. , nan, nan, nan])
    """
    t = np.asarray(times, dtype=float)
    x = np.asarray(values, dtype=float)
    flat = x.ndim == 1
    x = x.reshape(len(t), -1)
    if len(t) < 2:
        raise ValueError(f"need at least two samples to interpolate, got {len(t)}.")
    hi = np.clip(np.searchsorted(t, grid, side="left"), 1, len(t) - 1)
    lo = hi - 1
    exact_hi = t[hi] == grid
    lo = np.where(exact_hi, hi, lo)  # a grid time on a sample takes that sample alone
    span = t[hi] - t[lo]
    w = np.divide(grid - t[lo], span, out=np.zeros_like(grid, dtype=float), where=span > 0)
    wc = w[:, None]
    out = np.where(wc == 0, x[lo], np.where(wc == 1, x[hi], x[lo] * (1 - wc) + x[hi] * wc))
    bad = (grid < t[0]) | (grid > t[-1])
    if max_gap_s is not None:
        bad |= span > max_gap_s
    out[bad] = np.nan
    return out[:, 0] if flat else out
