"""The growth model's result: fixed effects as a tidy table, variance components, notes."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats


@dataclass
class MixedModelResult:
    """A fitted (or not fitted) growth model: the fixed effects as a tidy table and notes.

    ``table`` has one row per fixed effect: ``term, estimate, std_error, t, df, p_value,
    ci_low, ci_high`` (t tests and 95 % intervals with Satterthwaite's degrees of
    freedom ``df``; see :func:`growth_model`). It is empty when the model was not
    fitted; ``notes`` then say why.

    ``var_dyad`` is the variance of the dyads' random intercepts (with a random slope:
    at time 0, where the intercept is), ``var_slope`` that of their random slopes of
    time and ``corr_intercept_slope`` the correlation of the two (both NaN without a
    random slope), ``var_residual`` the within-dyad residual variance.
    """

    measure: str
    formula: str
    table: pd.DataFrame
    n_dyads: int = 0
    n_sessions: int = 0
    var_dyad: float = np.nan
    var_residual: float = np.nan
    notes: list[str] = field(default_factory=list)
    #: Terms whose effect changes with time (``time:term`` columns in the table).
    interactions: list[str] = field(default_factory=list)
    #: Whether the fitted model has a random slope of time per dyad.
    random_slope: bool = False
    var_slope: float = np.nan
    corr_intercept_slope: float = np.nan

    COLUMNS = ("term", "estimate", "std_error", "t", "df", "p_value", "ci_low", "ci_high")

    @property
    def fitted(self) -> bool:
        return not self.table.empty

    @property
    def icc(self) -> float:
        """Share of the variance that lies between dyads (with a random slope: at time 0)."""
        total = self.var_dyad + self.var_residual
        return float(self.var_dyad / total) if total > 0 else np.nan

    def tidy(self) -> pd.DataFrame:
        """The table with the model's description on every row (for the store)."""
        out = self.table.copy()
        out.insert(0, "measure", self.measure)
        out["n_dyads"] = self.n_dyads
        out["n_sessions"] = self.n_sessions
        out["var_dyad"] = self.var_dyad
        out["var_slope"] = self.var_slope
        out["corr_intercept_slope"] = self.corr_intercept_slope
        out["var_residual"] = self.var_residual
        out["formula"] = self.formula
        out["notes"] = " ".join(self.notes)
        return out

    @classmethod
    def not_fitted(cls, measure: str, formula: str, notes: list[str], **counts) -> MixedModelResult:
        return cls(measure, formula, pd.DataFrame(columns=list(cls.COLUMNS)), notes=notes, **counts)


def wald_table(names, estimate, std_error, df) -> pd.DataFrame:
    """t tests and 95 % intervals with ``df`` degrees of freedom (``inf``: the normal)."""
    t = estimate / std_error
    half = stats.t.ppf(0.975, df) * std_error
    return pd.DataFrame(
        {
            "term": list(names),
            "estimate": estimate,
            "std_error": std_error,
            "t": t,
            "df": np.broadcast_to(np.asarray(df, float), np.shape(t)).copy(),
            "p_value": 2 * stats.t.sf(np.abs(t), df),
            "ci_low": estimate - half,
            "ci_high": estimate + half,
        }
    )
