"""Episodes from a synchrony series: segmentation, table, typing, summaries, errors.

References: constructed scores and sessions whose states are known by construction, and
the simulator's ground truth (still-face phases with zero coupling; the intrusive style's
caregiver-led coupling, k_12 = 0.85 against k_21 = 0.15).
"""

import numpy as np
import pandas as pd
import pytest

from attunement import Session, detect_episodes, simulate_dyad
from attunement.episodes import (
    channel_roles,
    segment_states,
    synchrony_series,
    type_ruptures,
)
from attunement.episodes.segment import merge_short_runs
from attunement.episodes.table import EPISODE_COLUMNS, episode_table

RNG = np.random.default_rng(7)


def _blocks(*parts):
    """A score made of (mean, n_windows) blocks with unit noise."""
    return np.concatenate([RNG.normal(mu, 1.0, n) for mu, n in parts])


def test_segmentation_finds_a_drop_to_chance():
    score = _blocks((5, 120), (0, 40), (5, 120))
    fit = segment_states(score, 0.5)
    edges = np.flatnonzero(np.diff(fit.attuned.astype(int))) + 1
    assert len(edges) == 2 and abs(edges[0] - 120) <= 4 and abs(edges[1] - 160) <= 4
    assert fit.emissions["rupture_mean"] < 1 < fit.emissions["attuned_mean"]
    assert fit.emissions["rupture_mean"] < fit.threshold < fit.emissions["attuned_mean"]


def test_steady_synchrony_is_never_split():
    fit = segment_states(_blocks((3, 1200)), 0.5)
    assert fit.attuned.all()


def test_chance_level_throughout_is_never_attuned():
    fit = segment_states(_blocks((0, 1200)), 0.5)
    assert not fit.attuned.any()


def test_missing_windows_carry_the_state():
    score = _blocks((5, 100), (0, 40), (5, 100))
    score[20:30] = np.nan
    fit = segment_states(score, 0.5)
    assert fit.attuned[20:30].all() and not fit.attuned[110:130].any()


def test_short_runs_are_merged():
    states = np.array([1, 1, 1, 0, 1, 1, 1, 1, 0, 0, 0, 0], bool)
    assert merge_short_runs(states, 3).tolist() == [True] * 8 + [False] * 4


def test_episode_table_marks_repairs_and_long_breakdowns():
    state = np.r_[np.ones(10), np.zeros(20), np.ones(10), np.zeros(5)].astype(int)
    phases = pd.DataFrame({"onset_s": [0.0, 15.0], "duration_s": [15.0, 30.0],
                           "label": ["play", "reunion"]})
    tab = episode_table(np.arange(45.0), state, 1.0, session="s", long_unrepaired_s=15,
                        centred=False, phases=phases)
    assert list(tab.columns) == EPISODE_COLUMNS
    assert tab.kind.tolist() == ["attuned", "rupture", "attuned", "rupture"]
    first, last = tab.iloc[1], tab.iloc[3]
    # repaired and long unrepaired are exclusive: a 20 s rupture that is repaired is not
    # long unrepaired; the 5 s one cut by the end is neither
    assert bool(first.repaired) and first.repair_latency_s == 20
    assert not bool(first.long_unrepaired)
    assert not bool(last.repaired) and np.isnan(last.repair_latency_s)
    assert not bool(last.long_unrepaired)
    # by midpoint: the rupture 10-30 s lies mostly in the reunion
    assert tab.phase.tolist() == ["play", "reunion", "reunion", "reunion"]
    assert tab.repaired.isna().tolist() == [True, False, True, False]


def test_a_start_out_of_step_is_not_yet_attuned_and_never_a_rupture():
    """Definition (Tronick 1989): a rupture is the loss of an attuned state."""
    state = np.r_[-np.ones(5), np.zeros(25), np.ones(10), np.zeros(20), -np.ones(5),
                  np.zeros(10), np.ones(10)].astype(int)
    tab = episode_table(np.arange(85.0), state, 1.0, session="s", long_unrepaired_s=15,
                        centred=False)
    # the start (after a gap too) is not yet attuned; once attuned, a loss is a rupture,
    # also when it continues across a gap
    assert tab.kind.tolist() == ["not_yet_attuned", "attuned", "rupture", "rupture",
                                 "attuned"]
    lost = tab.iloc[2]  # lost at 40 s, not restored before the gap: long unrepaired
    assert not bool(lost.repaired) and bool(lost.long_unrepaired)
    assert bool(tab.iloc[3].repaired) and tab.iloc[3].repair_latency_s == 10
    assert tab.repaired.isna().tolist() == [True, True, False, False, True]


