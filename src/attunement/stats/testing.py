"""Surrogate tests: is the observed synchrony more than uncoupled partners give?

:func:`surrogate_test` computes a session-level measure on the real pair and on surrogate
pairs (:mod:`~attunement.stats.surrogates`), and reports the surrogate mean and SD, SUSY's
effect size ``(observed - surrogate mean) / surrogate SD`` (Tschacher & Ramseyer), a
permutation p-value with the +1 correction (Phipson & Smyth 2010), and, for the windowed
cross-correlation, per-window p-values and thresholds under Benjamini-Hochberg control of
the false-discovery rate. Surrogates go through the vectorised measure in batches; circular
shifts of series without missing values through the shift kernel, all shifts together
(:mod:`attunement.lagcorr.shifts`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .._check import check_option, check_random_state
from ..lagcorr._wcc_core import lagged_r, make_layout
from ..lagcorr.lagged import _inputs, transform, wcc
from ..lagcorr.shifts import shifts_supported, wcc_shift_statistics
from .surrogates import NULLS, default_segment_s, make_surrogates, min_shift, shift_offsets
from .surrogates import _count as check_count

#: WCC summaries tested; the first is the headline statistic.
STATISTICS = ("grand_average", "lag_zero_mean", "p1_leads_mean", "p2_leads_mean")
ALTERNATIVES = ("greater", "less", "two-sided")
#: Cells per batch of surrogates (1 MB of float64): batching saves per-call overhead on short
#: series; a batch larger than the cache costs more than it saves (benchmarks/).
BATCH_ELEMENTS = 1 << 17


@dataclass
class SurrogateTest:
    """An observed statistic against its surrogate distribution (``null``).

    ``others`` holds the other summaries as ``name -> (observed, null)``; ``window_*`` the
    per-window statistic (WCC mean over lags) of the real pair and of each surrogate.
    """

    statistic: str
    observed: float
    null: np.ndarray
    null_name: str
    alternative: str = "greater"
    others: dict = field(default_factory=dict)
    window_times_s: np.ndarray | None = None
    window_observed: np.ndarray | None = None
    window_null: np.ndarray | None = None
    params: dict = field(default_factory=dict)

    @property
    def surrogate_mean(self) -> float:
        return _finite_mean(self.null)

    @property
    def surrogate_sd(self) -> float:
        values = self.null[np.isfinite(self.null)]
        return float(values.std(ddof=1)) if len(values) > 1 else math.nan

    @property
    def effect_size(self) -> float:
        """SUSY's effect size: (observed - surrogate mean) / surrogate SD."""
        return effect_size(self.observed, self.null)

    @property
    def p_value(self) -> float:
        return permutation_p(self.observed, self.null, self.alternative)

    def summary(self) -> dict:
        """The headline columns, the other statistics' with their name as prefix, the null
        and its parameters."""
        row = {"surrogate_mean": self.surrogate_mean, "surrogate_sd": self.surrogate_sd,
               "effect_size": self.effect_size, "p_value": self.p_value}
        for name, (obs, null) in self.others.items():
            values = null[np.isfinite(null)]
            row.update({
                f"{name}_surrogate_mean": _finite_mean(null),
                f"{name}_surrogate_sd": float(values.std(ddof=1)) if len(values) > 1
                else math.nan,
                f"{name}_effect_size": effect_size(obs, null),
                f"{name}_p_value": permutation_p(obs, null, self.alternative),
            })
        row.update(null=self.null_name, n_surrogates=len(self.null),
                   alternative=self.alternative, **self.params)
        return row

    def to_frame(self) -> pd.DataFrame:
        """Tidy surrogate distributions: ``surrogate``, ``statistic``, ``value``."""
        tables = {self.statistic: self.null, **{k: v[1] for k, v in self.others.items()}}
        return pd.concat([pd.DataFrame({"surrogate": np.arange(len(v)), "statistic": k,
                                        "value": v}) for k, v in tables.items()],
                         ignore_index=True)

    def window_frame(self, alpha: float = 0.05) -> pd.DataFrame:
        """Per window: observed, surrogate mean, p-value, the threshold above which a window
        is significant with the false-discovery rate held at ``alpha`` (Benjamini-Hochberg
        over windows), and whether it is."""
        if self.window_null is None:
            raise ValueError("No per-window surrogates: pseudo-dyads of unequal length, or a "
                             "custom measure.")
        p = np.array([permutation_p(o, n, self.alternative)
                      for o, n in zip(self.window_observed, self.window_null.T)])
        significant, _ = fdr_bh(p, alpha)
        cutoff = _fdr_cutoff(p, significant, alpha)
        return pd.DataFrame({
            "window_start_s": self.window_times_s,
            "observed": self.window_observed,
            "surrogate_mean": np.nanmean(self.window_null, axis=0),
            "threshold": _thresholds(self.window_null, cutoff, self.alternative),
            "p_value": p,
            "significant": significant,
        })


