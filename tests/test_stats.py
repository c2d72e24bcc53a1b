"""Surrogate statistics (``attunement.stats``).

References: first principles (permutations, spectra, the +1 p-value), statsmodels'
Benjamini-Hochberg, simulated ground truth (independent and coupled AR(1) pairs), and
rMEA 1.3.0's grand averages of the psychotherapy sessions (../shared/reference/rmea).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.signal import lfilter

import attunement as att
from attunement import stats

PARAMS = dict(window_s=20, max_lag_s=2, step_s=5, fisher_z=True, absolute=True)


def ar1_pairs(n_pairs, n=900, phi=0.9, coupling=0.0, seed=0):
    """Pairs of AR(1) series (autocorrelation time 2 s at 5 Hz); partner 2 follows partner 1
    by 1 s with weight ``coupling`` (0: independent)."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n_pairs):
        x, e = lfilter([1], [1, -phi], rng.normal(size=(2, n + 300)), axis=1)[:, 300:]
        out.append((x, coupling * np.roll(x, 5) + math.sqrt(1 - coupling**2) * e))
    return out


def rejection_rate(pairs, null, **kw):
    """Share of pairs with p <= 0.05 in a test with 19 surrogates (exact at alpha 0.05)."""
    hits = 0
    for i, (x, y) in enumerate(pairs):
        pool = [pairs[(i + k) % len(pairs)] for k in range(1, 11)]
        test = stats.surrogate_test(x, y, 5, null=null, n_surrogates=19, seed=i, pool=pool,
                                    params=PARAMS, **kw)
        hits += test.p_value <= 0.05
    return hits / len(pairs)


# ------------------------------------------------------------------ generators
def test_circular_shift_rotates_partner_2_by_at_least_the_lag():
    y = np.arange(100.0)
    xs, ys = stats.circular_shift(np.zeros(100), y, 50, 10, seed=3)
    shifts = (ys[:, 0] * -1) % 100  # y[(t - k) % n] at t = 0
    assert np.all((shifts >= 10) & (shifts <= 90))
    np.testing.assert_array_equal(ys, y[(np.arange(100) - shifts[:, None].astype(int)) % 100])
    assert (xs == 0).all()


def test_segment_shuffle_with_a_partial_last_segment():
    """103 samples in segments of 10 (rMEA's shuffle_segments fails on this): every
    surrogate is the 11 original pieces, the short one included, in some order."""
    y = np.arange(103.0)  # values name their original positions
    _, ys = stats.segment_shuffle(np.zeros(103), y, 20, 10, seed=1)
    for row in ys:
        p, starts = 0, []
        while p < 103:
            start = int(row[p])
            length = min(10, 103 - start)
            assert start % 10 == 0
            np.testing.assert_array_equal(row[p : p + length], y[start : start + length])
            starts.append(start)
            p += length
        assert sorted(starts) == list(range(0, 103, 10))
    assert len({tuple(r) for r in ys}) > 15


def test_shuffle_and_iaaft_keep_values_iaaft_keeps_spectrum():
    rng = np.random.default_rng(0)
    y = lfilter([1], [1, -0.9], rng.normal(size=512))
    _, shuffled = stats.data_shuffle(np.zeros(512), y, 5, seed=0)
    np.testing.assert_array_equal(np.sort(shuffled, axis=1), np.tile(np.sort(y), (5, 1)))
    y_gap = y.copy()
    y_gap[100:110] = np.nan
    _, surr = stats.iaaft(np.zeros(512), y_gap, 4, seed=2)
    assert np.isnan(surr[:, 100:110]).all() and not np.isnan(surr[:, :100]).any()
    _, surr = stats.iaaft(np.zeros(512), y, 4, seed=2)
    np.testing.assert_array_equal(np.sort(surr, axis=1), np.tile(np.sort(y), (4, 1)))
    def smoothed_spectrum(a):
        return np.convolve(np.abs(np.fft.rfft(a)) ** 2, np.ones(16) / 16, "valid")

    target = smoothed_spectrum(y)
    error = [np.max(np.abs(smoothed_spectrum(a) - target) / target) for a in surr]
    assert max(error) < 0.35  # a shuffle's flat spectrum misses by far more:
    assert np.max(np.abs(smoothed_spectrum(shuffled[0]) - target) / target) > 5
    assert not np.allclose(surr[0], y)


