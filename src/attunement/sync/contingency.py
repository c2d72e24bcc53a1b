"""Self- and interactive contingency (Beebe & Jaffe), against a midrange band.

On a 1 s time base (Beebe et al. 2010, Attach Hum Dev 12:3), each partner's current
value is regressed on a weighted lag of their own recent past (self-contingency) and of
the partner's recent past (interactive contingency, own past controlled). Both series
are z-scored, so the coefficients are standardised. Beebe et al. fit these as
multilevel time-series models across dyads; here one dyad is fitted by ordinary least
squares, and the cohort module can pool the coefficients.

Midrange coordination is optimal; both too tight and too loose predict insecure
attachment (Jaffe et al. 2001, Monogr Soc Res Child Dev 66:2). Jaffe et al. defined the
range against their sample, so the band is a parameter: pass the cohort's tertiles
(:func:`contingency_band`). Each coefficient is flagged ``below``, ``midrange`` or
``above`` (in summaries -1, 0, +1; NaN without a band).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from .._check import check_positive
from .._pairs import as_pair, to_samples, zscore

FLAG_CODES = {"below": -1.0, "midrange": 0.0, "above": 1.0, None: np.nan}


def contingency_band(values, quantiles: tuple[float, float] = (1 / 3, 2 / 3)):
    """The midrange band of a sample of coefficients: its tertiles by default.

    Examples
    --------
    >>> contingency_band([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7])
    (0.3, 0.5)
    """
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if v.size < 3:
        raise ValueError(
            f"Invalid value for 'values': expected at least 3 finite coefficients, got {v.size}."
        )
    low, high = np.quantile(v, quantiles)
    return float(low), float(high)


def _check_band(band, name):
    if band is None:
        return None
    try:
        low, high = (float(b) for b in band)
    except (TypeError, ValueError):
        raise ValueError(
            f"Invalid value for {name!r}: expected (low, high), got {band!r}."
        ) from None
    if not low < high:
        raise ValueError(f"Invalid value for {name!r}: expected low < high, got {band!r}.")
    return low, high


def _flag(value, band):
    if band is None:
        return None
    return "below" if value < band[0] else "above" if value > band[1] else "midrange"


@dataclass
class ContingencyResult:
    """Contingency coefficients per partner.

    ``table`` has one row per (partner, kind): ``partner`` (1 or 2), ``kind`` (``self``
    or ``interactive``), ``direction`` (``1to1``, ``2to1``: partner 2's past -> partner 1,
    ...), ``coefficient``, ``se``, ``p_value`` and ``flag``.
    """

    table: pd.DataFrame
    params: dict = field(default_factory=dict)

    def summary(self) -> dict:
        """``contingency_<kind>_<direction>`` and its ``_flag`` code (-1, 0, +1, NaN)."""
        out = {}
        for row in self.table.itertuples():
            key = f"contingency_{row.kind}_{row.direction}"
            out[key] = row.coefficient
            out[f"{key}_flag"] = FLAG_CODES[None if pd.isna(row.flag) else row.flag]
        return out

    def to_frame(self) -> pd.DataFrame:
        """The coefficient table."""
        return self.table.copy()


def _to_base(a: np.ndarray, width: int) -> np.ndarray:
    n = a.size // width
    return a[: n * width].reshape(n, width).mean(axis=1)


def contingency(
    x1,
    x2=None,
    sampling_rate: float | None = None,
    *,
    channel: str | None = None,
    base_s: float = 1.0,
    lag_weights: tuple[float, ...] = (3.0, 2.0, 1.0),
    band: tuple[float, float] | None = None,
    self_band: tuple[float, float] | None = None,
) -> ContingencyResult:
    """Beebe & Jaffe self- and interactive contingency of two partners.

    Parameters
    ----------
    base_s : float
        Time base: samples are averaged in consecutive bins of this length (published:
        1 s, Beebe et al. 2010); a last incomplete bin is left out (see ``params``).
    lag_weights : tuple of float
        Weights of the past bins 1, 2, ... in the weighted lag (choice: 3:2:1 over the
        preceding 3 s, after the weighted lags of Beebe et al. 2010).
    band, self_band : (low, high), optional
        Midrange bands for interactive and self-contingency coefficients.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> n = 600
    >>> x1, x2 = rng.normal(size=n), np.zeros(n)
    >>> for t in range(1, n):
    ...     x2[t] = 0.3 * x2[t - 1] + 0.5 * x1[t - 1] + rng.normal()
    >>> res = contingency(x1, x2, sampling_rate=1, lag_weights=(1,), band=(0.1, 0.3),
    ...                   self_band=(0.1, 0.5))
    >>> res.table[["kind", "direction", "flag"]].to_numpy().tolist()[2:]
    [['self', '2to2', 'midrange'], ['interactive', '1to2', 'above']]
    """
    a1, a2, sr = as_pair(x1, x2, sampling_rate, channel)
    check_positive(base_s, "base_s")
    width = to_samples(base_s, sr, "base_s")
    weights = np.asarray(lag_weights, dtype=float)
    if weights.ndim != 1 or weights.size == 0 or np.any(weights < 0) or weights.sum() <= 0:
        raise ValueError(
            "Invalid value for 'lag_weights': expected one or more weights >= 0 with a "
            f"positive sum, got {lag_weights!r}."
        )
    band, self_band = _check_band(band, "band"), _check_band(self_band, "self_band")
    b1, b2 = _to_base(a1, width), _to_base(a2, width)
    n_lags = weights.size
    if b1.size < n_lags + 10:
        raise ValueError(
            f"Invalid input: {b1.size} bins of {base_s} s; expected at least {n_lags + 10}."
        )
    b1, b2 = zscore(b1, "x1"), zscore(b2, "x2")
    w = weights / weights.sum()
    rows = []
    for who, own, other in ((1, b1, b2), (2, b2, b1)):
        past = np.column_stack([_weighted_past(own, w), _weighted_past(other, w)])
        coef, se, p = ols(own[n_lags:], past)
        partner = 3 - who
        rows.append({"partner": who, "kind": "self", "direction": f"{who}to{who}",
                     "coefficient": coef[0], "se": se[0], "p_value": p[0],
                     "flag": _flag(coef[0], self_band)})
        rows.append({"partner": who, "kind": "interactive", "direction": f"{partner}to{who}",
                     "coefficient": coef[1], "se": se[1], "p_value": p[1],
                     "flag": _flag(coef[1], band)})
    params = {"base_s": width / sr, "lag_weights": tuple(weights.tolist()), "band": band,
              "self_band": self_band, "n_bins": int(b1.size),
              "samples_left_out": int(a1.size - b1.size * width)}
    return ContingencyResult(pd.DataFrame(rows), params)


def _weighted_past(series: np.ndarray, w: np.ndarray) -> np.ndarray:
    """``sum_m w[m-1] * series[t - m]`` for ``t = len(w) .. len(series) - 1``."""
    n_lags = w.size
    return sum(w[m - 1] * series[n_lags - m : series.size - m] for m in range(1, n_lags + 1))


def ols(y: np.ndarray, x: np.ndarray):
    """Slopes, standard errors and two-sided p-values of ``y ~ 1 + x``."""
    design = np.column_stack([np.ones(y.size), x])
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    resid = y - design @ coef
    dof = y.size - design.shape[1]
    cov = np.linalg.inv(design.T @ design) * (resid @ resid) / dof
    se = np.sqrt(np.diag(cov))
    p = 2 * stats.t.sf(np.abs(coef / se), dof)
    return coef[1:], se[1:], p[1:]
