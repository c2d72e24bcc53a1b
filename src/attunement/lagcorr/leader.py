"""Who leads in a window with a clear peak: the peak's side leads only where the peak lag is
resolvably different from zero, judged against the window's own noise: the peak above lag
zero, or the slope of the smoothed row at lag zero towards the peak.

The noise of the smoothed cross-correlation's differences, ``smoothed[hi] - smoothed[lo]``,
is measured on circular-shift surrogates of the same window (:func:`attunement.pick_peaks`):
the sampling noise with each partner's autocorrelation kept but no coupling. Coupling shrinks
that noise (a correlation near 1 varies little), so :func:`coupled_spread` carries it to the
window's observed correlations with the large-sample covariance of two correlations that
share a variable (Pearson & Filon 1898; Olkin & Finn 1990; Steiger 1980, Psych Bull 87:245):
both lags correlate partner 1 with partner 2 at two shifts, whose correlation is partner 2's
autocorrelation at the lags' distance. :func:`leader_p_values` then tests the peak lag
against zero.
"""

from __future__ import annotations

import numpy as np


def coupled_spread(spread, values, best, partner_2, params, zero) -> np.ndarray:
    """The surrogate SD of ``smoothed[best] - smoothed[zero]`` (windows,) times the
    ratio of the difference's large-sample SD at the window's correlations ``a`` (at the
    peak) and ``b`` (at lag index ``zero``) to its SD at no coupling:
    ``sqrt(((1-a^2)^2 + (1-b^2)^2 - 2 psi) / (2 (1 - c)))`` with
    ``psi = c (1 - a^2 - b^2) - a b (1 - a^2 - b^2 - c^2) / 2`` and ``c`` partner 2's
    autocorrelation at the lags' distance (Olkin & Finn 1990). At ``a = b = 0`` the ratio
    is 1; NaN where the peak is at ``zero``.

    Examples
    --------
    >>> y = np.random.default_rng(0).normal(size=4000)  # c near 0 away from the peak
    >>> best = np.array([0, 2])  # peaks one lag either side of zero (index 1)
    >>> ratio = coupled_spread(np.ones(2), np.zeros((2, 3)), best, y, {}, 1)
    >>> np.round(ratio, 6).tolist()  # no coupling: the surrogate SD unchanged
    [1.0, 1.0]
    >>> strong = coupled_spread(np.ones(2), np.array([[0.9, 0.0, 0.0], [0.0, 0.0, 0.9]]),
    ...                         best, y, {}, 1)
    >>> np.round(strong, 2).tolist()  # sqrt((0.19^2 + 1) / 2)
    [0.72, 0.72]
    """
    values = np.asarray(values, dtype=float)
    if params.get("fisher_z"):
        values = np.tanh(values)
    values = np.clip(values, -0.999, 0.999)
    acf = _autocorrelation(np.asarray(partner_2, dtype=float), values.shape[1])
    rows = np.arange(len(values))
    a = values[rows, best]
    b = values[rows, zero]
    c = acf[np.abs(best - zero)]
    psi = c * (1 - a**2 - b**2) - a * b * (1 - a**2 - b**2 - c**2) / 2
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio2 = ((1 - a**2) ** 2 + (1 - b**2) ** 2 - 2 * psi) / (2 * (1 - c))
        ratio = np.sqrt(np.where(ratio2 > 0, ratio2, np.nan))
        return spread * np.where(np.isnan(b), 1.0, ratio)


def _autocorrelation(series: np.ndarray, n_lags: int) -> np.ndarray:
    """Autocorrelation at 0 .. n_lags - 1 samples (missing samples as the mean; NaN when
    every sample is missing)."""
    if not np.isfinite(series).any():
        return np.full(n_lags, np.nan)
    z = np.nan_to_num(series - np.nanmean(series))
    n = len(z)
    spec = np.fft.rfft(z, 2 * n)
    acov = np.fft.irfft(spec * np.conj(spec), 2 * n)[:n_lags]
    out = np.full(n_lags, np.nan)
    k = min(n_lags, n)
    out[:k] = acov[:k] / acov[0] if acov[0] > 0 else np.nan
    return out


def slope_lags(lags, n_windows: int) -> tuple[np.ndarray, np.ndarray]:
    """Per window, the lag indices either side of lag zero, ``(zero + 1, zero - 1)``, whose
    smoothed difference is the slope of the smoothed row at lag zero (times twice the lag
    step); both ``zero`` where lag zero is at the edge of the lag range (no slope).

    Examples
    --------
    >>> [a.tolist() for a in slope_lags(np.array([-1.0, 0.0, 1.0]), 2)]
    [[2, 2], [0, 0]]
    """
    zero = int(np.argmin(np.abs(lags)))
    hi, lo = (zero + 1, zero - 1) if 0 < zero < len(lags) - 1 else (zero, zero)
    return np.full(n_windows, hi), np.full(n_windows, lo)


def leader_p_values(smoothed, lags, best, height_spread, slope_spread) -> np.ndarray:
    """Per window, the p-value of "the peak's side leads" (peak at ``lags[best]``): the
    smaller of two tests of the peak lag against zero, Bonferroni-adjusted (twice the
    smaller p, at most 1), so the window names a leader where either rejects at half
    ``alpha``:

    - height: the one-sided z test of the smoothed peak above the smoothed value at lag zero,
      over ``height_spread``, that difference's SD in the window's noise. Strong where the
      peak is far from zero; weak at leads short against the peak's width, where the
      height above lag zero carries half the z of the peak's location.
    - slope: the slope of the smoothed row at lag zero, ``smoothed[zero + 1] -
      smoothed[zero - 1]`` over its SD ``slope_spread``, pointing towards the peak; two-sided
      (twice the one-sided p), as the peak's side is chosen by the same data: without a lead
      the peak lies on the side the slope points to. Under simultaneous coupling or none
      the slope at zero has mean 0 (the cross-correlation is then symmetric about lag
      zero); for a lead ``L`` it has the sign of ``L`` and, at short leads, about the
      z of the peak's location. Blind to peaks far from zero.

    A leader is thus named only where the peak lag is resolvably different from zero; a peak
    that the window cannot tell from zero names none. 1 where the peak lag is 0; NaN where
    neither test can be computed.

    Examples
    --------
    >>> lags = np.array([-2.0, -1.0, 0.0, 1.0, 2.0])
    >>> row = np.array([[0.0, 0.1, 0.3, 0.6, 0.2]])
    >>> one = np.array([0.1])
    >>> p = leader_p_values(row, lags, np.array([3]), one, 10 * one)  # height z = 3
    >>> round(float(p[0]), 4)  # 2 x 0.00135
    0.0027
    >>> p = leader_p_values(row, lags, np.array([3]), 10 * one, one)  # slope 0.5: z = 5
    >>> round(float(p[0]), 6)  # 2 x 2 x 2.9e-7
    1e-06
    >>> round(float(leader_p_values(row, lags, np.array([1]), 10 * one, one)[0]), 2)
    1.0
    """
    from scipy.special import ndtr

    rows = np.arange(len(smoothed))
    zero = int(np.argmin(np.abs(lags)))
    hi, lo = slope_lags(lags, len(smoothed))
    side = np.sign(lags[best])
    with np.errstate(invalid="ignore", divide="ignore"):
        height = ndtr(-(smoothed[rows, best] - smoothed[:, zero]) / height_spread)
        slope = 2 * ndtr(-side * (smoothed[rows, hi] - smoothed[rows, lo]) / slope_spread)
    p = np.minimum(1.0, 2 * np.fmin(height, slope))
    return np.where(np.abs(lags[best]) < 1e-9, 1.0, p)