def test_same_seed_same_surrogates():
    y = np.random.default_rng(0).normal(size=300)
    for null in ("shift", "segments", "iaaft", "shuffle"):
        a = stats.make_surrogates(np.zeros(300), y, null, 5, 10, max_lag_s=1, window_s=5,
                                  seed=7)[1]
        b = stats.make_surrogates(np.zeros(300), y, null, 5, 10, max_lag_s=1, window_s=5,
                                  seed=7)[1]
        c = stats.make_surrogates(np.zeros(300), y, null, 5, 10, max_lag_s=1, window_s=5,
                                  seed=8)[1]
        np.testing.assert_array_equal(a, b)
        assert not np.array_equal(a, c)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: stats.circular_shift(np.zeros(10), np.zeros(10), 3, 6), "no circular shift"),
        (lambda: stats.segment_shuffle(np.zeros(10), np.zeros(10), 3, 10), "'segment_s'"),
        (lambda: stats.make_surrogates(np.zeros(9), np.zeros(9), "phase", 3, 1, max_lag_s=1),
         "'null' parameter.*'shift'.*got 'phase'"),
        (lambda: stats.make_surrogates(np.zeros(9), np.zeros(9), "shift", 0, 1, max_lag_s=1),
         "'n_surrogates': expected an integer >= 1, got 0"),
        (lambda: stats.data_shuffle(np.zeros(9), np.zeros(8), 3), "shapes \\(9,\\) and \\(8,\\)"),
    ],
)
def test_generator_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()


# ------------------------------------------------------------------ p-values, FDR, effect
def test_p_value_effect_size_and_fdr_from_first_principles():
    null = np.array([0.1, 0.2, 0.3, 0.4, np.nan])
    assert stats.permutation_p(0.35, null) == (1 + 1) / (1 + 4)
    assert stats.permutation_p(0.35, null, "less") == (1 + 3) / 5
    assert stats.permutation_p(0.05, null, "two-sided") == (1 + 0) / 5
    assert stats.effect_size(0.5, null) == pytest.approx((0.5 - 0.25) / np.std(null[:4],
                                                                                 ddof=1))
    multitest = pytest.importorskip("statsmodels.stats.multitest")
    p = np.random.default_rng(1).uniform(size=40) ** 3
    ours, _ = stats.fdr_bh(p, 0.1)
    np.testing.assert_array_equal(ours, multitest.multipletests(p, 0.1, "fdr_bh")[0])


def test_fdr_bh_adjusted_p_values_equal_statsmodels():
    """The one FDR of the package (the inter-brain corrections use it too) against
    statsmodels' multipletests 'fdr_bh': decisions and adjusted p-values, ties, NaN left
    out of the count, and each row of a 2-D array its own family."""
    multitest = pytest.importorskip("statsmodels.stats.multitest")
    rng = np.random.default_rng(7)
    for p in (rng.uniform(size=50) ** 4, np.array([0.01, 0.01, 0.04, 0.04, 0.2, 1.0])):
        reject, adjusted, *_ = multitest.multipletests(p, 0.05, "fdr_bh")
        ours, ours_adjusted = stats.fdr_bh(p, 0.05)
        np.testing.assert_array_equal(ours, reject)
        np.testing.assert_allclose(ours_adjusted, adjusted, rtol=1e-12)
    p = rng.uniform(size=(3, 12)) ** 3
    p[1, [2, 7]] = np.nan
    sig, adj = stats.fdr_bh(p, 0.1)
    for row, s_row, a_row in zip(p, sig, adj):
        ok = np.isfinite(row)
        reject, adjusted, *_ = multitest.multipletests(row[ok], 0.1, "fdr_bh")
        np.testing.assert_allclose(a_row[ok], adjusted, rtol=1e-12)
        np.testing.assert_array_equal(s_row[ok], reject)
        assert np.isnan(a_row[~ok]).all() and not s_row[~ok].any()
    assert stats.fdr_bh([np.nan, np.nan])[0].tolist() == [False, False]