def permutation_p(observed: float, null, alternative: str = "greater") -> float:
    """Monte Carlo p-value with the +1 correction: (1 + #as extreme) / (1 + #surrogates),
    NaN surrogates left out. Two-sided compares distances from the surrogate mean.

    Examples
    --------
    >>> permutation_p(3.0, [1.0, 2.0, 3.5, 0.5])
    0.4
    """
    check_option(alternative, "alternative", ALTERNATIVES)
    null = np.asarray(null, dtype=float)
    null = null[np.isfinite(null)]
    if not np.isfinite(observed) or not len(null):
        return math.nan
    if alternative == "greater":
        extreme = null >= observed
    elif alternative == "less":
        extreme = null <= observed
    else:
        centre = null.mean()
        extreme = np.abs(null - centre) >= abs(observed - centre)
    return float((1 + extreme.sum()) / (1 + len(null)))


def effect_size(observed: float, null) -> float:
    """(observed - mean) / SD (ddof 1) of the finite surrogate values.

    Examples
    --------
    >>> effect_size(3.0, [1.0, 2.0, 3.0])
    1.0
    """
    null = np.asarray(null, dtype=float)
    null = null[np.isfinite(null)]
    if len(null) < 2 or not null.std() > 0:
        return math.nan
    return float((observed - null.mean()) / null.std(ddof=1))