def test_episode_kinds_on_the_first_rmea_like_case():
    """A score that starts at chance and becomes attuned only late (the 101_01 pattern):
    no rupture at all."""
    score = _blocks((0, 400), (5, 200))
    times = 3.0 + 0.5 * np.arange(score.size)
    res = detect_episodes((times, score))
    assert res.ruptures.empty
    assert res.episodes.kind.tolist() == ["not_yet_attuned", "attuned"]
    assert res.summary()["n_ruptures"] == 0


def test_detect_from_a_score_series():
    score = _blocks((5, 120), (0, 40), (5, 120))
    times = 3.0 + 0.5 * np.arange(score.size)
    res = detect_episodes((times, score), long_unrepaired_s=10)
    rupture = res.ruptures.iloc[0]
    assert len(res.ruptures) == 1 and abs(rupture.onset_s - 62.75) <= 2
    assert bool(rupture.repaired) and not bool(rupture.long_unrepaired)
    assert pd.isna(rupture.repair_initiator)  # who moved needs the session's signals
    assert list(res.states.columns) == ["time_s", "attuned", "missing", "value", "threshold",
                                        "p_attuned", "run_p_value", "phase"]


def test_same_seed_same_result_other_seed_other_null():
    sim = simulate_dyad("sensitive", duration_s=120, sampling_rate=10, seed=2)
    a = detect_episodes(sim.session, channel="movement", seed=5)
    b = detect_episodes(sim.session, channel="movement", seed=5)
    c = detect_episodes(sim.session, channel="movement", seed=6)
    pd.testing.assert_frame_equal(a.states, b.states)
    assert not np.allclose(a.states.value, c.states.value)


def test_still_face_drops_attunement_and_reunion_recovers():
    """Truth: the still-face sets both couplings to zero (simulate_dyad)."""
    sim = simulate_dyad("sensitive", procedure="still-face", phase_s=(90, 60, 90),
                        sampling_rate=10, seed=4)
    res = detect_episodes(sim.session, channel=["movement", "hr_bpm"])
    table = res.summary_frame().set_index("phase")
    assert list(table.index) == ["all", "play", "still-face", "reunion"]
    assert table.loc["still-face", "matched_proportion"] < 0.3
    assert table.loc["all", "still_face_effect"] < -0.5
    assert table.loc["all", "reunion_effect"] > table.loc["all", "still_face_effect"]
    assert table.loc["all", "still_face_effect_synchrony"] < 0
    assert np.isfinite(table.loc["all", "still_face_slope_per_min"])
    assert table.loc["play", "window_s"] == 4.0  # parameters travel with every row
    assert "still-face" in set(res.episodes.phase)


def test_still_face_rupture_is_a_repaired_rupture_initiated_by_the_caregiver():
    """Truth: the still-face sets both couplings to zero and the caregiver's expression flat
    (simulate_dyad); the caregiver's return ends it. The rule: whoever moves first."""
    who = []
    for seed in range(4):
        sim = simulate_dyad("sensitive", procedure="still-face", phase_s=(120, 90, 120),
                            sampling_rate=10, seed=seed)
        res = detect_episodes(sim.session)
        still = res.ruptures[res.ruptures.phase == "still-face"]
        assert len(still) == 1
        row = still.iloc[0]
        assert abs(row.onset_s - 120) <= 5 and abs(row.offset_s - 210) <= 5
        assert bool(row.repaired) and not bool(row.long_unrepaired)
        who.append(row.repair_initiator)
    assert who == ["caregiver"] * 4


def test_initiator_is_whoever_moves_first():
    """Constructed signals: the partner whose signal departs first from its rupture course
    towards the other's."""
    from attunement.episodes.table import initiators

    t = np.arange(0.0, 100.0, 0.1)
    eps = pd.DataFrame({"kind": ["rupture", "rupture", "attuned"],
                        "onset_s": [10.0, 10.0, 0.0], "offset_s": [60.0, 60.0, 10.0],
                        "repaired": [True, False, pd.NA]})
    rng = np.random.default_rng(1)

    def noisy(level):
        return level + rng.normal(0, 0.1, t.size)

    a_moves = noisy(np.where(t < 59, 0.0, 1.0))  # from 0 towards b's 2
    b_still = noisy(np.full(t.size, 2.0))
    assert initiators(eps, t, a_moves, b_still, ("a", "b"), 4.0) == ["a", None, None]
    b_moves = noisy(np.where(t < 59, 2.0, 1.0))  # from 2 towards a's 0
    a_still = noisy(np.zeros(t.size))
    assert initiators(eps, t, a_still, b_moves, ("a", "b"), 4.0) == ["b", None, None]
    # a moves first but away from b (0 -> -1); b then moves towards a: b initiates
    a_away = noisy(np.where(t < 59, 0.0, -1.0))
    b_later = noisy(np.where(t < 61, 2.0, 1.0))
    assert initiators(eps, t, a_away, b_later, ("a", "b"), 4.0)[0] == "b"
    flat = rng.normal(0, 0.1, t.size)
    assert initiators(eps, t, flat, flat.copy(), ("a", "b"), 4.0)[0] == "unclear"