# ------------------------------------------------------------------ surrogate_test
def test_surrogate_test_reports_and_repeats_with_the_seed():
    x, y = ar1_pairs(1, coupling=0.5, seed=3)[0]
    kw = dict(null="shift", n_surrogates=30, seed=4, params=PARAMS)
    test = stats.surrogate_test(x, y, 5, **kw)
    again = stats.surrogate_test(x, y, 5, **kw)
    np.testing.assert_array_equal(test.null, again.null)
    assert test.observed == att.wcc(x, y, 5, **PARAMS).grand_average
    summary = test.summary()
    assert summary["p_value"] == stats.permutation_p(test.observed, test.null)
    assert summary["effect_size"] == pytest.approx((test.observed - test.null.mean())
                                                   / test.null.std(ddof=1))
    assert {"lag_zero_mean_p_value", "p1_leads_mean_effect_size", "null"} <= set(summary)
    assert summary["null"] == "shift" and summary["n_surrogates"] == 30
    frame = test.to_frame()
    assert set(frame.statistic) == set(stats.testing.STATISTICS) and len(frame) == 120


def test_surrogate_nulls_equal_the_measure_on_each_surrogate():
    """The batched path against wcc() called on the very same surrogate pairs."""
    x, y = ar1_pairs(1, seed=5)[0]
    test = stats.surrogate_test(x, y, 5, null="segments", n_surrogates=6, seed=9, params=PARAMS)
    xs, ys = stats.make_surrogates(x, y, "segments", 6, 5, max_lag_s=2, window_s=20,
                                   seed=np.random.default_rng(9))
    one_by_one = [att.wcc(a, b, 5, **PARAMS).grand_average for a, b in zip(xs, ys)]
    np.testing.assert_allclose(test.null, one_by_one, atol=1e-12)
    custom = stats.surrogate_test(x, y, 5, null="segments", n_surrogates=6, seed=9,
                                  segment_s=stats.default_segment_s(len(x) / 5, 20, 2),
                                  measure=lambda a, b, r: att.wcc(a, b, r, **PARAMS).summary())
    np.testing.assert_allclose(custom.null, one_by_one, atol=1e-12)
    assert custom.statistic == "grand_average"


def test_per_window_thresholds_find_coupled_stretch():
    """Coupling only in the second half: FDR-controlled windows lie there."""
    x, y = ar1_pairs(1, n=1500, seed=2)[0]
    y[750:] = 0.9 * np.roll(x, 5)[750:] + 0.3 * y[750:]
    test = stats.surrogate_test(x, y, 5, null="shift", n_surrogates=199, seed=1, params=PARAMS)
    frame = test.window_frame(alpha=0.05)
    assert list(frame.columns) == ["window_start_s", "observed", "surrogate_mean", "threshold",
                                   "p_value", "significant"]
    np.testing.assert_array_equal(frame.significant, frame.observed > frame.threshold)
    in_coupled = frame.window_start_s[frame.significant] >= 150 - 22
    assert in_coupled.sum() >= 10 and in_coupled.mean() >= 0.8


def test_pseudo_dyad_surrogates_need_a_pool():
    x, y = ar1_pairs(1)[0]
    with pytest.raises(ValueError, match="'pool': null='pseudo-dyads' needs other sessions"):
        stats.surrogate_test(x, y, 5, null="pseudo-dyads", params=PARAMS)
    pool = ar1_pairs(3, seed=1)
    test = stats.surrogate_test(x, y, 5, null="pseudo-dyads", pool=pool, n_surrogates=100,
                                params=PARAMS)
    assert len(test.null) == 6  # this partner 1 with 3 others, 3 others with this partner 2
    expected = sorted(att.wcc(a, b, 5, **PARAMS).grand_average
                      for a, b in [(x, q) for _, q in pool] + [(p, y) for p, _ in pool])
    np.testing.assert_allclose(np.sort(test.null), expected, atol=1e-12)


