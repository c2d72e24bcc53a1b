"""Physiological linkage between two partners' heart rate (Palumbo et al. 2017 families).

- :func:`interval_correlation`: heart rate in 15 s intervals, correlated between partners,
  against surrogates that shuffle the intervals (Tschacher & Meier 2020).
- :func:`slope_concordance`: Marci et al.'s (2007) index, ln of the sum of positive over
  the sum of negative correlations of the partners' slopes in 15 s windows.
- :func:`actor_partner` and :func:`partner_effect_test`: each partner's heart rate on
  their own and the partner's previous value (lagged actor-partner regression), for
  direction.

Every input is two arrays on one clock with their ``sampling_rate``; NaN (gaps) is
allowed and every measure uses only the time both partners are valid, saying how much.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats as sstats

from .._check import check_option, check_positive, check_random_state
from ..nulls import permutation_p, shift_offsets

#: Nulls the linkage measures accept.
NULLS = ("segments", "shift")

RESULT_COLUMNS = ["measure", "value", "null", "null_mean", "n_surrogates", "p_value",
                  "effect_size", "n_used"]


@dataclass
class LinkageResult:
    """One linkage measure against its surrogate null.

    Attributes
    ----------
    measure : str
    value : float
        The measure on the real pair.
    null : str
        The surrogate null (``'segments'``, ``'shift'``) or ``'none'``.
    null_values : ndarray
        The measure on each surrogate.
    p_value : float
        Share of surrogates at least as large as ``value``, ``(1 + k) / (1 + n)``.
    effect_size : float
        ``value`` minus the surrogates' mean (SUSY's effect size).
    n_used : int
        Observations behind ``value`` (intervals, windows or samples).
    params : dict
        Every parameter used.
    series : DataFrame
        The measure's time course (may be empty).
    """

    measure: str
    value: float
    null: str
    null_values: np.ndarray = field(repr=False)
    p_value: float
    effect_size: float
    n_used: int
    params: dict
    series: pd.DataFrame = field(repr=False, default_factory=pd.DataFrame)

    def to_frame(self) -> pd.DataFrame:
        """One tidy row: ``measure``, ``value``, ``null``, ``null_mean``, ``n_surrogates``,
        ``p_value``, ``effect_size``, ``n_used`` and one column per parameter."""
        row = {"measure": self.measure, "value": self.value, "null": self.null,
               "null_mean": float(np.mean(self.null_values)) if len(self.null_values)
               else np.nan, "n_surrogates": len(self.null_values), "p_value": self.p_value,
               "effect_size": self.effect_size, "n_used": self.n_used, **self.params}
        return pd.DataFrame([row])


def _result(measure, value, null, null_values, n_used, params, series=None, two_sided=False):
    null_values = np.asarray(null_values, dtype=float)
    null_values = null_values[~np.isnan(null_values)]
    # two-sided: distance from zero (the value of no linkage), not from the surrogates' mean
    p = permutation_p(abs(value), np.abs(null_values)) if two_sided else \
        permutation_p(value, null_values)
    with np.errstate(invalid="ignore"):
        effect = float(value - null_values.mean()) if len(null_values) else np.nan
    return LinkageResult(measure, float(value), null, null_values, p, effect, int(n_used),
                         params, series if series is not None else pd.DataFrame())


def interval_means(x, sampling_rate: float, interval_s: float = 15.0,
                   min_coverage: float = 0.5) -> np.ndarray:
    """Mean of ``x`` in consecutive intervals; NaN where under ``min_coverage`` is valid.

    Examples
    --------
    >>> interval_means(np.r_[np.ones(8), np.full(8, np.nan)], sampling_rate=4, interval_s=2)
    array([ 1., nan])
    """
    sr = check_positive(sampling_rate, "sampling_rate")
    n = int(round(check_positive(interval_s, "interval_s") * sr))
    if n < 1:
        raise ValueError(f"Invalid value for 'interval_s': {interval_s} s is less than one "
                         f"sample at {sr:g} Hz.")
    x = np.asarray(x, dtype=float)
    blocks = x[: len(x) // n * n].reshape(-1, n)
    ok = np.isfinite(blocks)
    with np.errstate(invalid="ignore"):
        means = np.where(ok, blocks, 0.0).sum(axis=1) / ok.sum(axis=1)
    return np.where(ok.mean(axis=1) >= min_coverage, means, np.nan)


def interval_correlation(
    x1, x2, sampling_rate: float, interval_s: float = 15.0, null: str = "shift",
    n_surrogates: int = 500, min_shift_s: float = 30.0, seed=None,
) -> LinkageResult:
    """Correlation of the partners' heart rate in ``interval_s`` intervals.

    Heart rate is averaged over 15 s intervals (published: Tschacher & Meier 2020,
    Psychother Res 30:558) and Pearson-correlated over intervals both partners cover.
    The null shifts partner 2's intervals circularly by at least ``min_shift_s``
    (``'shift'``, the default) or shuffles them (``'segments'``, as
    there; 500 surrogates as SUSY). Shuffling assumes the interval means are
    exchangeable; slow drifts make it anti-conservative: on independent AR(1) pairs
    of 10 min with a 60 s time constant it rejected 19 % at alpha = .05, the circular
    shift 7.7 % (3.7 % over 30 min; tests/test_physio_linkage.py).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> common = np.repeat(rng.normal(size=40), 60)
    >>> res = interval_correlation(common + rng.normal(size=2400), common, 4,
    ...                            null="segments", n_surrogates=99, seed=1)
    >>> round(res.value, 2), res.p_value
    (0.99, 0.01)
    """
    check_option(null, "null", NULLS)
    sr = check_positive(sampling_rate, "sampling_rate")
    m1, m2 = interval_means(x1, sr, interval_s), interval_means(x2, sr, interval_s)

    def stat(b):
        ok = np.isfinite(m1) & np.isfinite(b)
        return _pearson(m1[ok], b[ok]) if ok.sum() >= 3 else np.nan

    n_used = int((np.isfinite(m1) & np.isfinite(m2)).sum())
    if n_used < 3:
        raise ValueError(f"interval_correlation: only {n_used} {interval_s:g} s interval(s) "
                         "with both partners' heart rate; need at least 3.")
    value = stat(m2)
    rng = check_random_state(seed)
    if null == "segments" or n_surrogates == 0:
        surr = [stat(rng.permutation(m2)) for _ in range(n_surrogates)]
    else:
        min_shift = max(1, int(round(check_positive(min_shift_s, "min_shift_s") / interval_s)))
        surr = [stat(np.roll(m2, k))
                for k in shift_offsets(len(m2), min_shift, n_surrogates, rng, "'min_shift_s'")]
    series = pd.DataFrame({"onset_s": np.arange(len(m1)) * interval_s, "hr_1_bpm": m1,
                           "hr_2_bpm": m2})
    params = {"interval_s": interval_s}
    if null == "shift":
        params["min_shift_s"] = min_shift_s
    return _result("hr_interval_r", value, null, surr, n_used, params, series)


def slope_concordance(
    x1, x2, sampling_rate: float, slope_window_s: float = 5.0, step_s: float = 1.0,
    corr_window_s: float = 15.0, n_surrogates: int = 500, min_shift_s: float = 30.0,
    seed=None,
) -> LinkageResult:
    """Marci et al.'s (2007, J Nerv Ment Dis 195:103) slope concordance index.

    Slopes (least squares, per second) of each partner's signal over ``slope_window_s``
    windows every ``step_s``; Pearson correlations of the partners' slopes over running
    ``corr_window_s`` windows (15 slopes); index = ln(sum of positive r / sum of |negative
    r|). Defaults are the published ones (5 s slopes every 1 s, 15 s correlations), for
    skin conductance there and applied here to heart rate. The null shifts partner 2
    circularly by at least ``min_shift_s``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> common = np.cumsum(rng.normal(size=1200))
    >>> res = slope_concordance(common + rng.normal(0, 20, 1200), common, 4, n_surrogates=99,
    ...                         seed=0)
    >>> round(res.value, 1), res.p_value
    (1.8, 0.01)
    """
    sr = check_positive(sampling_rate, "sampling_rate")
    params = {"slope_window_s": slope_window_s, "step_s": step_s,
              "corr_window_s": corr_window_s}
    w = int(round(check_positive(slope_window_s, "slope_window_s") * sr))
    step = int(round(check_positive(step_s, "step_s") * sr))
    k = int(round(check_positive(corr_window_s, "corr_window_s") / step_s))
    if w < 2 or step < 1 or k < 3:
        raise ValueError(f"slope_concordance: at {sr:g} Hz, slope_window_s={slope_window_s} "
                         f"and step_s={step_s} give {w} sample(s) per slope and a step of "
                         f"{step}; corr_window_s={corr_window_s} gives {k} slopes per "
                         "correlation; expected >= 2, >= 1 and >= 3.")
    s1, s2 = _slopes(x1, w, step, sr), _slopes(x2, w, step, sr)

    def stat(b):
        r = _running_r(s1, b, k)
        return _sci(r), r

    value, r = stat(s2)
    rng = check_random_state(seed)
    min_shift = int(round(check_positive(min_shift_s, "min_shift_s") / step_s))
    shifts = shift_offsets(len(s2), min_shift, n_surrogates, rng, "'min_shift_s'") \
        if n_surrogates else []
    surr = [stat(np.roll(s2, sh))[0] for sh in shifts]
    times = (np.arange(len(r)) * step + (w - 1) / 2) / sr + (k - 1) * step_s / 2
    series = pd.DataFrame({"time_s": times, "r": r})
    n_used = int(np.isfinite(r).sum())
    if n_used == 0:
        raise ValueError("slope_concordance: no window where both partners' slopes vary; "
                         "the signals are constant or missing.")
    return _result("slope_concordance_index", value, "shift", surr, n_used, params,
                   series)


@dataclass
class ActorPartnerResult:
    """Lagged actor-partner regression of both partners.

    ``table`` has one row per (outcome, predictor): ``outcome`` (1 or 2), ``effect``
    (``'actor'`` or ``'partner'``), ``coef`` (standardised), ``se``, ``t``, ``p_value``,
    ``n``. ``direction`` is partner effect 1 -> 2 minus 2 -> 1: positive when partner 1
    leads.
    """

    table: pd.DataFrame
    lag_s: float
    direction: float

    def to_frame(self) -> pd.DataFrame:
        return self.table.assign(lag_s=self.lag_s)


def actor_partner(x1, x2, sampling_rate: float, lag_s: float = 1.0) -> ActorPartnerResult:
    """Each partner's heart rate on their own and the partner's value ``lag_s`` earlier.

    Both series are averaged into ``lag_s`` bins (a 1 s base, as Beebe et al. 2010 code
    contingency) and standardised; then, by least squares,
    ``x1[t] = a1 + b11 x1[t-1] + b12 x2[t-1]`` and ``x2[t] = a2 + b22 x2[t-1] + b21
    x1[t-1]``. ``b21`` is partner 1's influence on 2 (1 leads), ``b12`` the reverse.
    Bins with a gap in either series are left out. p-values are OLS t-tests, which
    assume white residuals and run anti-conservative on slowly drifting heart rate;
    :func:`partner_effect_test` gives calibrated surrogate p-values.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> lead = rng.normal(size=601)
    >>> res = actor_partner(lead[1:], lead[:-1] + 0.5 * rng.normal(size=600), 1)
    >>> res.direction > 0.5
    True
    """
    sr = check_positive(sampling_rate, "sampling_rate")
    lag_s = check_positive(lag_s, "lag_s")
    b1, b2 = (_bin_means(x, sr, lag_s) for x in (x1, x2))
    rows = []
    for outcome, own, other in ((1, b1, b2), (2, b2, b1)):
        design, y = _ap_design(own, other, lag_s)
        coef, se, t, p = _ols(design, y)
        for j, effect in ((1, "actor"), (2, "partner")):
            rows.append({"outcome": outcome, "effect": effect, "coef": coef[j], "se": se[j],
                         "t": t[j], "p_value": p[j], "n": len(y)})
    table = pd.DataFrame(rows)
    partner = table[table.effect == "partner"].set_index("outcome")["coef"]
    return ActorPartnerResult(table, lag_s, float(partner[2] - partner[1]))


def partner_effect_test(
    x1, x2, sampling_rate: float, lag_s: float = 1.0, n_surrogates: int = 500,
    min_shift_s: float = 30.0, seed=None,
) -> tuple[LinkageResult, LinkageResult]:
    """Partner effects of :func:`actor_partner` against circularly shifted partners.

    For each direction the predicting partner's series is shifted circularly (by at least
    ``min_shift_s``), which keeps both series' own dynamics and breaks only their
    alignment; the p-value is two-sided. Returns ``(1 -> 2, 2 -> 1)``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> lead = rng.normal(size=601)
    >>> one, two = partner_effect_test(lead[1:], lead[:-1] + rng.normal(size=600), 1,
    ...                                n_surrogates=99, seed=0)
    >>> one.p_value, two.p_value > 0.05
    (0.01, True)
    """
    sr = check_positive(sampling_rate, "sampling_rate")
    lag_s = check_positive(lag_s, "lag_s")
    b1, b2 = (_bin_means(x, sr, lag_s) for x in (x1, x2))
    rng = check_random_state(seed)
    min_shift = int(round(check_positive(min_shift_s, "min_shift_s") / lag_s))
    out = []
    for name, own, other in (("partner_effect_1_to_2", b2, b1),
                             ("partner_effect_2_to_1", b1, b2)):
        design, y = _ap_design(own, other, lag_s)
        value = _ols(design, y)[0][2]
        shifts = shift_offsets(len(other), min_shift, n_surrogates, rng, "'min_shift_s'")
        surr = [_ols(*_ap_design(own, np.roll(other, k), lag_s))[0][2] for k in shifts]
        out.append(_result(name, value, "shift", surr, len(y), {"lag_s": lag_s},
                           two_sided=True))
    return out[0], out[1]


def _ap_design(own, other, lag_s):
    """Design (intercept, own past, partner past; standardised) and outcome."""
    y, a, b = own[1:], own[:-1], other[:-1]
    ok = np.isfinite(y) & np.isfinite(a) & np.isfinite(b)
    if ok.sum() < 10:
        raise ValueError(f"actor_partner: {int(ok.sum())} usable {lag_s:g} s step(s) where "
                         "both partners are valid; need at least 10.")
    return np.column_stack([np.ones(ok.sum()), _z(a[ok]), _z(b[ok])]), _z(y[ok])


def _bin_means(x, sr, bin_s):
    x = np.asarray(x, dtype=float)
    n = bin_s * sr
    if n < 1:
        raise ValueError(f"Invalid value for 'lag_s': {bin_s:g} s is less than one sample at "
                         f"{sr:g} Hz.")
    idx = np.floor(np.arange(len(x)) / n + 1e-9).astype(int)
    ok = np.isfinite(x)
    sums = np.bincount(idx[ok], weights=x[ok], minlength=idx[-1] + 1)
    counts = np.bincount(idx[ok], minlength=idx[-1] + 1)
    full = np.bincount(idx, minlength=idx[-1] + 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts == full, sums / counts, np.nan)[: int(math.floor(len(x) / n))]


def _ols(design, y):
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    resid = y - design @ coef
    dof = len(y) - design.shape[1]
    sigma2 = resid @ resid / dof
    se = np.sqrt(np.diag(sigma2 * np.linalg.inv(design.T @ design)))
    t = coef / se
    return coef, se, t, 2 * sstats.t.sf(np.abs(t), dof)


def _z(a):
    sd = a.std()
    return (a - a.mean()) / sd if sd > 0 else a - a.mean()


def _pearson(a, b):
    a, b = a - a.mean(), b - b.mean()
    den = math.sqrt((a @ a) * (b @ b))
    return float(a @ b / den) if den > 0 else np.nan


def _slopes(x, w, step, sr):
    """Least-squares slope (units per second) of each ``w``-sample window every ``step``."""
    x = np.asarray(x, dtype=float)
    if len(x) < w:
        return np.empty(0)
    win = np.lib.stride_tricks.sliding_window_view(x, w)[::step]
    u = (np.arange(w) - (w - 1) / 2) / sr
    return win @ u / (u @ u)


def _running_r(s1, s2, k):
    """Pearson r of ``s1`` and ``s2`` over every run of ``k`` consecutive values."""
    if len(s1) < k:
        return np.empty(0)
    a = np.lib.stride_tricks.sliding_window_view(s1, k)
    b = np.lib.stride_tricks.sliding_window_view(s2, k)
    a = a - a.mean(axis=1, keepdims=True)
    b = b - b.mean(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (a * b).sum(axis=1) / np.sqrt((a * a).sum(axis=1) * (b * b).sum(axis=1))


def _sci(r):
    r = r[np.isfinite(r)]
    pos, neg = r[r > 0].sum(), -r[r < 0].sum()
    if pos == 0 or neg == 0:
        return np.inf if pos > 0 else (-np.inf if neg > 0 else np.nan)
    return float(np.log(pos / neg))
