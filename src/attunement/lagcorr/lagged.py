"""Windowed lagged cross-correlation (WCC), the core measure of nonverbal synchrony.

Boker et al. (2002, Psych Methods 7:338); Ramseyer & Tschacher (2011, JCCP 79:284). Every
value equals rMEA 1.3.0's ``MEAccf`` (Kleinbub & Ramseyer 2020) to 1e-9, with NaN in the same
places: window ``i`` starts at ``i * step_s`` and spans ``window_s + max_lag_s``; at lag
``k >= 0`` the first ``window_s`` of partner 1 pair with partner 2 ``k`` later, so **a positive
lag means partner 2 follows partner 1 (partner 1 leads)**; Pearson r over the pairs where both
are present. A window is all NaN when more than half of either partner's span is missing; a
lag is NaN when fewer than 2 complete pairs differ, or a partner is constant. Fisher z is
``atanh(r)`` capped at +-10, as in rMEA. Unlike rMEA, fractional seconds and non-integer rates
(59.94 fps) work (window, lag and step round to the nearest sample) and a mostly-missing
window never stops the run. The numerics live in ``_wcc_core``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .._check import check_positive
from .._pairs import read_pair
from . import _wcc_core, _wcc_kernel
from ._wcc_core import Layout, lagged_r, make_layout
from .window import MIN_WINDOW_SAMPLES, check_window

#: rMEA's cap on Fisher's z (``fisher.r2z``).
Z_CAP = 10.0


@dataclass
class WCCResult:
    """Windowed lagged cross-correlation of one pair of series.

    ``values[i, j]`` is the correlation (r, Fisher z, or their absolute value, as
    ``params`` says) in the window starting at ``times_s[i]`` at lag ``lags_s[j]``.
    Positive lags: partner 2 follows partner 1. The per-window summaries are rMEA's
    ``ccfRes``; :meth:`summary` gives one row for a whole session.
    """

    values: np.ndarray
    times_s: np.ndarray
    lags_s: np.ndarray
    params: dict = field(default_factory=dict)
    missing_fraction: float = 0.0

    @property
    def measure(self) -> str:
        """'r', 'z', '|r|' or '|z|'."""
        name = "z" if self.params.get("fisher_z") else "r"
        return f"|{name}|" if self.params.get("absolute") else name

    @property
    def n_windows(self) -> int:
        return self.values.shape[0]

    @property
    def grand_average(self) -> float:
        """Mean of every non-missing cell (rMEA ``grandAver``)."""
        return _nanmean(self.values, None)

    @property
    def lag_zero(self) -> np.ndarray:
        """The lag-0 series, one value per window (rMEA ``lag_zero``)."""
        return self.values[:, len(self.lags_s) // 2].copy()

    @property
    def all_lags(self) -> np.ndarray:
        """Mean over all lags per window (rMEA ``all_lags``)."""
        return _nanmean(self.values, 1)

    @property
    def p1_leads(self) -> np.ndarray:
        """Mean over positive lags per window: partner 2 follows (rMEA ``s1_lead``)."""
        return _nanmean(self.values[:, self.lags_s > 0], 1)

    @property
    def p2_leads(self) -> np.ndarray:
        """Mean over negative lags per window: partner 1 follows (rMEA ``s2_lead``)."""
        return _nanmean(self.values[:, self.lags_s < 0], 1)

    @property
    def p1_leads_with_zero(self) -> np.ndarray:
        """As :attr:`p1_leads`, lag 0 included (rMEA ``s1_lead_0``)."""
        return _nanmean(self.values[:, self.lags_s >= 0], 1)

    @property
    def p2_leads_with_zero(self) -> np.ndarray:
        """As :attr:`p2_leads`, lag 0 included (rMEA ``s2_lead_0``)."""
        return _nanmean(self.values[:, self.lags_s <= 0], 1)

    @property
    def best_lag_s(self) -> np.ndarray:
        """Lag of each window's largest value, the first on ties; NaN for an all-missing
        window (rMEA ``bestLag``)."""
        return _best_lag(self.values, self.lags_s)

    @property
    def lag_profile(self) -> np.ndarray:
        """Mean over windows at each lag."""
        return _nanmean(self.values, 0)

    def window_frame(self) -> pd.DataFrame:
        """The per-window summaries, one row per window."""
        return pd.DataFrame(
            {
                "window_start_s": self.times_s,
                "lag_zero": self.lag_zero,
                "all_lags": self.all_lags,
                "p1_leads": self.p1_leads,
                "p2_leads": self.p2_leads,
                "p1_leads_with_zero": self.p1_leads_with_zero,
                "p2_leads_with_zero": self.p2_leads_with_zero,
                "best_lag_s": self.best_lag_s,
            }
        )

    def summary(self) -> dict:
        """Session-level summaries: ``grand_average``; the means over windows of the lag-0,
        all-lags and leading series; ``best_lag_s``, the lag where the mean over windows
        peaks; counts; and the parameters."""
        profile = self.lag_profile
        best = _best_lag(profile[None, :], self.lags_s)[0]
        return {
            "grand_average": self.grand_average,
            "lag_zero_mean": _nanmean(self.lag_zero, None),
            "all_lags_mean": _nanmean(self.all_lags, None),
            "p1_leads_mean": _nanmean(self.p1_leads, None),
            "p2_leads_mean": _nanmean(self.p2_leads, None),
            "best_lag_s": best,
            "n_windows": self.n_windows,
            "na_cell_fraction": float(np.isnan(self.values).mean()),
            "missing_fraction": self.missing_fraction,
            **self.params,
        }

    def to_frame(self) -> pd.DataFrame:
        """Tidy rows: ``window_start_s``, ``lag_s``, ``value``."""
        n_w, n_l = self.values.shape
        return pd.DataFrame(
            {
                "window_start_s": np.repeat(self.times_s, n_l),
                "lag_s": np.tile(self.lags_s, n_w),
                "value": self.values.ravel(),
            }
        )

    def to_wide(self) -> pd.DataFrame:
        """One row per window: ``window_start_s``, then one column per lag in seconds."""
        frame = pd.DataFrame(self.values, columns=lag_names(self.lags_s))
        frame.insert(0, "window_start_s", self.times_s)
        return frame


def lag_names(lags_s: np.ndarray) -> list[str]:
    """Column names for lags in seconds (``'-0.04'``, ``'0'``, ``'1.2'``)."""
    return [f"{round(v, 9) + 0.0:.10g}" for v in np.asarray(lags_s, dtype=float)]


def wcc(
    x,
    y=None,
    sampling_rate: float | None = None,
    *,
    channel: str | None = None,
    window_s: float = 60.0,
    max_lag_s: float = 5.0,
    step_s: float = 30.0,
    fisher_z: bool = False,
    absolute: bool = False,
    min_window_samples: int = MIN_WINDOW_SAMPLES,
) -> WCCResult:
    """Windowed lagged cross-correlation of two series, with rMEA's semantics.

    Parameters
    ----------
    x, y : array of shape (n_times,), or a Session as ``x`` (then ``y`` is None)
        Partner 1 and partner 2; NaN marks missing samples.
    sampling_rate : float
        Samples per second (taken from the Session when one is given).
    channel : str, optional
        The Session's channel (needed when it has several).
    window_s, max_lag_s, step_s : float
        Window length, largest lag and window increment in seconds. Defaults are the rMEA
        example (lag 5 s, window 60 s, increment 30 s); the rMEA docs note that lags of
        +-5 s are common. Each rounds to the nearest sample.
    fisher_z, absolute : bool
        Fisher z (capped at +-10) and absolute values, rMEA's ``r2Z`` and ``ABS`` (rMEA's
        own defaults are both True; here plain r, as Boker et al. 2002).
    min_window_samples : int
        Fewest samples a window may hold at the data's rate (default
        :data:`~attunement.lagcorr.window.MIN_WINDOW_SAMPLES`, 10; fewer give correlations
        that are mostly noise). Lower it only to reproduce a reference computed on tiny
        windows (rMEA parity tests); it is never below 2. ``max_lag_s`` must be shorter
        than ``window_s`` whatever this is.

    Returns
    -------
    WCCResult

    Raises
    ------
    ValueError
        A window under ``min_window_samples`` samples, or a lag as long as the window
        (:func:`~attunement.lagcorr.window.check_window`).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> p1 = rng.normal(size=3000)
    >>> p2 = np.r_[np.zeros(6), p1[:-6]] + rng.normal(size=3000)  # follows 0.6 s later
    >>> res = wcc(p1, p2, 10, window_s=30, max_lag_s=2, step_s=10)
    >>> res.values.shape, float(res.summary()["best_lag_s"])
    ((27, 41), 0.6)
    """
    a, b, rate, missing = wcc_inputs(x, y, sampling_rate, channel)
    for name, value in (("window_s", window_s), ("step_s", step_s)):
        check_positive(value, name)
    check_positive(max_lag_s, "max_lag_s", allow_zero=True)
    check_window(rate, window_s, max_lag_s, minimum=min_window_samples)
    lay = make_layout(len(a), rate, window_s, max_lag_s, step_s)
    values = transform(lagged_r(a, b, lay)[0], fisher_z, absolute)
    return _result(values, lay, rate, missing, dict(
        window_s=float(window_s), max_lag_s=float(max_lag_s), step_s=float(step_s),
        fisher_z=bool(fisher_z), absolute=bool(absolute), sampling_rate=rate))


def wcc_batch(
    xs,
    ys,
    sampling_rate: float,
    *,
    window_s: float = 60.0,
    max_lag_s: float = 5.0,
    step_s: float = 30.0,
    fisher_z: bool = False,
    absolute: bool = False,
) -> np.ndarray:
    """:func:`wcc` values of many pairs of one length at once (surrogates of one session):
    ``values`` of shape (n_pairs, n_windows, n_lags), row i equal to
    ``wcc(xs[i], ys[i], ...).values`` (to rounding, 1e-12).

    Parameters
    ----------
    xs, ys : array of shape (n_pairs, n_times)
        Partner 1 and partner 2 of each pair; NaN marks missing samples.
    sampling_rate, window_s, max_lag_s, step_s, fisher_z, absolute
        As in :func:`wcc`.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=(3, 600))
    >>> wcc_batch(x, np.roll(x, 4, axis=1), 10, window_s=20, max_lag_s=1, step_s=10).shape
    (3, 4, 21)
    """
    rate = check_positive(sampling_rate, "sampling_rate")
    xs, ys = (np.atleast_2d(np.asarray(v, dtype=float)) for v in (xs, ys))
    if xs.shape != ys.shape or xs.ndim != 2:
        raise ValueError(
            f"Invalid input: 'xs' has shape {xs.shape} and 'ys' {ys.shape}; expected two "
            "equal 2-D shapes (n_pairs, n_times)."
        )
    for name, v in (("xs", xs), ("ys", ys)):
        if np.isinf(v).any():
            raise ValueError(f"Invalid value for {name!r}: {int(np.isinf(v).sum())} infinite "
                             "value(s); use NaN for missing samples.")
    for name, value in (("window_s", window_s), ("step_s", step_s)):
        check_positive(value, name)
    check_positive(max_lag_s, "max_lag_s", allow_zero=True)
    lay = make_layout(xs.shape[1], rate, window_s, max_lag_s, step_s)
    return transform(lagged_r(xs, ys, lay), fisher_z, absolute)


def transform(r: np.ndarray, fisher_z: bool, absolute: bool) -> np.ndarray:
    """Fisher z capped at +-10 (rMEA's ``fisher.r2z``) and absolute value, as asked; in
    place, without temporaries, with the compiled engine (``r`` C-contiguous)."""
    if not (fisher_z or absolute):
        return r
    if _wcc_core.ENGINE == "numba" and r.flags.c_contiguous and r.flags.writeable:
        _wcc_kernel.transform_inplace(r, fisher_z, absolute, Z_CAP)
        return r
    if fisher_z:
        with np.errstate(divide="ignore"):
            r = np.clip(np.arctanh(r), -Z_CAP, Z_CAP)
    return np.abs(r) if absolute else r


def _result(values, lay: Layout, rate, missing, params) -> WCCResult:
    return WCCResult(
        values=values,
        times_s=lay.starts / rate,
        lags_s=np.arange(-lay.lag, lay.lag + 1) / rate,
        params=params,
        missing_fraction=missing,
    )


def wcc_inputs(x, y, sampling_rate, channel=None):
    """The pair :func:`wcc` reads: two equal-length float series (from two arrays, or a
    Session and a channel), the rate and the fraction of missing samples (NaN kept).

    Examples
    --------
    >>> a, b, rate, missing = wcc_inputs([1.0, np.nan, 3.0], [3.0, 2.0, 1.0], 10)
    >>> rate, round(missing, 3)
    (10.0, 0.167)
    """
    a, b, rate = read_pair(x, y, sampling_rate, channel, names=("x", "y"), series=_series)
    return a, b, rate, float(np.isnan(np.r_[a, b]).mean())


def _series(values, name: str) -> np.ndarray:
    try:
        a = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"Invalid value for {name!r}: expected numbers.") from None
    if a.ndim != 1:
        raise ValueError(
            f"Invalid value for {name!r}: expected a 1-D array (n_times,), got shape {a.shape}."
        )
    if np.isinf(a).any():
        raise ValueError(
            f"Invalid value for {name!r}: {int(np.isinf(a).sum())} infinite value(s) (first at "
            f"sample {int(np.flatnonzero(np.isinf(a))[0])}); use NaN for missing samples."
        )
    return a


def _nanmean(values: np.ndarray, axis):
    """Mean ignoring NaN; NaN (no warning) where nothing is left, as R's mean(na.rm = TRUE)."""
    ok = ~np.isnan(values)
    count = ok.sum(axis=axis)
    total = np.where(ok, values, 0.0).sum(axis=axis)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = total / count
    return float(out) if axis is None else out


def _best_lag(values: np.ndarray, lags_s: np.ndarray) -> np.ndarray:
    filled = np.where(np.isnan(values), -math.inf, values)
    best = lags_s[filled.argmax(axis=1)].astype(float)
    best[np.isnan(values).all(axis=1)] = np.nan
    return best