# ------------------------------------------------------------------ calibration and power
@pytest.mark.slow
def test_calibrated_nulls_hold_the_false_positive_rate():
    """200 independent AR(1) pairs: a calibrated null rejects 5 % +- 2 SE (1.9-8.1 %).
    Data shuffling destroys the autocorrelation the real pair keeps, so surrogate windows
    correlate less by chance and it rejects nearly always: not a null for such data."""
    pairs = ar1_pairs(200)
    se = math.sqrt(0.05 * 0.95 / 200)
    rates = {null: rejection_rate(pairs, null)
             for null in ("shift", "segments", "iaaft", "pseudo-dyads", "shuffle")}
    for null in ("shift", "segments", "iaaft", "pseudo-dyads"):
        assert abs(rates[null] - 0.05) <= 2 * se, rates
    assert rates["shuffle"] > 0.5, rates
    assert rejection_rate(pairs[:100], "segments", segment_s=10) > rates["segments"]


def test_power_on_coupled_pairs():
    """Partner 2 follows partner 1 by 1 s with weight 0.6: detected in most pairs."""
    pairs = ar1_pairs(100, coupling=0.6, seed=1)
    assert rejection_rate(pairs, "shift") >= 0.85


# ------------------------------------------------------------------ real vs pseudo dyads
def test_pseudo_dyad_labels_follow_rmea_shuffle():
    ids = [f"s{i}" for i in range(5)]
    assert len(stats.pseudo_dyad_labels(ids)) == math.comb(10, 2) - 5
    assert len(stats.pseudo_dyad_labels(ids, keep_roles=True)) == 5 * 4


def test_compare_real_pseudo_on_simulated_dyads():
    dyads = ar1_pairs(4, coupling=0.6, seed=6)
    comp = stats.compare_real_pseudo(dyads, 5, n_pseudo=10, seed=2, **PARAMS)
    again = stats.compare_real_pseudo(dyads, 5, n_pseudo=10, seed=2, **PARAMS)
    np.testing.assert_array_equal(comp.pseudo, again.pseudo)
    first = comp.pseudo_ids[0]
    series = {f"{i}:x{k + 1}": d[k] for i, d in enumerate(dyads) for k in (0, 1)}
    assert comp.pseudo[0] == pytest.approx(
        att.wcc(series[first[0]], series[first[1]], 5, **PARAMS).grand_average, abs=1e-12)
    a, b = comp.real, comp.pseudo
    pooled = math.sqrt(((len(a) - 1) * a.var(ddof=1) + (len(b) - 1) * b.var(ddof=1))
                       / (len(a) + len(b) - 2))
    assert comp.cohens_d == pytest.approx((a.mean() - b.mean()) / pooled)
    assert comp.summary()["cohens_d"] > 1 and len(comp.to_frame()) == 14


def test_psychotherapy_real_against_pseudo_dyads(shared_dir):
    """rMEA: lag 5 s, window 60 s, step 30 s, |Fisher z|; real dyads' mean grand average is
    rMEA's (reference summaries); pseudo-dyads (all 760 re-pairings) synchronise less."""
    files = sorted((shared_dir / "data/rmea_psychotherapy").glob("*/*.txt"))
    sessions = [att.read_mea(f, 25) for f in files]
    params = dict(window_s=60, max_lag_s=5, step_s=30, fisher_z=True, absolute=True)
    comp = stats.compare_real_pseudo(sessions, **params)
    ref = pd.concat([pd.read_csv(shared_dir / "reference/rmea" / d / "summary.csv")
                     for d in ("rmea_normal_l5w60i30_zabs", "rmea_dropout_l5w60i30_zabs")])
    summary = comp.summary()
    assert summary["real_mean"] == pytest.approx(ref.grand_average.mean(), abs=1e-9)
    assert summary["n_pseudo"] == 760 and summary["pseudo_mean"] < summary["real_mean"]
    assert 0.3 < summary["cohens_d"] < 1.2