def test_rupture_typing_from_channel_roles():
    t = np.arange(0.0, 120.0, 0.5)
    wave = np.sin(t)
    move_1 = np.where((t >= 20) & (t < 40), 0.1, 1.0) + 0.1 * wave
    neg_2 = np.where((t >= 80) & (t < 100), 1.0, 0.0) + 0.1 * np.cos(t)
    session = Session.from_arrays(np.c_[move_1, 0.1 * wave], np.c_[np.ones_like(t) + wave,
                                  neg_2], 2, channel=["movement", "negative_affect"])
    eps = pd.DataFrame({"onset_s": [0.0, 20.0, 80.0], "offset_s": [20.0, 40.0, 100.0],
                        "kind": ["attuned", "rupture", "rupture"]})
    types = type_ruptures(session, eps)
    assert types.rupture_type.tolist() == [pd.NA, "withdrawal-like", "confrontation-like"]
    assert types.withdrawal_score[1] > 1 and types.confrontation_score[2] > 1
    swapped = type_ruptures(session, eps, roles={"movement": "arousal"})
    assert swapped.rupture_type[1] == "unclassified"


def test_channel_roles_by_name_and_errors():
    assert channel_roles(["motion", "smile", "eda_us", "gaze"]) == {
        "motion": "activity", "smile": "positive", "eda_us": "arousal"}
    with pytest.raises(ValueError, match=r"channel_roles\['motion'\].*Allowed values"):
        channel_roles(["motion"], {"motion": "anger"})
    with pytest.raises(ValueError, match="channel 'face' is not in the session"):
        channel_roles(["motion"], {"face": "positive"})


def test_summary_for_the_report():
    sim = simulate_dyad("intrusive", duration_s=300, sampling_rate=10, seed=3)
    res = detect_episodes(sim.session, channel="movement")
    summary = res.summary()
    assert "session" not in summary and 0 < summary["matched_proportion"] < 1
    assert summary["n_ruptures"] == len(res.ruptures)
    assert summary["longest_unrepaired_s"] == res.ruptures.duration_s.max()
    pd.testing.assert_frame_equal(res.to_frame(), res.episodes)
    frame = res.summary_frame()
    assert frame.session.tolist() == [sim.session.id] and frame.channels[0] == "movement"


def test_missing_samples_are_counted():
    sim = simulate_dyad("sensitive", duration_s=120, sampling_rate=10, seed=1)
    signals = sim.session.signals.copy()
    signals.iloc[300:500] = np.nan
    res = detect_episodes(sim.session.replace(signals=signals), channel="movement")
    assert res.states.missing.any() and res.summary()["missing_fraction"] > 0.05


def test_bad_input_messages():
    sim = simulate_dyad("sensitive", duration_s=60, sampling_rate=10, seed=1)
    with pytest.raises(ValueError, match="channel 'smile' is not recorded for both"):
        detect_episodes(sim.session, channel="smile")
    with pytest.raises(ValueError, match="'data': expected a Session, a SynchronySeries"):
        detect_episodes([1, 2, 3])
    with pytest.raises(ValueError, match="times_s must increase in equal steps"):
        detect_episodes((np.array([0, 1, 3.0]), np.zeros(3)))
    with pytest.raises(ValueError, match="same length >= 2"):
        detect_episodes((np.arange(3.0), np.zeros(4)))
    with pytest.raises(ValueError, match="'long_unrepaired_s': expected a finite number > 0"):
        detect_episodes(sim.session, channel="movement", long_unrepaired_s=0)
    with pytest.raises(ValueError, match="'n_gate_surrogates': expected an integer >= 2, got 1"):
        synchrony_series(np.zeros(600), np.zeros(600), 10, n_gate_surrogates=1)
    with pytest.raises(ValueError, match="'x1' has 600 samples and 'x2' has 500"):
        synchrony_series(np.zeros(600), np.zeros(500), 10)
    with pytest.raises(ValueError, match="'score': expected a 1-D series with at least one"):
        segment_states(np.full(10, np.nan), 0.5)
