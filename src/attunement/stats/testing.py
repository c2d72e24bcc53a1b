"""The result of a surrogate test and the statistics it reports.

:class:`SurrogateTest` (made by :func:`attunement.stats.surrogate_test`) holds a
session-level statistic on the real pair and on surrogate pairs, and reports the surrogate
mean and SD, SUSY's effect size ``(observed - surrogate mean) / surrogate SD`` (Tschacher &
Ramseyer), a permutation p-value with the +1 correction (Phipson & Smyth 2010), and, for
the windowed cross-correlation, per-window p-values and thresholds under Benjamini-Hochberg
control of the false-discovery rate (:func:`fdr_bh`, the package's one FDR).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..nulls import ALTERNATIVES as ALTERNATIVES
from ..nulls import effect_size as effect_size
from ..nulls import fdr_bh as fdr_bh
from ..nulls import permutation_p as permutation_p

#: WCC summaries tested; the first is the headline statistic.
STATISTICS = ("grand_average", "lag_zero_mean", "p1_leads_mean", "p2_leads_mean")


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


def _fdr_cutoff(p, significant, alpha) -> float:
    """The largest significant p-value (``alpha / m`` when none is; NaN without p-values):
    the per-window thresholds' level."""
    valid = np.isfinite(p)
    if not valid.any():
        return math.nan
    return float(p[significant].max()) if significant.any() else alpha / int(valid.sum())


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
