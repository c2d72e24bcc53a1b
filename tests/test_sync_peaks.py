"""Peak picking after Boker et al. (2002) (``attunement.pick_peaks``).

References: weighted polynomial fits by ``np.polyfit`` (the loess definition, point by point)
and simulated pairs with known delays.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.ndimage import gaussian_filter1d

import attunement as att
from attunement.sync.peaks import loess_rows


def delayed_pair(delay, n=6000, rate=10, seed=0, noise=0.05):
    """Partner 2 = partner 1 (smooth noise, Gaussian filter of 0.5 s) ``delay`` samples
    later, plus noise."""
    rng = np.random.default_rng(seed)
    p1 = gaussian_filter1d(rng.normal(size=n), 5)
    return p1, np.roll(p1, delay) + noise * p1.std() * rng.normal(size=n), rate


def reference_loess(y, x, span, degree):
    """Loess at each x by np.polyfit with tricube weights over the span's nearest points."""
    q = int(np.floor(len(x) * span + 1e-9))
    out = np.empty(len(x))
    for i, x0 in enumerate(x):
        d = np.abs(x - x0)
        h = np.sort(d)[q - 1]
        w = np.clip(1 - (d / h) ** 3, 0, None) ** 3
        keep = (w > 0) & ~np.isnan(y)
        coef = np.polyfit(x[keep] - x0, y[keep], degree, w=np.sqrt(w[keep]))
        out[i] = coef[-1]
    return out


@pytest.mark.parametrize("degree", [1, 2])
def test_loess_equals_weighted_polyfit(degree):
    rng = np.random.default_rng(3)
    x = np.linspace(-2, 2, 41)
    y = np.sin(2 * x) + 0.2 * rng.normal(size=(3, 41))
    y[1, [4, 5, 20]] = np.nan  # a row with gaps takes the per-row path
    got = loess_rows(y, x, 0.25, degree)
    for row, values in zip(got, y):
        np.testing.assert_allclose(row, reference_loess(values, x, 0.25, degree), atol=1e-10)


def test_loess_keeps_a_quadratic_and_marks_unfittable_points():
    x = np.arange(11.0)
    np.testing.assert_allclose(loess_rows(x**2 - 3 * x, x, 0.5), [x**2 - 3 * x], atol=1e-9)
    sparse = np.full(11, np.nan)
    sparse[[0, 10]] = 1.0
    assert np.isnan(loess_rows(sparse, x, 0.3)).all()


@pytest.mark.parametrize("delay", [12, -7])
def test_peak_lag_recovers_known_delay(delay):
    """Partner 2 = partner 1 shifted by ``delay`` samples (ground truth lag delay / rate).
    Side humps of sample cross-correlations can sit nearer zero in a few windows."""
    p1, p2, rate = delayed_pair(delay)
    peaks = att.pick_peaks(att.wcc(p1, p2, rate, window_s=60, max_lag_s=3, step_s=20))
    hit = np.isclose(peaks.lag_s, delay / rate)
    assert hit.mean() >= 0.8 and np.median(peaks.lag_s) == pytest.approx(delay / rate)
    summary = peaks.summary()
    assert summary["p1_leads_share" if delay > 0 else "p2_leads_share"] >= 0.8
    assert summary["peak_r_mean"] > 0.9


def test_nearest_to_zero_wins_and_search_region_limits():
    """Two humps at -2 s and +0.8 s: the one nearest zero is the peak; a search region of
    0.5 s holds neither, so no peak."""
    lags = np.round(np.arange(-30, 31) / 10, 10)
    row = np.exp(-((lags - 0.8) ** 2) / 0.5) + 1.5 * np.exp(-((lags + 2) ** 2) / 0.5)
    res = att.WCCResult(np.vstack([row, row]), np.array([0.0, 10.0]), lags)
    peaks = att.pick_peaks(res)
    np.testing.assert_allclose(peaks.lag_s, 0.8)
    np.testing.assert_allclose(peaks.r, row[lags == 0.8][0])
    assert np.isnan(att.pick_peaks(res, search_s=0.5).lag_s).all()


def test_summary_matches_frame_statistics():
    p1, p2, rate = delayed_pair(5, noise=0.6, seed=4)
    peaks = att.pick_peaks(att.wcc(p1, p2, rate, window_s=20, max_lag_s=2, step_s=5))
    frame = peaks.to_frame().dropna()
    assert list(peaks.to_frame().columns) == ["time_s", "lag_s", "r"]
    summary = peaks.summary()
    assert summary["peak_r_sd"] == pytest.approx(frame.r.std(ddof=1))
    assert summary["peak_lag_mean_s"] == pytest.approx(frame.lag_s.mean())
    assert summary["n_peaks"] == len(frame)


def test_bad_arguments():
    res = att.wcc(np.arange(100.0) % 7, np.arange(100.0) % 5, 10, window_s=3, max_lag_s=1,
                  step_s=3)
    with pytest.raises(ValueError, match="'result': expected a WCCResult"):
        att.pick_peaks(pd.DataFrame())
    with pytest.raises(ValueError, match="'span'.*> 0"):
        att.pick_peaks(res, span=0)
    with pytest.raises(ValueError, match="'degree' parameter.*1, 2.*got 3"):
        att.pick_peaks(res, degree=3)
