"""Physiological linkage measures (attunement.linkage.measures) on simulated dyads.

Ground truth: a small coupled AR model of heart rate at 4 Hz written here (the structure
of the project simulator's ``simulate.dynamics``): each partner's own AR(1) process with
time constant ``tau_s``; partner 2 mixes in partner 1's process ``lag_s`` earlier with
weight ``c``, so the cross-correlation peaks at exactly ``+lag_s`` with height ``c``.
Independent pairs (``c = 0``) give the false-positive rates.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import lfilter

from attunement.linkage import (
    actor_partner,
    interval_correlation,
    interval_means,
    partner_effect_test,
    slope_concordance,
)

SR = 4.0


def ar1(rng, n, tau_s):
    a = np.exp(-1.0 / (tau_s * SR))
    e = rng.standard_normal(n)
    e[1:] *= np.sqrt(1.0 - a * a)
    return lfilter([1.0], [1.0, -a], e)


def hr_pair(seed, c=0.0, lag_s=0.5, tau_s=3.0, minutes=10.0, leader=1):
    """Heart rates (bpm) of a dyad in which ``leader``'s partner drives the other."""
    rng = np.random.default_rng(seed)
    lag = int(round(lag_s * SR))
    n = int(minutes * 60 * SR)
    u1, u2 = ar1(rng, n + lag, tau_s), ar1(rng, n + lag, tau_s)
    lead, follow = u1[lag:], np.sqrt(1 - c * c) * u2[lag:] + c * u1[:-lag]
    x1, x2 = (lead, follow) if leader == 1 else (follow, lead)
    return 80 + 5 * x1, 120 + 8 * x2


def test_interval_means_reference():
    x = np.r_[np.full(60, 70.0), np.full(60, 90.0), np.full(30, np.nan), np.full(30, 80.0)]
    np.testing.assert_allclose(interval_means(x, SR), [70.0, 90.0, 80.0])
    np.testing.assert_allclose(interval_means(x, SR, min_coverage=0.6), [70.0, 90.0, np.nan])


def test_coupled_vs_uncoupled_is_recovered():
    coupled, alone = hr_pair(1, c=0.7), hr_pair(1, c=0.0)
    for measure in (interval_correlation, slope_concordance):
        with_c = measure(*coupled, SR, n_surrogates=199, seed=2)
        without = measure(*alone, SR, n_surrogates=199, seed=2)
        assert with_c.p_value < 0.01 < without.p_value
        assert with_c.effect_size > without.effect_size + 0.3
    # the interval correlation estimates the coupling weight itself
    assert interval_correlation(*coupled, SR, n_surrogates=0).value == pytest.approx(0.7,
                                                                                   abs=0.1)


@pytest.mark.parametrize("leader", [1, 2])
def test_actor_partner_recovers_direction(leader):
    x1, x2 = hr_pair(3, c=0.7, lag_s=1.0, leader=leader)
    res = actor_partner(x1, x2, SR, lag_s=1.0)
    assert np.sign(res.direction) == (1 if leader == 1 else -1)
    one, two = partner_effect_test(x1, x2, SR, n_surrogates=199, seed=0)
    led, other = (one, two) if leader == 1 else (two, one)
    assert led.p_value < 0.01 and abs(led.value) > abs(other.value)
    assert set(res.table.columns) == {"outcome", "effect", "coef", "se", "t", "p_value", "n"}


@pytest.mark.slow
def test_false_positive_rates_are_calibrated():
    # 100 independent pairs, 99 surrogates each, alpha = .05; the count of rejections is
    # Binomial(100, .05) when calibrated, above 10 with probability 0.01
    rejected = dict.fromkeys(["interval", "slope", "partner_1_to_2", "partner_2_to_1"], 0)
    for seed in range(100):
        x1, x2 = hr_pair(1000 + seed)
        rejected["interval"] += interval_correlation(x1, x2, SR, n_surrogates=99,
                                                     seed=seed).p_value < 0.05
        rejected["slope"] += slope_concordance(x1, x2, SR, n_surrogates=99,
                                               seed=seed).p_value < 0.05
        one, two = partner_effect_test(x1, x2, SR, n_surrogates=99, seed=seed)
        rejected["partner_1_to_2"] += one.p_value < 0.05
        rejected["partner_2_to_1"] += two.p_value < 0.05
    assert all(k <= 10 for k in rejected.values()), rejected


