"""Vocal states, rhythm and their coordination (Jaffe & Feldstein 1970; Jaffe et al. 2001).

References: the planted turns, pauses, switching pauses and overlap of the espeak-ng
conversation (tests/voices.py; the truth is where the synthesizer's waveform is not
silent), and hand-built voice series whose states follow from the definitions.
"""

from __future__ import annotations

import numpy as np
import pytest
from voices import dialogue, needs_espeak

from attunement.stats import surrogate_test
from attunement.sync.vocal_rhythm import (
    vocal_coordination,
    vocal_coordination_summary,
    vocal_rhythm,
)
from attunement.sync.vocal_states import STATES, code_vocal_states, vocal_states


def planted_gaps(truth):
    """From the planted utterances in time order: each silence or overlap between two
    consecutive ones, as the state it must be coded as, for whom, and its span."""
    rows = truth.sort_values("onset_s").to_dict("records")
    out = []
    for prev, nxt in zip(rows, rows[1:]):
        if nxt["onset_s"] < prev["offset_s"]:
            out.append(("simultaneous_speech", nxt["partner"], nxt["onset_s"], prev["offset_s"]))
        else:
            state = "pause" if prev["partner"] == nxt["partner"] else "switching_pause"
            out.append((state, prev["partner"], prev["offset_s"], nxt["onset_s"]))
    return out


@needs_espeak
@pytest.mark.parametrize("base_s, tol", [(None, 0.06), (0.25, 0.3)])
def test_planted_switching_pauses_pauses_and_overlap(talk, talk_session, base_s, tol):
    _, _, truth = talk
    s = talk_session
    st = vocal_states(s) if base_s is None else code_vocal_states(s, base_s=base_s)
    ev = st.events
    for state, who, onset, offset in planted_gaps(truth):
        mine = ev[(ev.state == state) & (ev.partner == s.partners[who])]
        near = mine[(mine.onset_s - onset).abs() <= tol]
        assert len(near) == 1, (state, who, onset, mine)
        assert abs(near.offset_s.iloc[0] - offset) <= tol, (state, who, offset)
    # nothing else: every switching pause was planted, pauses > 0.2 s too
    sp = ev[ev.state == "switching_pause"]
    assert len(sp) == sum(g[0] == "switching_pause" for g in planted_gaps(truth))
    assert (ev[ev.state == "pause"].duration_s > 0.2).sum() == 1
    rhythm = vocal_rhythm(st)
    n_sp = rhythm.set_index(["partner", "state"]).loc[:, "n"]
    assert n_sp[("mother", "switching_pause")] == 2 and n_sp[("father", "switching_pause")] == 3


def test_states_follow_the_definitions():
    """A takes the floor, pauses, B interjects (simultaneous speech), A goes on, falls
    silent, B takes the turn (A's switching pause), both silent to the end (not coded)."""
    rate = 10
    a = np.zeros(100)
    b = np.zeros(100)
    a[0:20] = 1      # A alone: A's turn, vocalization
    a[30:50] = 1     # 20-30 silence, A speaks next: A's pause
    b[40:45] = 1     # B during A's vocalization: B's simultaneous speech
    b[60:80] = 1     # 50-60 silence then B alone: A's switching pause, B's turn
    st = vocal_states(a, b, rate)
    got = {(r.partner, r.state, r.onset_s, r.offset_s) for r in st.events.itertuples()}
    assert got == {
        (1, "vocalization", 0.0, 2.0), (1, "pause", 2.0, 3.0), (1, "vocalization", 3.0, 5.0),
        (1, "switching_pause", 5.0, 6.0), (1, "turn", 0.0, 6.0),
        (2, "simultaneous_speech", 4.0, 4.5), (2, "vocalization", 6.0, 8.0),
        (2, "turn", 6.0, 10.0),
    }
    series = st.series()
    assert set(series.vocal_state) <= {"none", *STATES}
    assert series.query("partner == 2 and time_s >= 8").vocal_state.eq("none").all()


def test_coded_series_is_on_a_quarter_second():
    v = np.tile(np.r_[np.ones(100), np.zeros(100)], 5)
    st = code_vocal_states(v, 1 - v, 100)
    assert st.sampling_rate == 4 and st.params["base_s"] == 0.25
    assert len(st.series()) == 2 * 40




def test_coordination_of_switching_pauses_against_surrogates():
    """Planted interactive contingency (partner 2 matches partner 1's switching pause) is
    found and beats circularly shifted partners; an uncoupled dialogue does not."""
    for coupled in (True, False):
        v1, v2 = dialogue(coupled)
        coord = vocal_coordination(vocal_states(v1, v2, 100)).table
        row = coord.query("state == 'switching_pause' and direction == '1to2'").iloc[0]
        test = surrogate_test(v1, v2, 100, measure=vocal_coordination_summary,
                              null="shift", n_surrogates=29, min_shift_s=10, seed=0)
        assert test.statistic == "vocal_interactive_switching_pause_2to1"
        observed, null = test.others["vocal_interactive_switching_pause_1to2"]
        p = (1 + np.sum(null >= observed)) / (1 + null.size)
        if coupled:
            assert row.coefficient > 0.8 and row.p_value < 1e-6
            assert p <= 0.05
        else:
            assert abs(row.coefficient) < 0.4 and p > 0.05


def test_bad_voice_values_are_named():
    with pytest.raises(ValueError, match="'x2'.*0 and 1"):
        vocal_states(np.ones(10), np.full(10, 0.5), 10)
    with pytest.raises(ValueError, match="'min_voiced'"):
        code_vocal_states(np.ones(100), np.zeros(100), 100, min_voiced=0)


