"""The one surrogate engine (``attunement.stats.engine``): every registered measure against
every null it declares, the dispatch table of fast paths, the draws and the errors.

References: simulated ground truth (a coupled pair, partner 2 following partner 1 by
0.75 s, and independent pairs), first principles (a permutation p-value of 19 surrogates is 0.05
when the real pair beats them all), and the measure itself called on the same surrogate
pairs (the fast path against the generic one).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy.signal import lfilter
from voices import dialogue

from attunement import stats
from attunement.stats.engine import FAST_PATHS, NullDraw, register_fast_path
from attunement.sync.registry import HEADLINES, MEASURES

RATE, N = 4, 600
#: Parameters that suit 150 s at 4 Hz (the defaults are for sessions of minutes).
PARAMS = {
    "wcc": {"window_s": 20, "max_lag_s": 2, "step_s": 5},
    "phase": {"window_s": 20, "band_hz": (0.2, 1.0)},
    "coherence": {"welch_segment_s": 10},
    "wavelet_coherence": {"frequency_range_hz": (0.2, 0.5)},
    "crqa_windows": {"window_s": 20},
    "drp": {"max_lag_s": 2},
    "dtw": {"max_lag_s": 1},
    "granger": {"max_lag_s": 1},
    "prosody": {"n_peak_surrogates": 1},  # its own peak picking's; the headline needs none
}


def ar_pair(coupled: bool, seed: int, phi: float = 0.7):
    """Two AR(1) series (white noise with ``phi`` 0); when ``coupled``, partner 2 is
    0.8 x partner 1 three samples (0.75 s) earlier plus its own process."""
    rng = np.random.default_rng(seed)
    x, e = lfilter([1], [1, -phi], rng.normal(size=(2, N + 100)), axis=1)[:, 100:]
    return x, (0.8 * np.roll(x, 3) + 0.6 * e) if coupled else e


CASES = [(m, null) for m in MEASURES for null in HEADLINES[m].nulls]




def measure_pair(measure: str, coupled: bool, seed: int, phi: float = 0.7):
    """The pair in the channel the measure reads: voice activity for 'vocal' (at 10 Hz),
    an F0 contour in Hz for 'prosody', else the AR(1) pair itself (at RATE)."""
    if measure == "vocal":
        return dialogue(coupled, seed, n_turns=40, rate=10)
    x1, x2 = ar_pair(coupled, seed, phi)
    return (200 + 20 * x1, 200 + 20 * x2) if measure == "prosody" else (x1, x2)


@pytest.mark.parametrize("measure", list(MEASURES))
def test_every_measure_runs_through_the_engine_with_every_null_it_declares(measure):
    """Each registered measure against each null it declares, 19 surrogates (ground truth:
    the simulated coupling). A coupled pair: p at most 0.15 against every null (a segment
    shuffle of five segments leaves some in place, and with them part of the coupling),
    and p = 0.05 (all 19 surrogates below it) for most of a measure's nulls. An independent
    pair (a new one per case): under a calibrated null p <= 0.05 in 5 % of pairs, so at
    most one of a measure's five nulls may reach it (two or more: 2 % of measures by
    chance). The data shuffle is a null only for partners without autocorrelation (NULLS;
    SCIENCE.md), so its independent pair is white noise. Measured over 40 independent
    pairs per null (notes of issue 18.3): 2.5-7.5 % rejected for crqa, transfer entropy,
    contingency, drp and mdrqa, with shifts and segments."""
    rate = 10 if measure == "vocal" else RATE
    pool = [measure_pair(measure, False, 100 + k) for k in range(10)]
    small, coupled_p = [], []
    for null in HEADLINES[measure].nulls:
        k = CASES.index((measure, null))
        kw = dict(measure=measure, params=PARAMS.get(measure), null=null, n_surrogates=19,
                  seed=k, pool=pool)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            coupled = stats.surrogate_test(*measure_pair(measure, True, 1), rate, **kw)
            independent = stats.surrogate_test(*measure_pair(
                measure, False, 200 + k, 0.0 if null == "shuffle" else 0.7), rate, **kw)
        assert coupled.null_name == null and len(coupled.null) == 19
        assert coupled.alternative == HEADLINES[measure].alternative
        assert coupled.p_value <= 0.15 + 1e-12, null
        coupled_p.append(coupled.p_value)
        assert np.isfinite(independent.p_value), null
        if independent.p_value <= 0.05:
            small.append(null)
    assert np.median(coupled_p) == pytest.approx(0.05), coupled_p
    assert len(small) <= 1, small


def test_the_wcc_fast_path_equals_the_measure_on_each_surrogate(monkeypatch):
    """The batched WCC (FAST_PATHS) against the generic path that calls the registry's
    WCC once per surrogate pair: the same seed draws the same pairs, so the same null."""
    x, y = ar_pair(True, 3, phi=0.5)
    kw = dict(params=PARAMS["wcc"], null="segments", n_surrogates=9, seed=4)
    fast = stats.surrogate_test(x, y, RATE, **kw)
    monkeypatch.delitem(FAST_PATHS, ("wcc", "segments"))
    slow = stats.surrogate_test(x, y, RATE, **kw)
    assert (fast.statistic, slow.statistic) == ("grand_average", "wcc_grand_average")
    np.testing.assert_allclose(fast.null, slow.null, atol=1e-12)
    assert fast.observed == pytest.approx(slow.observed, abs=1e-12)
    assert fast.p_value == slow.p_value


def test_a_registered_fast_path_serves_every_caller(monkeypatch):
    """A kernel registered for (measure, null) is what surrogate_test calls, with the
    measure's full keyword dict and the draw; the shift offsets it draws are the ones the
    generic path's pairs are shifted by."""
    calls = []

    def kernel(x1, x2, rate, params, draw):
        calls.append((params, draw.null))
        shifts = draw.shift_offsets(len(x2), rate)
        null = np.array([np.corrcoef(x1, np.roll(x2, k))[0, 1] for k in shifts])
        return stats.SurrogateTest("r", float(np.corrcoef(x1, x2)[0, 1]), null, draw.null)

    monkeypatch.setitem(FAST_PATHS, ("phase", "shift"), None)
    register_fast_path("phase", "shift", kernel)
    x, y = ar_pair(True, 5)
    test = stats.surrogate_test(x, y, RATE, measure="phase", n_surrogates=19, seed=2,
                                min_shift_s=3)
    assert test.statistic == "r" and calls[0][1] == "shift"
    assert calls[0][0]["window_s"] == 30.0  # the measure's default, filled in
    assert test.params["measure"] == "phase" and test.params["min_shift_s"] == 3
    _, ys = NullDraw("shift", 19, min_shift_s=3, seed=2).pairs(x, y, RATE)[0]
    expected = [np.corrcoef(x, row)[0, 1] for row in ys]
    np.testing.assert_allclose(test.null, expected, atol=1e-12)


