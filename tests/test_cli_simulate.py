"""``attune simulate``: files written, read back, never overwritten without --force."""

import json

import pandas as pd
from typer.testing import CliRunner

import attunement as att
from attunement.cli import app

runner = CliRunner()
SHORT = ["--duration", "60", "--sampling-rate", "15", "--seed", "1"]


def test_issue_example_writes_session_and_truth(tmp_path):
    out = tmp_path / "dyad.parquet"
    args = ["simulate", "--style", "sensitive", "--duration", "600", "--procedure", "still-face"]
    result = runner.invoke(app, [*args, "--seed", "1", "--out", str(out)])
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [
        "dyad.parquet",
        "dyad.phases.csv",
        "dyad.truth_coupling.csv",
        "dyad.truth_episodes.csv",
    ]
    (session,) = att.read(tmp_path)
    assert session.id == "dyad" and session.duration_s == 600 and session.sampling_rate == 30
    assert session.phases.label.tolist() == ["play", "still-face", "reunion"]
    assert session.meta["style"] == "sensitive" and session.meta["seed"] == 1
    coupling = pd.read_csv(tmp_path / "dyad.truth_coupling.csv")
    assert list(coupling.columns) == ["time_s", "k_12", "k_21", "attuned"]
    assert len(coupling) == session.n_samples
    episodes = pd.read_csv(tmp_path / "dyad.truth_episodes.csv")
    assert "still-face" in set(episodes.kind)
    assert "wrote" in result.stderr


def test_same_seed_same_file(tmp_path):
    for name in ("a", "b"):
        result = runner.invoke(
            app, ["simulate", *SHORT, "--out", str(tmp_path / f"{name}.parquet")]
        )
        assert result.exit_code == 0, result.output
    a, b = att.read([tmp_path / "a.parquet", tmp_path / "b.parquet"])
    pd.testing.assert_frame_equal(a.signals, b.signals)


def test_refuses_to_overwrite_without_force(tmp_path):
    out = str(tmp_path / "d.parquet")
    assert runner.invoke(app, ["simulate", *SHORT, "--out", out]).exit_code == 0
    result = runner.invoke(app, ["simulate", *SHORT, "--out", out])
    assert result.exit_code == 1 and "already exists; use 'force' (--force)" in result.stderr
    assert runner.invoke(app, ["simulate", *SHORT, "--out", out, "--force"]).exit_code == 0


def test_json_summary(tmp_path):
    out = str(tmp_path / "w.parquet")
    result = runner.invoke(
        app, ["simulate", "--style", "withdrawn", *SHORT, "--out", out, "--json"]
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["style"] == "withdrawn" and summary["seed"] == 1
    assert summary["files"]["session"] == out
    assert pd.read_csv(summary["files"]["phases"]).empty  # free play: header only


def test_force_leaves_no_stale_phases(tmp_path):
    out = ["--out", str(tmp_path / "s.parquet"), "--sampling-rate", "15", "--seed", "2"]
    assert runner.invoke(app, ["simulate", "--procedure", "still-face", *out]).exit_code == 0
    assert runner.invoke(app, ["simulate", "--duration", "60", "--force", *out]).exit_code == 0
    (session,) = att.read(tmp_path)
    assert session.phases.empty and session.duration_s == 60


def test_user_errors_exit_1(tmp_path):
    out = ["--out", str(tmp_path / "x.parquet")]
    result = runner.invoke(app, ["simulate", "--style", "calm", *out])
    assert result.exit_code == 1 and "'sensitive', 'intrusive'" in result.stderr
    result = runner.invoke(
        app, ["simulate", "--procedure", "still-face", "--phase-lengths", "1,a", *out]
    )
    assert result.exit_code == 1 and "--phase-lengths: expected comma-separated" in result.stderr
    result = runner.invoke(app, ["simulate", *SHORT, "--out", str(tmp_path / "x.csv")])
    assert result.exit_code == 1 and "expected a .parquet file name" in result.stderr
    assert not any(tmp_path.iterdir())


def test_phase_lengths_set_duration(tmp_path):
    out = tmp_path / "p.parquet"
    args = ["simulate", "--procedure", "still-face", "--phase-lengths", "30,20,30"]
    result = runner.invoke(app, [*args, "--sampling-rate", "15", "--out", str(out)])
    assert result.exit_code == 0, result.output
    phases = pd.read_csv(tmp_path / "p.phases.csv")
    assert phases.duration_s.tolist() == [30, 20, 30] and phases.onset_s.tolist() == [0, 30, 50]
