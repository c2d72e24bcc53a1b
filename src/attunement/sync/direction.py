"""Who leads: Granger causality and transfer entropy, in both directions.

Granger causality (Granger 1969, Econometrica 37:424): partner 1 Granger-causes partner 2
when partner 1's past improves the prediction of partner 2 beyond partner 2's own past.
The lag order of the bivariate VAR is chosen by an information criterion over orders
``0 .. max_lag`` fitted on a common sample, exactly as statsmodels' ``VAR.select_order``
(Luetkepohl 2005, pp. 146-150); each direction is then tested with the single-equation
F test of statsmodels' ``grangercausalitytests`` (``ssr_ftest``). The magnitude is
Geweke's (1982, JASA 77:304) ``ln(RSS_restricted / RSS_full)``.

Transfer entropy (Schreiber 2000, Phys Rev Lett 85:461) is the information partner 1's
past adds about partner 2's next value beyond partner 2's own past. ``'gaussian'`` is
its linear-Gaussian estimate, half the Granger magnitude (Barnett, Barrett & Seth 2009,
Phys Rev Lett 103:238701); ``'binned'`` is the plug-in estimate on quantile bins.

Parametric p-values assume stationary Gaussian residuals; test the magnitudes against
surrogates (``attunement.stats``) as well.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from .._check import check_option
from .._pairs import as_pair, check_int, to_samples

#: Information criteria: penalty per free parameter, given the number of observations.
CRITERIA: dict[str, Callable[[int], float]] = {
    "aic": lambda nobs: 2.0 / nobs,
    "bic": lambda nobs: np.log(nobs) / nobs,
    "hqic": lambda nobs: 2.0 * np.log(np.log(nobs)) / nobs,
}


def _lags(y: np.ndarray, p: int, first: int) -> np.ndarray:
    """Design ``[1, y[t-1], ..., y[t-p]]`` (each lag all columns) for ``t >= first``."""
    cols = [np.ones(y.shape[0] - first)]
    for lag in range(1, p + 1):
        cols.extend(y[first - lag : y.shape[0] - lag, c] for c in range(y.shape[1]))
    return np.column_stack(cols)


def select_var_order(y: np.ndarray, max_lag: int, criterion: str = "aic") -> tuple[int, dict]:
    """VAR order minimising ``criterion``; all orders fitted on ``y[max_lag:]``.

    One QR of the full design gives every nested order's residual cross-products.
    """
    nobs, k = y.shape[0] - max_lag, y.shape[1]
    q, _ = np.linalg.qr(_lags(y, max_lag, max_lag))
    target = y[max_lag:]
    proj = q.T @ target
    total = target.T @ target
    values = {}
    for p in range(max_lag + 1):
        part = proj[: 1 + k * p]
        sigma = (total - part.T @ part) / nobs
        free = p * k * k + k
        values[p] = np.linalg.slogdet(sigma)[1] + CRITERIA[criterion](nobs) * free
    return min(values, key=values.get), values


def _rss(design: np.ndarray, target: np.ndarray) -> float:
    coef, *_ = np.linalg.lstsq(design, target, rcond=None)
    resid = target - design @ coef
    return float(resid @ resid)


def granger_test(caused: np.ndarray, causing: np.ndarray, p: int) -> dict:
    """F test that ``causing``'s ``p`` lags add nothing to ``caused``'s own ``p`` lags."""
    y = np.column_stack([caused, causing])
    full = _lags(y, p, p)
    own = full[:, [0, *range(1, 1 + 2 * p, 2)]]
    target = caused[p:]
    rss_full, rss_own = _rss(full, target), _rss(own, target)
    df_resid = target.size - 2 * p - 1
    f = (rss_own - rss_full) / p / (rss_full / df_resid)
    return {"f": f, "p_value": float(stats.f.sf(f, p, df_resid)),
            "gc": float(np.log(rss_own / rss_full)), "df_num": p, "df_den": df_resid}


@dataclass
class GrangerResult:
    """Granger causality in both directions at the selected lag order.

    ``tests`` has one row per direction (``1to2``: partner 1's past predicts partner 2):
    ``f``, ``p_value``, ``gc`` (Geweke's magnitude), ``df_num``, ``df_den``.
    """

    lag_order: int
    lag_s: float
    tests: pd.DataFrame
    criterion_values: dict = field(repr=False)
    params: dict = field(default_factory=dict)

    def summary(self) -> dict:
        """F, p and magnitude per direction, the net magnitude and the lag (prefix granger_)."""
        out = {"granger_lag_s": self.lag_s}
        for row in self.tests.itertuples():
            out[f"granger_f_{row.direction}"] = row.f
            out[f"granger_p_value_{row.direction}"] = row.p_value
            out[f"granger_gc_{row.direction}"] = row.gc
        out["granger_gc_net"] = out["granger_gc_1to2"] - out["granger_gc_2to1"]
        return out

    def to_frame(self) -> pd.DataFrame:
        """One row per direction."""
        return self.tests.copy()


def granger(
    x1,
    x2=None,
    sampling_rate: float | None = None,
    *,
    channel: str | None = None,
    max_lag_s: float = 2.0,
    criterion: str = "aic",
    lag_s: float | None = None,
) -> GrangerResult:
    """Granger causality between two partners, both directions.

    Parameters
    ----------
    max_lag_s : float
        Longest lag considered by the order selection (choice: 2 s).
    criterion : {'aic', 'bic', 'hqic'}
        Information criterion for the VAR order (choice: AIC, Luetkepohl 2005).
    lag_s : float, optional
        Fix the order instead of selecting it.

    Notes
    -----
    An order of 0 (no lag helps) is tested at one lag, since a test needs one.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x1 = rng.normal(size=2000)
    >>> x2 = np.r_[0, 0.8 * x1[:-1]] + rng.normal(size=2000)
    >>> res = granger(x1, x2, sampling_rate=1, max_lag_s=5)
    >>> res.summary()["granger_p_value_1to2"] < 1e-6, res.summary()["granger_gc_net"] > 0
    (True, True)
    """
    a1, a2, sr = as_pair(x1, x2, sampling_rate, channel, min_samples=10)
    check_option(criterion, "criterion", CRITERIA)
    y = np.column_stack([a1, a2])
    values: dict = {}
    if lag_s is None:
        max_lag = to_samples(max_lag_s, sr, "max_lag_s")
        if y.shape[0] - max_lag < 5 * (2 * max_lag + 1):
            raise ValueError(
                f"Invalid value for 'max_lag_s': {max_lag} lags need at least "
                f"{5 * (2 * max_lag + 1) + max_lag} samples, the series has {y.shape[0]}."
            )
        order, values = select_var_order(y, max_lag, criterion)
        order = max(order, 1)
    else:
        order = to_samples(lag_s, sr, "lag_s")
    rows = [{"direction": "1to2", **granger_test(a2, a1, order)},
            {"direction": "2to1", **granger_test(a1, a2, order)}]
    return GrangerResult(order, order / sr, pd.DataFrame(rows), values,
                         {"max_lag_s": max_lag_s, "criterion": criterion, "lag_s": lag_s})


def _codes(x: np.ndarray, bins: int) -> np.ndarray:
    """Quantile-bin codes ``0 .. bins - 1``."""
    edges = np.quantile(x, np.linspace(0, 1, bins + 1)[1:-1])
    return np.searchsorted(edges, x, side="right")


def _entropy(bins: int, *codes: np.ndarray) -> float:
    """Plug-in Shannon entropy (nats) of the joint codes (each ``0 .. bins - 1``)."""
    n = codes[0].size
    if bins ** len(codes) <= 4 * n + 1024:  # few joint states: count them directly
        joint = np.zeros(n, dtype=np.int64)
        for c in codes:
            joint = joint * bins + c
        counts = np.bincount(joint)
    else:
        counts = np.unique(np.column_stack(codes), axis=0, return_counts=True)[1]
    p = counts[counts > 0] / n
    return float(-(p * np.log(p)).sum())


def _te_binned(source, target, history, bins):
    s, t = _codes(source, bins), _codes(target, bins)
    n = t.size
    future = t[history:]
    own = [t[history - h : n - h] for h in range(1, history + 1)]
    other = [s[history - h : n - h] for h in range(1, history + 1)]
    return (_entropy(bins, future, *own) - _entropy(bins, *own)
            - _entropy(bins, future, *own, *other) + _entropy(bins, *own, *other))


def _te_gaussian(source, target, history, bins):
    return granger_test(target, source, history)["gc"] / 2


#: Transfer-entropy estimators: ``f(source, target, history, bins) -> nats``.
TE_METHODS = {"binned": _te_binned, "gaussian": _te_gaussian}


@dataclass
class TransferEntropyResult:
    """Transfer entropy (nats) in both directions; ``te_1to2``: partner 1 -> partner 2."""

    te_1to2: float
    te_2to1: float
    params: dict = field(default_factory=dict)

    def summary(self) -> dict:
        """``transfer_entropy_{1to2,2to1,net}_nats``."""
        return {"transfer_entropy_1to2_nats": self.te_1to2,
                "transfer_entropy_2to1_nats": self.te_2to1,
                "transfer_entropy_net_nats": self.te_1to2 - self.te_2to1}

    def to_frame(self) -> pd.DataFrame:
        """One row per direction: ``direction``, ``transfer_entropy_nats``."""
        return pd.DataFrame({"direction": ["1to2", "2to1"],
                             "transfer_entropy_nats": [self.te_1to2, self.te_2to1]})


def transfer_entropy(
    x1,
    x2=None,
    sampling_rate: float | None = None,
    *,
    channel: str | None = None,
    method: str = "binned",
    history_s: float | None = None,
    bins: int = 3,
) -> TransferEntropyResult:
    """Transfer entropy between two partners, both directions.

    Parameters
    ----------
    method : {'binned', 'gaussian'}
        Plug-in estimate on quantile bins, or the linear-Gaussian estimate.
    history_s : float, optional
        Length of the past used for both partners; None means one sample (choice).
    bins : int
        Quantile bins per signal for ``'binned'`` (choice: 3, terciles). The plug-in
        estimate is biased upwards for short series; compare against surrogates.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x1 = rng.normal(size=5000)
    >>> x2 = np.r_[0, x1[:-1]] + 0.5 * rng.normal(size=5000)
    >>> res = transfer_entropy(x1, x2, sampling_rate=1)
    >>> res.te_1to2 > 0.2 > 0.01 > res.te_2to1
    True
    """
    a1, a2, sr = as_pair(x1, x2, sampling_rate, channel, min_samples=10)
    check_option(method, "method", TE_METHODS)
    bins = check_int(bins, "bins", 2)
    history = 1 if history_s is None else to_samples(history_s, sr, "history_s")
    if history >= a1.size // 4:
        raise ValueError(
            f"Invalid value for 'history_s': {history} samples of history need a series of "
            f"more than {4 * history} samples, got {a1.size}."
        )
    te = TE_METHODS[method]
    return TransferEntropyResult(te(a1, a2, history, bins), te(a2, a1, history, bins),
                                 {"method": method, "history_s": history / sr, "bins": bins})