def test_min_shift_defaults_to_the_measures_largest_lag():
    draw = NullDraw("shift", 200, min_shift_s=2, seed=0)
    shifts = draw.shift_offsets(N, RATE)
    assert shifts.min() >= 2 * RATE and shifts.max() <= N - 2 * RATE
    test = stats.surrogate_test(*ar_pair(False, 6), RATE, params={"max_lag_s": 3,
                                                                  "window_s": 20},
                                n_surrogates=5)
    assert test.params["min_shift_s"] == 3.0


def test_the_same_seed_gives_the_same_numbers_and_the_default_is_fixed():
    x, y = ar_pair(True, 7)
    one = stats.surrogate_test(x, y, RATE, measure="drp", params=PARAMS["drp"],
                               null="iaaft", n_surrogates=5)
    two = stats.surrogate_test(x, y, RATE, measure="drp", params=PARAMS["drp"],
                               null="iaaft", n_surrogates=5, seed=0)
    np.testing.assert_array_equal(one.null, two.null)


@pytest.mark.parametrize(("kw", "match"), [
    (dict(measure="wavelet"), "Invalid value for the 'measure' parameter"),
    (dict(measure="dtw", params={"window": 2}), "Invalid parameter 'window' for measure 'dtw'"),
    (dict(measure=lambda a, b, r: 0.0, params={"x": 1}), "'params': a callable"),
    (dict(measure=3), "'measure': expected a measure name or a callable"),
    (dict(null="circular"), "Invalid value for the 'null' parameter"),
    (dict(n_surrogates=0), "'n_surrogates': expected an integer >= 1"),
    (dict(min_shift_s=-1.0), "'min_shift_s': expected a number >= 0"),
    (dict(alternative="bigger"), "Invalid value for the 'alternative' parameter"),
    (dict(null="pseudo-dyads", params=PARAMS["wcc"]),
     "'pool': null='pseudo-dyads' needs other sessions"),
])
def test_bad_arguments_are_named(kw, match):
    x, y = ar_pair(False, 8)
    with pytest.raises(ValueError, match=match):
        stats.surrogate_test(x, y, RATE, **{"n_surrogates": 3, **kw})


def test_bad_pairs_are_named():
    x, y = ar_pair(False, 9)
    with pytest.raises(ValueError, match="'x1' and 'x2' differ in shape"):
        stats.surrogate_test(x, y[:-1], RATE)
    with pytest.raises(ValueError, match="'sampling_rate': expected a number > 0"):
        stats.surrogate_test(x, y)
    with pytest.raises(ValueError, match="'x2': expected partner 2's series"):
        stats.surrogate_test(x, None, RATE)


def test_one_pseudo_dyad_draw():
    """Without replacement, in the candidates' order, all of them when asked for more;
    the same seed the same draw (compare_real_pseudo, the cohort and the engine use it)."""
    draw = stats.draw_pseudo_dyads(20, 7, seed=3)
    assert len(set(draw.tolist())) == 7 and list(draw) == sorted(draw)
    np.testing.assert_array_equal(draw, stats.draw_pseudo_dyads(20, 7, seed=3))
    assert stats.draw_pseudo_dyads(5, 9).tolist() == [0, 1, 2, 3, 4]
    counts = np.bincount(np.concatenate([stats.draw_pseudo_dyads(10, 3, seed=s)
                                         for s in range(2000)]), minlength=10)
    assert counts.min() > 0.8 * 600 and counts.max() < 1.2 * 600  # uniform: 600 each