def test_segment_shuffle_is_anti_conservative_on_slow_drifts():
    # SCIENCE.md: shuffling breaks autocorrelation; with a 60 s time constant, 15 s
    # intervals are not exchangeable and the shuffle null rejects too often (300 pairs:
    # 19 % against 7.7 % for the circular shift)
    shuffle = circular = 0
    for seed in range(100):
        x1, x2 = hr_pair(2000 + seed, tau_s=60.0)
        shuffle += interval_correlation(x1, x2, SR, null="segments",
                                        n_surrogates=99, seed=seed).p_value < 0.05
        circular += interval_correlation(x1, x2, SR, n_surrogates=99,
                                         seed=seed).p_value < 0.05
    assert shuffle >= 12 and shuffle > circular + 4, (shuffle, circular)


def test_same_seed_same_numbers():
    x1, x2 = hr_pair(5, c=0.3)
    for measure in (interval_correlation, slope_concordance):
        a = measure(x1, x2, SR, n_surrogates=50, seed=9)
        b = measure(x1, x2, SR, n_surrogates=50, seed=9)
        np.testing.assert_array_equal(a.null_values, b.null_values)
        assert a.p_value == b.p_value
    a = partner_effect_test(x1, x2, SR, n_surrogates=50, seed=9)[0]
    assert a.p_value == partner_effect_test(x1, x2, SR, n_surrogates=50, seed=9)[0].p_value


def test_gaps_are_left_out_and_counted():
    x1, x2 = hr_pair(6, c=0.7)
    x1[400:1000] = np.nan  # 150 s missing = 10 intervals
    res = interval_correlation(x1, x2, SR, n_surrogates=49, seed=0)
    assert res.n_used == 30
    assert np.isfinite(res.value) and res.p_value < 0.05
    assert res.to_frame().loc[0, "n_used"] == 30


def test_bad_input_messages():
    x1, x2 = hr_pair(7)
    with pytest.raises(ValueError, match="'null' parameter. Allowed values are"):
        interval_correlation(x1, x2, SR, null="iaaft")
    with pytest.raises(ValueError, match="only 2 15 s interval"):
        interval_correlation(x1[:120], x2[:120], SR)
    with pytest.raises(ValueError, match="'sampling_rate': expected a finite number > 0"):
        slope_concordance(x1, x2, 0)
    with pytest.raises(ValueError, match="at 4 Hz, slope_window_s=0.25"):
        slope_concordance(x1, x2, SR, slope_window_s=0.25)
    with pytest.raises(ValueError, match="no window where both partners' slopes vary"):
        slope_concordance(np.ones(400), np.ones(400), SR, n_surrogates=0)
    with pytest.raises(ValueError, match="usable 1 s step"):
        actor_partner(np.full(400, np.nan), x2[:400], SR)
    with pytest.raises(ValueError, match="no circular shift of at least .* shorter .min_shift_s."):
        slope_concordance(x1[:200], x2[:200], SR, min_shift_s=60)


def test_surrogate_p_values_follow_the_shared_definition():
    # (1 + #as extreme) / (1 + n), as attunement.stats.permutation_p; two-sided measures
    # count surrogates at least as far from zero (no linkage); a missing value has no p.
    from attunement.linkage.measures import _result

    null = np.array([-0.5, 0.1, 0.2, 0.6])
    assert _result("r", 0.3, "shift", null, 10, {}).p_value == pytest.approx(2 / 5)
    two = _result("r", -0.55, "shift", null, 10, {}, two_sided=True)
    assert two.p_value == pytest.approx(2 / 5)
    assert np.isnan(_result("r", np.nan, "shift", null, 0, {}).p_value)
