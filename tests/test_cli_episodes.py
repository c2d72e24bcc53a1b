"""``attune episodes``: tables written for sessions, MEA text and coded states; user errors.

Reference for the ruptures found: the simulator's truth table written beside the session.
"""

import numpy as np
import pandas as pd
from typer.testing import CliRunner

from attunement import simulate_dyad
from attunement.cli import app
from attunement.episodes.table import EPISODE_COLUMNS

runner = CliRunner()


def test_simulated_session_and_mea_text(tmp_path):
    data = tmp_path / "in"
    sim = simulate_dyad("intrusive", duration_s=300, sampling_rate=10, seed=3, id="dyad")
    sim.write(data / "dyad.parquet")
    x1, x2 = sim.session.pair("movement")
    np.savetxt(data / "mea.txt", np.c_[x1, x2], fmt="%.5f")  # two-column MEA-style text
    out = tmp_path / "out"
    args = ["episodes", str(data), "--sampling-rate", "10",
            "--out", str(out)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir() if p.name != ".attune-outputs") == [
        "episode_summary.csv", "episodes.csv", "states_dyad.parquet", "states_mea.parquet"]
    eps = pd.read_csv(out / "episodes.csv")
    assert list(eps.columns) == EPISODE_COLUMNS and set(eps.session) == {"dyad", "mea"}
    truth = sim.episodes.query("kind == 'rupture'").onset_s.to_numpy()
    # onsets within the window's blur, (window 4 s + largest lag 2 s) / 2 = 3 s either side
    # (synchrony_series), for four channels and for the MEA text's movement alone; with 99
    # surrogates the onsets no longer depend on the draw (seeds 0-5 all within 3 s)
    for sid in ("dyad", "mea"):
        found = eps[(eps.session == sid) & (eps.kind == "rupture")].onset_s.to_numpy()
        assert np.abs(found[:, None] - truth[None, :]).min(axis=0).max() <= 3
    summary = pd.read_csv(out / "episode_summary.csv")
    assert summary.phase.tolist() == ["all", "all"] and (summary.window_s == 4).all()
    states = pd.read_parquet(out / "states_dyad.parquet")
    assert {"time_s", "attuned", "value", "threshold"} <= set(states.columns)


def test_coded_states_and_json(tmp_path):
    f = tmp_path / "dyad.csv"
    f.write_text("t,parent,teen\n0,Humor,Humor\n1,Neutral,Humor\n2,Humor,Humor\n")
    result = runner.invoke(app, ["episodes", str(f), "--codes", "--json",
                                 "--out", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    assert '"matched_proportion": 0.666' in result.stdout
    eps = pd.read_csv(tmp_path / "o" / "episodes.csv")
    assert eps.kind.tolist() == ["attuned", "rupture", "attuned"]
    assert eps.repair_initiator.tolist()[1] == "parent"


def test_user_errors(tmp_path):
    (tmp_path / "a.txt").write_text("1 2\n3 4\n")
    out = tmp_path / "out"
    result = runner.invoke(app, ["episodes", str(tmp_path / "a.txt"), "--out", str(out)])
    assert result.exit_code == 1 and "give 'sampling_rate' (--sampling-rate)" in result.stderr
    out.mkdir()
    (out / "keep.csv").write_text("x\n")
    result = runner.invoke(app, ["episodes", str(tmp_path / "a.txt"), "--sampling-rate", "10",
                                 "--out", str(out)])
    assert result.exit_code == 1 and "use 'force' (--force)" in result.stderr
    result = runner.invoke(app, ["episodes", str(tmp_path / "a.txt"), "--sampling-rate", "10",
                                 "--out", str(tmp_path / "o2")])
    # Two samples: not a failure but an empty summary row with its reason (issue 19).
    assert result.exit_code == 0 and "session 'a': too few samples (2 at 10 Hz" in (
        " ".join(result.stderr.split()))
    assert pd.read_csv(tmp_path / "o2" / "episode_summary.csv").reason.str.startswith(
        "too few samples").all()
    (tmp_path / "b.txt").write_text("1 2\n3 4\n")
    result = runner.invoke(app, ["episodes", str(tmp_path / "b.txt"), "--sampling-rate", "10",
                                 "--channel", "nope", "--out", str(tmp_path / "o3")])
    assert result.exit_code == 1 and "b: " in result.stderr and "1 session(s) failed" in (
        result.stderr)


def test_paradigm_sets_the_time_scale_and_is_recorded(tmp_path):
    """Reference: the presets' documented values (attunement.episodes.PARADIGMS)."""
    data = tmp_path / "in"
    sim = simulate_dyad("sensitive", duration_s=400, sampling_rate=5, seed=2, id="dyad")
    sim.write(data / "dyad.parquet")
    out = tmp_path / "out"
    result = runner.invoke(app, ["episodes", str(data), "--paradigm", "psychotherapy-movement",
                                 "--channel", "movement", "--out", str(out)])
    assert result.exit_code == 0, result.output
    row = pd.read_csv(out / "episode_summary.csv").iloc[0]
    assert row.paradigm == "psychotherapy-movement"
    assert (row.window_s, row.max_lag_s, row.step_s, row.long_unrepaired_s) == (30, 5, 5, 60)
    assert {"detectable", "detectability", "session_p_value"} <= set(row.index)
    said = " ".join(result.stderr.split())
    assert "time scale: psychotherapy-movement (chosen with --paradigm)" in said
    # a session whose episodes are not meaningful is said so on the terminal, not only in
    # the summary (400 s of one channel at coupling 0.5 is not detectable on this scale)
    assert not row.detectable
    assert f"session 'dyad': episodes are not meaningful here: {row.detectability}" in said
    result = runner.invoke(app, ["episodes", str(data), "--paradigm", "psychotherapy-movement",
                                 "--window", "40", "--channel", "movement",
                                 "--out", str(tmp_path / "o2")])
    assert pd.read_csv(tmp_path / "o2" / "episode_summary.csv").window_s[0] == 40


def test_unknown_paradigm_is_a_user_error(tmp_path):
    result = runner.invoke(app, ["episodes", str(tmp_path), "--paradigm", "adult-chat",
                                 "--out", str(tmp_path / "o")])
    assert result.exit_code == 1
    assert ("'paradigm' (--paradigm): expected one of infant-face-to-face, "
            "psychotherapy-movement") in result.stderr
