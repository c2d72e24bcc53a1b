"""The windowed cross-correlation of one pair under many circular shifts of partner 2, all
shifts computed together (the circular-shift surrogates of the surrogate test, the peak
picker and the episode detector).

Each shift's values equal ``wcc(x, np.roll(y, shift)).values`` (to the rounding bound of
the WCC engine, 1e-10, with NaN in the same places), but the products of shifts closer than
the lag range are formed once and the window statistics once for all shifts
(``_wcc_shifts``). It needs the compiled kernel (numba, the extra 'fast') and series without
missing values (:func:`shifts_supported`); elsewhere callers shift the series and use
:func:`~attunement.lagcorr.lagged.wcc_batch`.
"""

from __future__ import annotations

import numpy as np

from .._check import check_positive
from . import _wcc_shifts
from ._wcc_core import make_layout
from .lagged import Z_CAP

#: The order of :func:`wcc_shift_statistics`' columns: the surrogate test's WCC summaries.
STATISTICS = ("grand_average", "lag_zero_mean", "p1_leads_mean", "p2_leads_mean")


def shifts_supported(x, y) -> bool:
    """Whether :func:`wcc_shifts` can compute this pair: numba installed (the extra 'fast')
    and no missing value in either series.

    Examples
    --------
    >>> shifts_supported([1.0, 2.0], [1.0, np.nan])
    False
    """
    return _wcc_shifts.supported(np.asarray(x, dtype=float), np.asarray(y, dtype=float))


def _prepare(x, y, sampling_rate, shifts, window_s, max_lag_s, step_s):
    rate = check_positive(sampling_rate, "sampling_rate")
    x, y = (np.ascontiguousarray(v, dtype=float) for v in (x, y))
    if x.ndim != 1 or x.shape != y.shape:
        raise ValueError(f"Invalid input: 'x' has shape {x.shape} and 'y' {y.shape}; expected "
                         "two 1-D series of equal length.")
    if not shifts_supported(x, y):
        raise ValueError("Invalid input: wcc_shifts needs numba (pip install "
                         "attunement[fast]) and series without missing values; shift the "
                         "series and use wcc_batch instead.")
    shifts = np.asarray(shifts)
    if shifts.ndim != 1 or not np.issubdtype(shifts.dtype, np.integer):
        raise ValueError(f"Invalid value for 'shifts': expected a 1-D array of integers "
                         f"(samples), got {shifts.dtype} of shape {shifts.shape}.")
    for name, value in (("window_s", window_s), ("step_s", step_s)):
        check_positive(value, name)
    check_positive(max_lag_s, "max_lag_s", allow_zero=True)
    return x, y, shifts, make_layout(len(x), rate, window_s, max_lag_s, step_s)


def wcc_shifts(x, y, sampling_rate: float, shifts, *, window_s: float = 60.0,
               max_lag_s: float = 5.0, step_s: float = 30.0, fisher_z: bool = False,
               absolute: bool = False) -> np.ndarray:
    """WCC values of x against y circularly shifted by each of ``shifts`` samples:
    (n_shifts, n_windows, n_lags), row i equal to ``wcc(x, np.roll(y, shifts[i]), ...)
    .values`` (partner 2 shifted later by ``shifts[i]``, wrapping around).

    Parameters
    ----------
    x, y : array of shape (n_times,), without missing values
    sampling_rate, window_s, max_lag_s, step_s, fisher_z, absolute
        As in :func:`attunement.wcc`.
    shifts : array of int
        Circular shifts of partner 2 in samples.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x, y = rng.normal(size=(2, 600))
    >>> v = wcc_shifts(x, y, 10, [50, 300], window_s=20, max_lag_s=1, step_s=10)
    >>> from attunement import wcc
    >>> bool(np.allclose(v[1], wcc(x, np.roll(y, 300), 10, window_s=20, max_lag_s=1,
    ...                            step_s=10).values, atol=1e-10))
    True
    """
    x, y, shifts, lay = _prepare(x, y, sampling_rate, shifts, window_s, max_lag_s, step_s)
    return _wcc_shifts.shifted_r(x, y, shifts, lay, fisher_z, absolute, Z_CAP)


def wcc_shift_statistics(x, y, sampling_rate: float, shifts, *, window_s: float = 60.0,
                         max_lag_s: float = 5.0, step_s: float = 30.0,
                         fisher_z: bool = False, absolute: bool = False) -> dict:
    """The surrogate test's WCC summaries of each shift without storing its values:
    ``name -> array (n_shifts,)`` for each of :data:`STATISTICS`, and ``all_lags``, each
    window's mean over lags (n_shifts, n_windows); as
    ``stats.wcc_null.wcc_statistics(wcc_shifts(...))`` (NaN cells left out).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x, y = rng.normal(size=(2, 600))
    >>> got = wcc_shift_statistics(x, y, 10, [50, 300], window_s=20, max_lag_s=1,
    ...                            step_s=10)
    >>> got["grand_average"].shape, got["all_lags"].shape
    ((2,), (2, 4))
    """
    x, y, shifts, lay = _prepare(x, y, sampling_rate, shifts, window_s, max_lag_s, step_s)
    stats, windows = _wcc_shifts.shifted_statistics(x, y, shifts, lay, fisher_z, absolute,
                                                    Z_CAP)
    return {**{k: stats[:, i] for i, k in enumerate(STATISTICS)}, "all_lags": windows}
