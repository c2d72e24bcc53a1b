"""``attune physio``: driven with Typer's CliRunner on a session table of two simulated
ECGs (NeuroKit2, seeded, known heart rates) and on the real Movesense folder."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

nk = pytest.importorskip("neurokit2")

from attunement import Session  # noqa: E402
from attunement.cli import app  # noqa: E402

runner = CliRunner()


@pytest.fixture(scope="module")
def ecg_table(tmp_path_factory):
    e1 = nk.ecg_simulate(duration=120, sampling_rate=200, heart_rate=70, random_state=11,
                         method="simple")
    e2 = nk.ecg_simulate(duration=120, sampling_rate=200, heart_rate=110, random_state=12,
                         method="simple")
    path = tmp_path_factory.mktemp("in") / "dyad.parquet"
    Session.from_arrays(e1, e2, 200, partners=("mother", "infant"), channel="ecg",
                        id="dyad").to_parquet(path)
    return path


def test_physio_table(ecg_table, tmp_path):
    out = tmp_path / "out"
    result = runner.invoke(app, ["physio", str(ecg_table), "--out", str(out), "--seed", "3",
                                 "--n-surrogates", "49", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert rows[0]["partner_1"] == "mother" and rows[0]["seed"] == 3
    assert rows[0]["partner_1_mean_hr_bpm"] == pytest.approx(70, abs=1)
    assert rows[0]["partner_2_mean_hr_bpm"] == pytest.approx(110, abs=1)
    assert sorted(p.name for p in out.iterdir() if p.name != ".attune-outputs") == [
        "events_dyad.parquet", "gaps_dyad.csv", "hr_dyad.parquet", "hrv_dyad.csv",
        "linkage.csv", "quality.csv", "summary.csv"]
    hrv = pd.read_csv(out / "hrv_dyad.csv")
    assert len(hrv) == 4 and set(hrv.partner) == {"mother", "infant"}
    linkage = pd.read_csv(out / "linkage.csv")
    assert {"measure", "value", "null", "n_surrogates", "p_value", "effect_size"} <= set(
        linkage.columns)
    assert (linkage["n_surrogates"] == 49).all()
    hr = pd.read_parquet(out / "hr_dyad.parquet")
    assert list(hr.columns) == ["time_s", "mother_hr_bpm", "infant_hr_bpm"]
    assert np.diff(hr["time_s"]).mean() == pytest.approx(0.25)
    again = runner.invoke(app, ["physio", str(ecg_table), "--out", str(out)])
    assert again.exit_code == 1 and "--force" in again.output


def test_physio_user_errors(ecg_table, tmp_path):
    result = runner.invoke(app, ["physio", str(ecg_table), "--out", str(tmp_path / "o"),
                                 "--kind", "emg"])
    assert result.exit_code == 1
    assert "Invalid value for the 'kind' parameter" in result.output
    result = runner.invoke(app, ["physio", str(ecg_table), "--out", str(tmp_path / "p"),
                                 "--partners", "one"])
    assert result.exit_code == 1 and "Invalid value for '--partners': expected 2" in result.output


def test_physio_sampling_rate_too_low(tmp_path):
    e = nk.ecg_simulate(duration=30, sampling_rate=50, heart_rate=70, random_state=0,
                        method="simple")
    path = tmp_path / "slow.parquet"
    Session.from_arrays(e, e, 50, channel="ecg", id="slow").to_parquet(path)
    result = runner.invoke(app, ["physio", str(path), "--out", str(tmp_path / "o")])
    assert result.exit_code == 1
    assert "partner 'partner_1': Invalid value for 'sampling_rate'" in result.output


def test_physio_movesense(shared_dir, tmp_path):
    """`attune physio` on the real Movesense ECG: our beat intervals agree with the device's."""
    folder = shared_dir / "data" / "movesense_ecg"
    result = runner.invoke(app, ["physio", str(folder), "--out", str(tmp_path / "m"),
                                 "--partners", "experimenter,subject", "--n-surrogates", "49",
                                 "--seed", "0"])
    assert result.exit_code == 0, result.output
    quality = pd.read_csv(tmp_path / "m" / "quality.csv").set_index("partner")
    assert list(quality.index) == ["experimenter", "subject"]
    assert (quality["agreement_median_abs_diff_ms"] <= 5).all()
    assert (quality["device_n_beats"] == [871, 1028]).all()


