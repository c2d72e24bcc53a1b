"""Time-scale presets, the surrogate gate and the detectability verdict of the episode detector.

References: the presets' documented values (SCIENCE.md: 1 s coding base for infant affect;
rMEA windows of 30-60 s and lags of +-5 s); the simulator's truth (coupling per style:
sensitive 0.5, withdrawn 0.15; independent sessions have no coupling at all); the grid of
benchmarks/episodes_detectability.py (docs/episodes_detectability.png) for the thresholds.
"""

import dataclasses

import numpy as np
import pytest

from attunement import STYLES, Session, simulate_dyad
from attunement.config import load_config
from attunement.episodes import PARADIGMS, detect_episodes, gate_attuned, get_paradigm

CHANNELS = ["movement", "positive_affect", "negative_affect", "hr_bpm"]


def test_presets_match_their_sources_and_are_one_name_everywhere():
    infant, therapy = PARADIGMS["infant-face-to-face"], PARADIGMS["psychotherapy-movement"]
    assert infant.window_s == 4 and infant.step_s == 0.5 and infant.max_lag_s == 2
    assert 30 <= therapy.window_s <= 60 and therapy.max_lag_s == 5
    assert "Beebe" in infant.why and "Ramseyer" in therapy.why
    assert load_config(episodes={"paradigm": "psychotherapy-movement"}).episodes.paradigm == (
        "psychotherapy-movement")
    with pytest.raises(ValueError, match="episodes.paradigm: Input should be 'infant-face"):
        load_config(episodes={"paradigm": "adult-chat"})
    with pytest.raises(ValueError, match="'paradigm': expected one of infant-face-to-face"):
        get_paradigm("adult-chat")
    sim = simulate_dyad("sensitive", duration_s=200, sampling_rate=5, seed=1)
    res = detect_episodes(sim.session, channel="movement", paradigm="psychotherapy-movement",
                          step_s=10)
    assert res.params["paradigm"] == "psychotherapy-movement"
    assert (res.params["window_s"], res.params["step_s"]) == (30, 10)
    assert res.params["long_unrepaired_s"] == 60


def test_unrelated_partners_are_not_attuned():
    """Partner 1 of one simulated dyad with partner 2 of another: no coupling at all."""
    shares = []
    for seed in (5, 6, 7):
        a = simulate_dyad("sensitive", duration_s=300, sampling_rate=10, seed=seed).session
        b = simulate_dyad("sensitive", duration_s=300, sampling_rate=10, seed=seed + 50).session
        x1 = np.column_stack([a.signal("caregiver", c) for c in CHANNELS])
        x2 = np.column_stack([b.signal("infant", c) for c in CHANNELS])
        pair = Session.from_arrays(x1, x2, 10, partners=("caregiver", "infant"),
                                   channel=CHANNELS)
        res = detect_episodes(pair)
        shares.append(res.summary()["matched_proportion"])
        assert res.ruptures.empty and not res.params["detectable"]
    assert max(shares) <= 0.05


def test_gate_needs_enough_surrogates():
    with pytest.raises(ValueError, match="'n_gate_surrogates': the gate at alpha = 0.01 needs at "
                                         "least 99 surrogates, got 19"):
        gate_attuned(np.ones(5, bool), np.ones(5), np.zeros((19, 5)), lambda s: s > 0,
                     step_s=1, evidence_s=1, alpha=0.01)
    with pytest.raises(ValueError, match="'alpha': expected a number in"):
        gate_attuned(np.ones(5, bool), np.ones(5), np.zeros((19, 5)), lambda s: s > 0,
                     step_s=1, evidence_s=1, alpha=1.5)


def test_gate_tests_the_session_before_its_stretches():
    """Gatekeeping (fixed-sequence test; reference: the construction). One stretch far above
    every surrogate's largest run, in a session whose mean is below every surrogate's mean:
    the stretch alone would pass, the session does not, so nothing is attuned; the same
    stretch in a session above its surrogates is kept, and each run's p-value is the larger
    of the session's and the run's."""
    rng = np.random.default_rng(0)
    null = rng.normal(0, 1, (99, 400))
    low = np.r_[np.full(360, -1.0), np.full(40, 5.0)]  # mean -0.4: below the null
    decode = lambda s: s > 2.5  # noqa: E731
    kept, p, null_max, session_p = gate_attuned(decode(low), low, null, decode, step_s=1,
                                                evidence_s=1)
    run_stat = 5.0 * np.sqrt(40)
    assert run_stat > null_max.max()  # the stretch beats all 99 surrogates' largest runs
    assert np.mean(low) < min(row.mean() for row in null) and session_p == 1.0
    assert not kept.any() and np.all(p[360:] == 1.0) and np.isnan(p[:360]).all()
    high = np.r_[np.full(360, 0.5), np.full(40, 5.0)]
    kept, p, _, session_p = gate_attuned(decode(high), high, null, decode, step_s=1,
                                         evidence_s=1)
    assert session_p == 0.01 and kept[360:].all() and not kept[:360].any()
    assert np.all(p[360:] == 0.01)


def test_weak_coupling_and_short_sessions_are_flagged_not_drawn():
    """Withdrawn coupling (0.15): precision and recall 0-0.5 on the grid -> not meaningful;
    sensitive coupling (0.5) over 10 min -> meaningful; 60 s < two 45 s cycles -> too short."""
    weak = simulate_dyad("withdrawn", duration_s=600, sampling_rate=10, seed=11)
    res = detect_episodes(weak.session, channel=CHANNELS)
    assert not res.params["detectable"]
    assert res.params["detectability"].startswith("too weakly coupled")
    good = simulate_dyad("sensitive", duration_s=600, sampling_rate=10, seed=11)
    res = detect_episodes(good.session, channel=CHANNELS)
    assert res.params["detectable"] and res.params["separation"] >= 4
    steady = dataclasses.replace(STYLES["sensitive"], attuned_s=1e6, min_gap_s=1e5)
    short = simulate_dyad(steady, duration_s=60, sampling_rate=10, seed=11)
    res = detect_episodes(short.session, channel=CHANNELS)
    assert not res.params["detectable"] and "too short" in res.params["detectability"]
    assert res.summary_frame().detectable.tolist() == [False]



def test_report_says_which_time_scale_and_whether_chosen():
    """The report's time-scale line names the preset, whether it was chosen or the default,
    and the windows actually used (overrides included). Reference: the parameters given."""
    from attunement.config import load_config
    from attunement.report.session_report import time_scale_note

    chosen = load_config(episodes={"paradigm": "psychotherapy-movement"}).episodes
    note = time_scale_note(chosen, dict(window_s=30.0, step_s=5.0, max_lag_s=5.0))
    assert note.startswith("chosen") and "30 s windows moved by 5 s, lags to 5 s" in note
    note = time_scale_note(load_config().episodes, dict(window_s=6.0, step_s=1.0, max_lag_s=2.0))
    assert note.startswith("the default") and "6 s windows moved by 1 s, lags to 2 s" in note
