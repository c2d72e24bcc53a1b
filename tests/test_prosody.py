"""Prosodic synchrony on a planted lead: the follower's pitch copies the leader's 4 s later.

Reference: the planted pitch schedule of tests/voices.py (:func:`prosody_dialogue`: each
sustained vowel's espeak pitch is a slow random level, partner 2's the level 4 s before),
and a pseudo-dyad (partner 1 of one dialogue with partner 2 of another, independently
drawn) as the negative control.
"""

from __future__ import annotations

import numpy as np
import pytest
from voices import RATE, needs_espeak, prosody_dialogue

from attunement.stats import surrogate_test
from attunement.sync.prosody import convergence, prosodic_synchrony, tama

PARAMS = dict(tama_window_s=3, step_s=0.5, window_s=20, max_lag_s=8, wcc_step_s=5)


@pytest.fixture(scope="module")
def dialogues(tmp_path_factory):
    soundfile = pytest.importorskip("soundfile")
    from attunement.audio import extract_audio

    folder = tmp_path_factory.mktemp("prosody")
    out = []
    for seed in (0, 1):
        tracks, _ = prosody_dialogue(lag_s=4.0, seed=seed)
        soundfile.write(folder / f"d{seed}.wav", tracks.T, RATE)
        out.append(extract_audio(folder / f"d{seed}.wav", partners=("lead", "follow")))
    return out


def _f0(session, k):
    d = session.signals[session.partners[k]]
    return d["f0_hz"].where(d["voice"] == 1).to_numpy()


def _lead_p(res):
    """Surrogate p-value of the mean correlation at partner-1-leads lags (shift null)."""
    s = res.series
    test = surrogate_test(s.partner_1.to_numpy(), s.partner_2.to_numpy(), 1 / PARAMS["step_s"],
                          params=dict(window_s=20, max_lag_s=8, step_s=5), n_surrogates=99,
                          seed=0)
    observed, null = test.others["p1_leads_mean"]
    return (1 + np.sum(null >= observed)) / (1 + null.size)


@needs_espeak
def test_planted_prosodic_lead_is_found_with_the_right_leader(dialogues):
    s = dialogues[0]
    res = prosodic_synchrony(s, feature="f0", **PARAMS)
    lags = res.peaks.lag_s[np.isfinite(res.peaks.lag_s)]
    assert lags.size >= 5 and (lags > 0).all()
    assert abs(np.median(lags) - 4.0) <= 1.0
    assert _lead_p(res) <= 0.05
    # the same audio with the roles swapped: partner 2 leads, negative lags
    swapped = prosodic_synchrony(_f0(s, 1), _f0(s, 0), 100, feature="f0", **PARAMS)
    lags = swapped.peaks.lag_s[np.isfinite(swapped.peaks.lag_s)]
    assert (lags < 0).all() and abs(np.median(lags) + 4.0) <= 1.0
    summary = res.summary()
    assert summary["prosody_f0_p1_leads_share"] == 1.0
    assert 0.5 < summary["prosody_f0_both_present_share"] <= 1.0


@needs_espeak
def test_pseudo_dyad_shows_no_lead_beyond_surrogates(dialogues):
    """Negative control: partners who never heard each other."""
    a, b = _f0(dialogues[0], 0), _f0(dialogues[1], 1)
    n = min(a.size, b.size)
    res = prosodic_synchrony(a[:n], b[:n], 100, feature="f0", **PARAMS)
    assert _lead_p(res) > 0.05


def test_tama_and_convergence_closed_forms():
    t, m = tama(np.r_[np.full(50, 1.0), np.full(150, np.nan), np.full(50, 3.0)], 100,
                tama_window_s=1.0, step_s=0.5, min_voiced_s=0.2)
    np.testing.assert_allclose(t, np.arange(0, 2.5, 0.5))
    np.testing.assert_array_equal(m, [1.0, 1.0, np.nan, np.nan, 3.0])
    time = np.arange(0.0, 300.0, 1.0)
    out = convergence(time, np.full(300, 10.0), 10 + 6 - time / 60)  # 6 apart, -1 per min
    assert out["convergence_slope_per_min"] == pytest.approx(-1.0)
    assert out["convergence_p_value"] < 1e-10 and out["both_present_share"] == 1.0


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="'feature'"):
        prosodic_synchrony(np.ones(100), np.ones(100), 10, feature="pitch")
    with pytest.raises(ValueError, match="F0 must be > 0"):
        prosodic_synchrony(np.zeros(3000), np.ones(3000), 10)