def test_physio_behaviour_episodes(tmp_path):
    # partner 2's heart rate follows partner 1's only while their behaviour is in step:
    # ECG simulated beat by beat from two coupled heart-rate courses
    rng = np.random.default_rng(5)
    sr, n_s = 200, 300
    t = np.arange(n_s * sr) / sr
    lead = np.convolve(rng.normal(size=n_s * 4), np.ones(12) / 6, "same")
    other = np.convolve(rng.normal(size=n_s * 4), np.ones(12) / 6, "same")
    inside = (np.arange(n_s * 4) // 240) % 2 == 0  # in step 0-60 s, 120-180 s, 240-300 s
    follow = np.where(inside, np.r_[lead[:2], lead[:-2]], other)
    behaviour_1 = rng.normal(size=n_s * sr)
    # in step: the same behaviour, plus coding noise (wcc leaves exact copies NaN, as rMEA)
    behaviour_2 = np.where(np.repeat(inside, sr // 4), behaviour_1, 0) + rng.normal(
        0, 0.3, n_s * sr)
    ecgs = [_ecg_from_rate(70 + 8 * course, sr, t) for course in (lead, follow)]
    cols = pd.MultiIndex.from_tuples([("a", "ecg"), ("a", "play"), ("b", "ecg"), ("b", "play")])
    signals = pd.DataFrame(np.column_stack([ecgs[0], behaviour_1, ecgs[1], behaviour_2]),
                           columns=cols)
    path = tmp_path / "coupled.parquet"
    Session(signals, sr, id="coupled").to_parquet(path)
    result = runner.invoke(app, ["physio", str(path), "--out", str(tmp_path / "o"),
                                 "--behaviour", "play", "--n-surrogates", "49", "--seed", "1"])
    assert result.exit_code == 0, result.output
    row = pd.read_csv(tmp_path / "o" / "linkage.csv").set_index("measure").loc[
        "hr_peak_r_inside_minus_outside"]
    assert row["inside"] > row["outside"] + 0.1 and row["p_value"] <= 0.05
    hr = pd.read_parquet(tmp_path / "o" / "hr_coupled.parquet")
    assert list(hr.columns) == ["time_s", "a_hr_bpm", "a_play", "b_hr_bpm", "b_play"]


def _ecg_from_rate(hr_bpm_4hz, sr, t):
    """A beat-by-beat synthetic ECG (Gaussian R waves) following a 4 Hz heart rate."""
    rate = np.interp(t, np.arange(len(hr_bpm_4hz)) / 4, hr_bpm_4hz)
    phase = np.cumsum(rate / 60 / sr)
    beats = np.searchsorted(phase, np.arange(1, int(phase[-1])))
    ecg = np.zeros(len(t))
    for b in beats:
        lo, hi = max(b - 10, 0), min(b + 10, len(t))
        ecg[lo:hi] += np.exp(-0.5 * ((np.arange(lo, hi) - b) / 2.0) ** 2)
    return ecg + 0.01 * np.random.default_rng(0).normal(size=len(t))


def test_physio_shows_step_lines_and_quiet_silences(ecg_table, tmp_path, monkeypatch):
    """Issue 18.5: the steps analyze_physio announces on the terminal; nothing with -q."""
    import io

    from rich.console import Console

    import attunement.cli._term as term

    def run(name, *flags):
        screen = io.StringIO()
        monkeypatch.setattr(term, "stderr", Console(file=screen, force_terminal=True,
                                                    width=100))
        result = runner.invoke(app, [*flags, "physio", str(ecg_table), "--out",
                                     str(tmp_path / name), "--n-surrogates", "3"])
        assert result.exit_code == 0, screen.getvalue()
        return screen.getvalue()

    screen = run("a")
    assert "dyad: ecg to beats and heart rate" in screen
    assert "dyad: hr_bpm linkage against 3 surrogates" in screen
    assert run("b", "-q") == ""
