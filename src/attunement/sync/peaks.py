"""Peak picking in a windowed cross-correlation, after Boker et al. (2002, Psych Methods 7:338).

Each window's row (the correlation as a function of lag) is smoothed by loess, and the local
maximum nearest zero lag within a search region is that window's peak. The summaries are those
of Moulder et al. (2018, Psych Methods 23:757): mean and SD of peak r and of peak lag.

The loess is computed directly (R's ``loess(surface = "direct")``): at each lag a weighted
polynomial fit over the ``span`` fraction of nearest lags, tricube weights. Lags where the
row is missing get no weight, so a window with gaps is smoothed from what it has.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .._check import check_option, check_positive
from .lagged import WCCResult


@dataclass
class PeakResult:
    """One peak per window: ``time_s`` (window start), ``lag_s`` and ``r`` (the WCC value at
    the peak: r, or Fisher z if the WCC was transformed); NaN where no local maximum lies in
    the search region. Positive ``lag_s``: partner 2 follows partner 1."""

    time_s: np.ndarray
    lag_s: np.ndarray
    r: np.ndarray
    params: dict = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        """Tidy rows: ``time_s``, ``lag_s``, ``r``."""
        return pd.DataFrame({"time_s": self.time_s, "lag_s": self.lag_s, "r": self.r})

    def summary(self) -> dict:
        """Moulder et al. (2018): mean and SD (ddof 1) of peak r and of peak lag, the number
        of windows with a peak, and the shares of windows where each partner leads."""
        found = ~np.isnan(self.lag_s)
        r, lag = self.r[found], self.lag_s[found]
        return {
            "peak_r_mean": _mean(r),
            "peak_r_sd": float(np.std(r, ddof=1)) if len(r) > 1 else math.nan,
            "peak_lag_mean_s": _mean(lag),
            "peak_lag_sd_s": float(np.std(lag, ddof=1)) if len(lag) > 1 else math.nan,
            "n_peaks": int(found.sum()),
            "p1_leads_share": _mean(lag > 0),
            "p2_leads_share": _mean(lag < 0),
        }


def pick_peaks(
    result: WCCResult,
    span: float = 0.25,
    search_s: float | None = None,
    degree: int = 2,
) -> PeakResult:
    """The peak of every window of a windowed cross-correlation (Boker et al. 2002).

    Parameters
    ----------
    result : WCCResult
        From :func:`attunement.wcc`.
    span : float
        Fraction of the lags in each local fit; 0.25 as Boker et al. (2002).
    search_s : float, optional
        Only peaks with ``|lag| <= search_s`` count; default the whole lag range.
    degree : {1, 2}
        Degree of the local polynomials (2 is R's loess default).

    Examples
    --------
    >>> from attunement import wcc
    >>> rng = np.random.default_rng(1)
    >>> p1 = np.convolve(rng.normal(size=2100), np.ones(15) / 15, "same")
    >>> p2 = np.r_[np.zeros(8), p1[:-8]] + 0.05 * rng.normal(size=2100)  # 0.8 s later
    >>> peaks = pick_peaks(wcc(p1, p2, 10, window_s=20, max_lag_s=3, step_s=20))
    >>> float(np.median(peaks.lag_s)), peaks.summary()["n_peaks"]
    (0.8, 10)
    """
    if not isinstance(result, WCCResult):
        raise ValueError(
            f"Invalid value for 'result': expected a WCCResult from attunement.wcc, got "
            f"{type(result).__name__}."
        )
    span = check_positive(span, "span")
    check_option(degree, "degree", [1, 2])
    lags = np.asarray(result.lags_s, dtype=float)
    limit = math.inf if search_s is None else check_positive(search_s, "search_s", allow_zero=True)
    smoothed = loess_rows(result.values, lags, span, degree)
    with np.errstate(invalid="ignore"):  # steps below rounding do not make a maximum
        tol = 1e-10 * np.nanmax(np.abs(smoothed), axis=1, initial=0.0)[:, None]
        left = smoothed[:, 1:-1] - smoothed[:, :-2] > tol
        right = smoothed[:, 1:-1] - smoothed[:, 2:] >= -tol
    peak = np.zeros(smoothed.shape, dtype=bool)
    peak[:, 1:-1] = left & right
    peak &= np.abs(lags) <= limit + 1e-9
    distance = np.where(peak, np.abs(lags), math.inf)
    nearest = distance == distance.min(axis=1, keepdims=True)
    best = np.where(nearest & peak, smoothed, -math.inf).argmax(axis=1)
    rows = np.arange(len(best))
    found = peak[rows, best]
    return PeakResult(
        time_s=np.asarray(result.times_s, dtype=float).copy(),
        lag_s=np.where(found, lags[best], np.nan),
        r=np.where(found, result.values[rows, best], np.nan),
        params={"span": span, "search_s": search_s, "degree": degree},
    )


def loess_rows(values: np.ndarray, x: np.ndarray, span: float, degree: int = 2) -> np.ndarray:
    """Loess of every row of ``values`` over the common grid ``x`` (direct computation,
    tricube weights over the ``span`` fraction of nearest points; missing points get no
    weight). Complete rows share one linear operator; rows with gaps are fitted one by one
    in a vectorised batch.

    Examples
    --------
    >>> x = np.arange(9.0)
    >>> np.allclose(loess_rows(np.array([x**2]), x, 0.5), x**2)
    True
    """
    values = np.atleast_2d(np.asarray(values, dtype=float))
    weights, design = _local_fits(x, span, degree)
    out = np.empty_like(values)
    ok = ~np.isnan(values)
    complete = ok.all(axis=1)
    if complete.any():
        out[complete] = values[complete] @ _operator(weights, design).T
    gaps = np.flatnonzero(~complete)
    n_chunks = -(-len(gaps) * len(x) ** 2 // (1 << 22))
    for chunk in np.array_split(gaps, n_chunks) if len(gaps) else []:
        w = weights[None] * ok[chunk][:, None, :]  # (rows, targets, points)
        gram = np.einsum("rij,ijk,ijl->rikl", w, design, design)
        rhs = np.einsum("rij,ijk,rj->rik", w, design, np.where(ok[chunk], values[chunk], 0.0))
        with np.errstate(invalid="ignore"):
            solvable = np.linalg.matrix_rank(gram) == design.shape[-1]
            gram[~solvable] = np.eye(design.shape[-1])
            out[chunk] = np.where(solvable, np.linalg.solve(gram, rhs[..., None])[..., 0, 0],
                                  np.nan)
    return out


def _local_fits(x: np.ndarray, span: float, degree: int):
    """Tricube weights (targets, points) and centred designs (targets, points, degree + 1)."""
    n = len(x)
    q = min(n, max(degree + 2, int(math.floor(n * span + 1e-9))))  # degree + 1 weighted
    dist = np.abs(x[None, :] - x[:, None])
    reach = np.sort(dist, axis=1)[:, q - 1] * max(1.0, span)
    reach[reach == 0] = 1.0
    weights = np.clip(1 - (dist / reach[:, None]) ** 3, 0, None) ** 3
    offset = x[None, :] - x[:, None]
    design = offset[..., None] ** np.arange(degree + 1)
    return weights, design


def _operator(weights: np.ndarray, design: np.ndarray) -> np.ndarray:
    """The loess hat matrix for complete rows: smoothed = values @ operator.T."""
    gram = np.einsum("ij,ijk,ijl->ikl", weights, design, design)
    unit = np.broadcast_to(np.eye(design.shape[-1])[:, :1], gram.shape[:1] + (len(gram[0]), 1))
    first = np.linalg.solve(gram, unit)[..., 0]
    return weights * np.einsum("ijk,ik->ij", design, first)


def _mean(values) -> float:
    values = np.asarray(values, dtype=float)
    return float(values.mean()) if len(values) else math.nan