def fdr_bh(p_values, alpha: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """Benjamini-Hochberg (1995) control of the false-discovery rate at ``alpha``: which
    p-values are significant, and the adjusted p-values, as statsmodels'
    ``multipletests(p, alpha, 'fdr_bh')`` gives them. Over the last axis of an array (each
    row one family); NaN p-values are left out of the count and stay NaN (never significant).

    Examples
    --------
    >>> significant, adjusted = fdr_bh([0.01, 0.03, 0.02, 0.5], alpha=0.05)
    >>> significant.tolist(), adjusted.round(3).tolist()
    ([True, True, True, False], [0.04, 0.04, 0.04, 0.5])
    """
    p = np.atleast_1d(np.asarray(p_values, dtype=float))
    adjusted = np.full(p.shape, np.nan)
    width = max(1, p.shape[-1])
    for row, dest in zip(p.reshape(-1, width), adjusted.reshape(-1, width), strict=True):
        ok = np.flatnonzero(np.isfinite(row))
        if not ok.size:
            continue
        order = ok[np.argsort(row[ok], kind="stable")]
        scaled = row[order] * ok.size / np.arange(1, ok.size + 1)
        dest[order] = np.minimum(1.0, np.minimum.accumulate(scaled[::-1])[::-1])
    with np.errstate(invalid="ignore"):
        return adjusted <= alpha, adjusted


def _fdr_cutoff(p, significant, alpha) -> float:
    """The largest significant p-value (``alpha / m`` when none is; NaN without p-values):
    the per-window thresholds' level."""
    valid = np.isfinite(p)
    if not valid.any():
        return math.nan
    return float(p[significant].max()) if significant.any() else alpha / int(valid.sum())


def surrogate_test(
    x,
    y=None,
    sampling_rate: float | None = None,
    *,
    channel: str | None = None,
    null: str = "shift",
    n_surrogates: int = 500,
    seed=None,
    measure=None,
    pool=None,
    segment_s: float | None = None,
    alternative: str = "greater",
    window_s: float = 60.0,
    max_lag_s: float = 5.0,
    step_s: float = 30.0,
    fisher_z: bool = False,
    absolute: bool = False,
) -> SurrogateTest:
    """Test a session-level synchrony measure against surrogate pairs.

    Parameters
    ----------
    x, y, sampling_rate, channel
        The pair, as for :func:`attunement.wcc` (a Session in place of ``x``).
    null : {'shift', 'segments', 'iaaft', 'shuffle', 'pseudo-dyads'}
        The null hypothesis (:data:`attunement.stats.surrogates.NULLS`). Circular shift is
        the default: it stayed calibrated where segment shuffles with short segments and
        data shuffles were not (SCIENCE.md; tests/test_stats.py).
    n_surrogates : int
        500 as SUSY. For pseudo-dyads at most the number of re-pairings ``pool`` allows.
    seed : int or Generator
        The same seed gives the same surrogates and numbers.
    measure : callable, optional
        ``measure(x, y, sampling_rate) -> float or dict`` for a measure other than the
        windowed cross-correlation (then called once per surrogate); the first key of a dict
        is the headline statistic. Default: the WCC summaries :data:`STATISTICS`, batched.
    pool : sequence of (x, y) pairs or Sessions, for ``null='pseudo-dyads'``
        Other sessions: this partner 1 with their partner 2, and their partner 1 with this
        partner 2 (roles kept), each pair cut to the shorter length.
    segment_s : float, optional
        Segment length for ``'segments'`` (default :func:`~.surrogates.default_segment_s`).
    alternative : {'greater', 'less', 'two-sided'}
    window_s, max_lag_s, step_s, fisher_z, absolute
        The WCC's parameters (see :func:`attunement.wcc`).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> p1 = np.convolve(rng.normal(size=1500), np.ones(5) / 5, "same")
    >>> p2 = np.roll(p1, 5) + rng.normal(scale=0.3, size=1500)
    >>> test = surrogate_test(p1, p2, 5, n_surrogates=99, seed=1, window_s=30,
    ...                       max_lag_s=2, step_s=10, fisher_z=True, absolute=True)
    >>> test.p_value, test.effect_size > 5
    (0.01, True)
    """
    a, b, rate, _ = _inputs(x, y, sampling_rate, channel)
    check_option(null, "null", NULLS)
    check_option(alternative, "alternative", ALTERNATIVES)
    n_surrogates = check_count(n_surrogates)
    rng = check_random_state(seed)
    params = dict(window_s=float(window_s), max_lag_s=float(max_lag_s), step_s=float(step_s),
                  fisher_z=bool(fisher_z), absolute=bool(absolute))
    if null == "segments" and segment_s is None:
        segment_s = default_segment_s(len(a) / rate, window_s, max_lag_s)
    shifted = null == "shift" and measure is None and shifts_supported(a, b)
    if null == "pseudo-dyads":
        pairs = pseudo_pairs(a, b, pool, n_surrogates, rng)
    elif shifted:  # the same shifts as make_surrogates draws, all computed together
        shifts = shift_offsets(len(b), min_shift(max_lag_s, rate), n_surrogates, rng)
        pairs = []
    else:
        pairs = [make_surrogates(a, b, null, n_surrogates, rate, max_lag_s=max_lag_s,
                                 window_s=window_s, segment_s=segment_s, seed=rng)]
    if measure is not None:
        return _custom_test(a, b, rate, pairs, measure, null, alternative)
    observed = wcc(a, b, rate, **params)
    obs_stats = observed.summary()
    if shifted:
        got = wcc_shift_statistics(a, b, rate, shifts, **params)
        stats, windows = {k: got[k] for k in STATISTICS}, got["all_lags"]
    else:
        stats, windows = _batched_wcc(pairs, rate, params)
    same_length = all(xs.shape[1] == len(a) for xs, _ in pairs)
    return SurrogateTest(
        statistic=STATISTICS[0], observed=obs_stats[STATISTICS[0]], null=stats[STATISTICS[0]],
        null_name=null, alternative=alternative,
        others={k: (obs_stats[k], stats[k]) for k in STATISTICS[1:]},
        window_times_s=observed.times_s if same_length else None,
        window_observed=observed.all_lags if same_length else None,
        window_null=windows if same_length else None,
        params={**params, "sampling_rate": rate, "segment_s": segment_s,
                "seed": int(seed) if isinstance(seed, (int, np.integer)) else None},
    )


def wcc_statistics(values: np.ndarray, lags_s: np.ndarray) -> dict:
    """The WCC summaries :data:`STATISTICS` of a batch (S, n_windows, n_lags), and the mean
    over lags of each window (``all_lags``); lags run from -L to L."""
    zero = len(lags_s) // 2
    ok = ~np.isnan(values)
    filled = np.where(ok, values, 0.0)
    parts = [(filled[..., sl].sum(-1), ok[..., sl].sum(-1))
             for sl in (slice(0, zero), slice(zero, zero + 1), slice(zero + 1, None))]
    (neg, n_neg), (mid, n_mid), (pos, n_pos) = parts
    with np.errstate(invalid="ignore", divide="ignore"):
        all_lags = (neg + mid + pos) / (n_neg + n_mid + n_pos)
        return {
            "grand_average": (neg + mid + pos).sum(1) / (n_neg + n_mid + n_pos).sum(1),
            "lag_zero_mean": mid.sum(1) / n_mid.sum(1),
            "p1_leads_mean": _row_mean(pos / n_pos),
            "p2_leads_mean": _row_mean(neg / n_neg),
            "all_lags": all_lags,
        }


def _row_mean(per_window: np.ndarray) -> np.ndarray:
    """Mean over windows of a per-window series, missing windows left out (rMEA)."""
    ok = ~np.isnan(per_window)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(ok, per_window, 0.0).sum(1) / ok.sum(1)


def _batched_wcc(pairs, rate, params):
    """WCC summaries of every surrogate pair, batch by batch; per-window means when all
    pairs have one length."""
    stats = {k: [] for k in STATISTICS}
    windows = []
    for xs, ys in pairs:
        lay = make_layout(xs.shape[1], rate, params["window_s"], params["max_lag_s"],
                          params["step_s"])
        lags = np.arange(-lay.lag, lay.lag + 1) / rate
        batch = max(1, BATCH_ELEMENTS // (lay.n_windows * lay.n_lags + xs.shape[1]))
        for b0 in range(0, len(xs), batch):
            r = lagged_r(xs[b0 : b0 + batch], ys[b0 : b0 + batch], lay)
            got = wcc_statistics(transform(r, params["fisher_z"], params["absolute"]), lags)
            for k in STATISTICS:
                stats[k].append(got[k])
            windows.append(got["all_lags"])
    same = len({w.shape[1] for w in windows}) == 1
    return ({k: np.concatenate(v) for k, v in stats.items()},
            np.concatenate(windows) if same else None)


def pseudo_pairs(x, y, pool, n_surrogates: int, rng):
    """This session's partners re-paired with the other sessions' (roles kept), cut to the
    shorter length: a list of (x_batch, y_batch) arrays, one per length."""
    if not pool:
        raise ValueError(
            "Invalid value for 'pool': null='pseudo-dyads' needs other sessions (a list of "
            "(x, y) pairs or Sessions), got none."
        )
    others = [p.pair() if hasattr(p, "pair") else tuple(np.asarray(a, float) for a in p)
              for p in pool]
    candidates = [(x, oy) for _, oy in others] + [(ox, y) for ox, _ in others]
    chosen = rng.permutation(len(candidates))[:n_surrogates]
    by_length: dict[int, list] = {}
    for i in sorted(chosen):
        a, b = candidates[i]
        n = min(len(a), len(b))
        by_length.setdefault(n, []).append((a[:n], b[:n]))
    return [(np.stack([a for a, _ in v]), np.stack([b for _, b in v]))
            for _, v in sorted(by_length.items())]


def _custom_test(a, b, rate, pairs, measure, null, alternative):
    def as_dict(value):
        return dict(value) if isinstance(value, dict) else {"statistic": float(value)}

    observed = as_dict(measure(a, b, rate))
    rows = [as_dict(measure(xs[i], ys[i], rate)) for xs, ys in pairs for i in range(len(xs))]
    names = list(observed)
    nulls = {k: np.array([r.get(k, np.nan) for r in rows], dtype=float) for k in names}
    return SurrogateTest(
        statistic=names[0], observed=float(observed[names[0]]), null=nulls[names[0]],
        null_name=null, alternative=alternative,
        others={k: (float(observed[k]), nulls[k]) for k in names[1:]},
        params={"sampling_rate": rate},
    )


def _thresholds(window_null, cutoff, alternative):
    """Per window, the value beyond which the permutation p-value is at most ``cutoff``."""
    null = np.sort(np.where(np.isnan(window_null), -np.inf, window_null), axis=0)[::-1]
    n = len(null)
    k = int(math.floor(cutoff * (1 + n) - 1 + 1e-9)) if np.isfinite(cutoff) else -1
    if k < 0 or alternative != "greater":
        return np.full(null.shape[1], np.nan)
    return null[min(k, n - 1)]


def _finite_mean(values) -> float:
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    return float(values.mean()) if len(values) else math.nan
