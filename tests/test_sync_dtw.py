"""Dynamic time warping: a full-matrix recursion, path cost, window and lag recovery."""

from __future__ import annotations

import numpy as np
import pytest
from sim_pairs import circular_shift_p

from attunement import Session
from attunement.sync.dtw import dtw


def full_matrix_dtw(a, b, w):
    """symmetric2 recursion cell by cell over the n x n matrix (R dtw's definition)."""
    n = len(a)
    acc = np.full((n, n), np.inf)
    for i in range(n):
        for j in range(max(0, i - w), min(n, i + w + 1)):
            c = abs(a[i] - b[j])
            if i == 0 and j == 0:
                acc[i, j] = c
                continue
            steps = [acc[i - 1, j - 1] + 2 * c if i and j else np.inf,
                     acc[i - 1, j] + c if i else np.inf,
                     acc[i, j - 1] + c if j else np.inf]
            acc[i, j] = min(steps)
    return acc[-1, -1]


@pytest.mark.parametrize("seed", range(6))
def test_distance_equals_the_full_matrix_recursion(seed):
    rng = np.random.default_rng(seed)
    n, w = int(rng.integers(5, 60)), int(rng.integers(1, 8))
    a, b = rng.normal(size=(2, n))
    res = dtw(a, b, 1, max_lag_s=w, normalize="none")
    assert res.distance == pytest.approx(full_matrix_dtw(a, b, min(w, n - 1)), rel=1e-12)
    assert res.normalized_distance == pytest.approx(res.distance / (2 * n))


def test_path_is_monotone_within_the_window_and_costs_the_distance():
    rng = np.random.default_rng(1)
    a, b = np.cumsum(rng.normal(size=(2, 300)), axis=1)
    res = dtw(a, b, 10, max_lag_s=2, normalize="none")
    p1, p2 = res.path_1, res.path_2
    assert (p1[0], p2[0], p1[-1], p2[-1]) == (0, 0, 299, 299)
    steps = np.column_stack([np.diff(p1), np.diff(p2)])
    assert set(map(tuple, steps)) <= {(1, 1), (1, 0), (0, 1)}
    assert np.max(np.abs(res.lag_s)) <= 2.0
    cost = np.abs(a[p1] - b[p2])
    weight = np.r_[1, np.where((steps == 1).all(axis=1), 2, 1)]
    assert (weight * cost).sum() == pytest.approx(res.distance, rel=1e-9)


def test_recovers_who_leads_and_by_how_much():
    rng = np.random.default_rng(2)
    base = np.convolve(rng.normal(size=3100), np.ones(10) / 10, mode="same")
    x1, x2 = base[100:], base[80:-20]  # partner 2 shows partner 1's movement 2 s later
    s = dtw(x1, x2, 10, max_lag_s=5).summary()
    assert s["dtw_median_lag_s"] == pytest.approx(2.0)
    assert s["dtw_partner1_leads_proportion"] > 0.9
    flipped = dtw(x2, x1, 10, max_lag_s=5).summary()
    assert flipped["dtw_median_lag_s"] == pytest.approx(-2.0)


def test_coupled_pairs_beat_circular_shifts_and_independent_ones_do_not():
    def closeness(a, b):
        return -dtw(a, b, 10, max_lag_s=2).normalized_distance

    rng = np.random.default_rng(3)
    smooth = np.ones(10) / 10
    base = np.convolve(rng.normal(size=1500), smooth, mode="same")
    follower = np.roll(base, 5) + 0.5 * base.std() * rng.normal(size=1500)
    assert circular_shift_p(closeness, base, follower, seed=1) <= 0.05
    null = [circular_shift_p(closeness, np.convolve(rng.normal(size=500), smooth, "same"),
                             np.convolve(rng.normal(size=500), smooth, "same"), seed=s)
            for s in range(8)]
    assert np.mean(np.array(null) <= 0.05) <= 0.25


def test_session_wrapper_tidy_path_and_bad_inputs():
    x = np.random.default_rng(4).normal(size=(2, 200))
    session = Session.from_arrays(x[0], x[1], sampling_rate=10)
    res = dtw(session, max_lag_s=1)
    assert res.summary() == dtw(x[0], x[1], 10, max_lag_s=1).summary()
    assert list(res.to_frame().columns) == ["time_1_s", "time_2_s", "lag_s"]
    with pytest.raises(ValueError, match="'max_lag_s': 0.01 s is 0.1 samples"):
        dtw(x[0], x[1], 10, max_lag_s=0.01)
    with pytest.raises(ValueError, match="'normalize' parameter. Allowed values are 'zscore'"):
        dtw(x[0], x[1], 10, normalize="minmax")