def _simultaneous_s(x1, x2, rate):
    ev = vocal_states(x1, x2, rate).events
    return float(ev.loc[ev.state == "simultaneous_speech", "duration_s"].sum())


def test_real_mother_infant_vocal_codes_avoid_overlap(shared_dir):
    """Real data (SyncPy's ELAN export of a mother-infant interaction, 240.8 s: 71 maternal
    utterances, 16 infant vocalisations, coded by hand): the mother and infant talk over
    each other less than when the infant's vocalisations are circularly shifted
    (pseudo-dyads of the same two people), the turn-taking the states must show.
    Measured: 2.31 s of simultaneous speech; shifted median 4.6 s (5-95 %: 2.8-7.0 s)."""
    pd = pytest.importorskip("pandas")
    codes = pd.read_csv(shared_dir / "data" / "syncpy_samples" / "ELAN_2Persons.csv", sep=";",
                        header=None, usecols=[0, 2, 3], names=["tier", "onset_s", "offset_s"])
    rate, n = 100, 24080
    voice = {tier: np.zeros(n) for tier in ("Maman", "Bebe")}
    for row in codes[codes.tier.isin(voice)].itertuples():
        voice[row.tier][round(row.onset_s * rate):round(row.offset_s * rate)] = 1
    test = surrogate_test(voice["Maman"], voice["Bebe"], rate, measure=_simultaneous_s,
                          null="shift", n_surrogates=99, min_shift_s=5, alternative="less",
                          seed=0)
    assert test.observed == pytest.approx(2.31)
    assert test.p_value <= 0.05
    states = vocal_states(voice["Maman"], voice["Bebe"], rate)
    rhythm = vocal_rhythm(states).set_index(["partner", "state"])
    infant = codes[codes.tier == "Bebe"]
    spoken = rhythm.loc[(2, "vocalization"), "total_s"] + \
        rhythm.loc[(2, "simultaneous_speech"), "total_s"]
    assert spoken == pytest.approx((infant.offset_s - infant.onset_s).sum(), abs=0.01 * 16)


@needs_espeak
@pytest.mark.filterwarnings("error::RuntimeWarning")  # f0_hz's all-missing WCC windows
def test_analyze_runs_the_voice_measures_on_their_channels(talk_session, tmp_path):
    """attune's one pipeline on a Session from audio: vocal on voice, prosody on f0_hz,
    with their headline statistics tested against shift surrogates; the vocal events and
    markers as tables, and the vocal timeline in the report."""
    import attunement as att
    from attunement.report.session_report import write_session_report

    short = {"tama_window_s": 2, "step_s": 0.5, "window_s": 6, "max_lag_s": 2,
             "wcc_step_s": 2, "n_peak_surrogates": 9}  # the conversation lasts 12 s
    cfg = att.load_config(measures={"wcc": {}, "vocal": {}, "prosody": short},
                          surrogates={"n_surrogates": 9}, episodes={"enabled": False},
                          sync={"window_s": 6, "max_lag_s": 2, "step_s": 2},
                          peaks={"n_peak_surrogates": 9})
    analysis = att.analyze(talk_session, cfg)
    rows = analysis.summary_frame().set_index("channel")
    assert set(rows.index) == {"voice", "f0_hz", "intensity_db"}
    assert np.isfinite(rows.loc["voice", "vocal_switching_pause_mean_s_mother"])
    assert np.isnan(rows.loc["f0_hz"].filter(like="vocal_").astype(float)).all()
    assert "vocal_p_value" in rows.columns and "prosody_p_value" in rows.columns
    assert np.isnan(rows.loc["voice"].filter(like="prosody_").astype(float)).all()
    tables = analysis.tables()
    events = tables["vocal_events"]
    assert set(events.channel) == {"voice"} and (events.state == "switching_pause").sum() == 5
    assert {"onset_s", "marker", "session"} <= set(tables["vocal_markers"].columns)
    html = write_session_report(analysis, tmp_path / "report.html").read_text()
    assert "Vocal timeline for voice" in html


@needs_espeak
def test_attune_analyze_reads_a_wav(talk, tmp_path):
    """A two-channel WAV goes straight into attune analyze (read by extract_audio)."""
    import pandas as pd
    from typer.testing import CliRunner

    from attunement.cli import app

    folder, _, _ = talk
    config = tmp_path / "voice.toml"
    config.write_text('[read]\nchannels = ["voice"]\n[measures]\nwcc = {}\nvocal = {}\n'
                      "[sync]\nwindow_s = 6\nmax_lag_s = 2\nstep_s = 2\n[peaks]\n"
                      "n_peak_surrogates = 9\n[surrogates]\nn_surrogates = 9\n"
                      "[episodes]\nenabled = false\n")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["analyze", str(folder / "dyad.wav"), "--config",
                                      str(config), "--out", str(out)])
    assert result.exit_code == 0, result.output
    summary = pd.read_csv(out / "summary.csv")
    assert summary.channel.tolist() == ["voice"] and summary.session.tolist() == ["dyad"]
    assert {"vocal_interactive_max_abs", "vocal_p_value"} <= set(summary.columns)
    assert any(p.name.startswith("vocal_events") for p in out.iterdir())


def test_example_voice_settings_load():
    """examples/voice.toml (named in docs/voices.md) is a valid configuration."""
    from pathlib import Path

    import attunement as att

    cfg = att.load_config(Path(__file__).resolve().parents[1] / "examples" / "voice.toml")
    assert list(cfg.measures) == ["wcc", "vocal", "prosody"]
    assert cfg.measure_params("vocal") == {"base_s": 0.25}
