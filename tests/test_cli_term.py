"""Progress on the terminal (issue 18.5): a bar per session and a line per step by default,
nothing with -q, the library's log lines with -v. Driven with Typer's CliRunner; the
bar is drawn only on a terminal, so the terminal helper's console is swapped for one
that is (reference: the step names the pipeline announces, attunement.analysis)."""

from __future__ import annotations

import io

import numpy as np
import pytest
from rich.console import Console
from typer.testing import CliRunner

import attunement
import attunement.cli._term as term
from attunement.cli import app


@pytest.fixture(scope="module")
def dyad(tmp_path_factory):
    """A simulated minute at 10 Hz, as a file."""
    path = tmp_path_factory.mktemp("sim") / "dyad.parquet"
    attunement.simulate_dyad(duration_s=60, sampling_rate=10, seed=4, id="dyad").write(path)
    return path


def _run(monkeypatch, dyad, out, *flags) -> str:
    screen = io.StringIO()
    monkeypatch.setattr(term, "stderr", Console(file=screen, force_terminal=True, width=100))
    result = CliRunner().invoke(app, [
        *flags, "sync", str(dyad), "--channel", "movement", "--window", "20", "--lag", "2",
        "--step", "10", "--n-surrogates", "3", "--measure", "wcc,phase", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return screen.getvalue()


STEPS = ["read 1 input(s)", "dyad: preprocess", "dyad [movement]: wcc",
         "dyad [movement]: wcc against 3 surrogates (shift)", "dyad [movement]: phase",
         "dyad [movement]: phase against 3 surrogates (shift)"]


def test_bar_and_step_lines_by_default(monkeypatch, dyad, tmp_path):
    screen = _run(monkeypatch, dyad, tmp_path)
    assert "analysing dyad" in screen and "━" in screen  # the session bar
    for line in STEPS:
        assert line in screen, line
    assert "info: attunement:" not in screen


def test_quiet_silences_bar_and_lines(monkeypatch, dyad, tmp_path):
    screen = _run(monkeypatch, dyad, tmp_path, "-q")
    assert screen == ""


def test_verbose_adds_log_lines(monkeypatch, dyad, tmp_path):
    screen = _run(monkeypatch, dyad, tmp_path, "-v")
    assert "info: attunement: session dyad: 600 sample(s) at 10 Hz" in screen
    assert all(line in screen for line in STEPS)


PROJECT = """[project]
name = "tiny"
[sessions]
paths = ["data/*.txt"]
[analysis.read]
sampling_rate = 25
[analysis.sync]
window_s = 30
max_lag_s = 3
step_s = 10
[analysis.surrogates]
n_surrogates = 0
[analysis.episodes]
enabled = false
"""


def test_batch_shows_a_bar_and_a_line_per_session(monkeypatch, tmp_path, data_dir):
    """Workers run in other processes: the batch says each session's outcome."""
    (tmp_path / "data").mkdir()
    lines = (data_dir / "applied_project_mea" / "MEA_video101.txt").read_text().splitlines()
    (tmp_path / "data" / "s0.txt").write_text("\n".join(lines[:2500]) + "\n")
    (tmp_path / "project.toml").write_text(PROJECT)

    def batch(*flags):
        screen = io.StringIO()
        monkeypatch.setattr(term, "stderr", Console(file=screen, force_terminal=True,
                                                    width=100))
        result = CliRunner().invoke(app, [*flags, "batch", str(tmp_path / "project.toml"),
                                          "--out", str(tmp_path / "store"), "--workers", "1"])
        assert result.exit_code == 0, result.output
        return screen.getvalue()

    first = batch()
    assert "tiny: 1 session(s)" in first and "s0: analysed" in first and "done 1" in first
    assert batch("-q") == ""  # the rerun skips the unchanged session, silently


def _screen(monkeypatch, *args) -> str:
    """Run ``attune *args`` with the terminal helper on a terminal; what it drew."""
    screen = io.StringIO()
    monkeypatch.setattr(term, "stderr", Console(file=screen, force_terminal=True, width=100))
    result = CliRunner().invoke(app, list(map(str, args)))
    assert result.exit_code == 0, screen.getvalue()
    return screen.getvalue()


def test_episodes_shows_step_lines_and_quiet_silences(monkeypatch, dyad, tmp_path):
    """Reference: the steps detect_episodes announces (a channel's synchrony, the states)."""
    def run(name, *flags):
        return _screen(monkeypatch, *flags, "episodes", dyad, "--channel", "movement",
                       "--n-gate-surrogates", "19", "--out", tmp_path / name)

    screen = run("a")
    assert "dyad [movement]: synchrony against 19 surrogates (shift)" in screen
    assert "dyad: attuned and rupture states" in screen
    # -q silences the steps, not warnings: this minute is too short for episodes, and the
    # warning that says so stays (as every command's warnings do)
    quiet = run("b", "-q").splitlines()
    assert quiet and all(line.startswith("\x1b[33mwarning:") for line in quiet)
    assert "not meaningful here: too short" in quiet[0]


def test_brain_shows_step_lines_and_quiet_silences(monkeypatch, tmp_path):
    """Reference: the steps attunement.brain.summary announces (each dyad, the surrogates)."""
    mne = pytest.importorskip("mne")
    rng = np.random.default_rng(0)
    paths = []
    for k in (1, 2):
        data = rng.normal(size=(3, 2, 500)) * 1e-6
        info = mne.create_info(["Fz", "Cz"], 250.0, "eeg")
        paths.append(tmp_path / f"p{k}-epo.fif")
        mne.EpochsArray(data, info, verbose="error").save(paths[-1], verbose="error")

    def run(name, *flags):
        return _screen(monkeypatch, *flags, "brain", *paths, "--mode", "plv", "--bands",
                       "alpha_low", "--n-surrogates", "3", "--no-figure", "--out", tmp_path / name)

    screen = run("a")
    assert "p1-epo__p2-epo: interbrain plv" in screen
    assert "1 dyad(s): plv against 3 surrogates (epochs)" in screen
    assert run("b", "-q") == ""


def test_extract_shows_step_lines_and_quiet_silences(monkeypatch, tmp_path):
    """Reference: the step extract_video announces for each video."""
    pytest.importorskip("cv2", reason="the video extra (OpenCV) is not installed")
    from attunement.extract import write_synthetic_dyad

    video = tmp_path / "tiny.mp4"
    write_synthetic_dyad(video, n_frames=10, fps=25, seed=1)

    def run(name, *flags):
        return _screen(monkeypatch, *flags, "extract", video, "--layout", "split-lr",
                       "--out", tmp_path / name)

    screen = run("a")
    assert "tiny.mp4: motion from 2 region(s) at 25 fps" in screen
    assert run("b", "-q") == ""
