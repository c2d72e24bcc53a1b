"""``attune sync``: tables, parameters and errors. Reference: rMEA 1.3.0 MEAccf output
bundled in tests/data/applied_project_mea (see PROVENANCE.md there)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import attunement
from attunement.cli import app
from attunement.cli.sync import FIRST
from attunement.sync.registry import HEADLINES, MEASURES, headline_column, measure_parameters

runner = CliRunner()
ARGS = ["--sampling-rate", "25", "--window", "30", "--lag", "3", "--step", "10"]


def run(*args):
    return runner.invoke(app, ["sync", *map(str, args)])


def test_tables_match_rmea(data_dir, tmp_path):
    folder = data_dir / "applied_project_mea"
    result = run(folder, *ARGS, "--out", tmp_path)
    assert result.exit_code == 0, result.output
    summary = pd.read_csv(tmp_path / "summary.csv")
    assert list(summary.columns[:7]) == ["session", "channel", "grand_average",
                                         "lag_zero_mean", "best_lag_s", "n_windows",
                                         "missing_fraction"]
    assert summary.session.tolist() == ["MEA_video1000", "MEA_video101"]
    for row in summary.itertuples():
        ref = pd.read_csv(folder / "rmea_l3w30i10_raw" / f"{row.session}.csv")
        table = pd.read_parquet(tmp_path / f"wcc_{row.session}.parquet")
        assert table.columns[0] == "window_start_s"
        assert list(table.columns[1:]) == [c.removeprefix("lag") for c in ref.columns]
        np.testing.assert_allclose(table.iloc[:, 1:], ref, atol=1e-9)
        np.testing.assert_allclose(table.window_start_s, np.arange(len(ref)) * 10.0)
        assert row.grand_average == pytest.approx(np.nanmean(ref.to_numpy()), abs=1e-9)
        assert row.n_windows == len(ref) and row.missing_fraction == 0
    assert (summary[["window_s", "max_lag_s", "step_s", "sampling_rate"]].iloc[0]
            == [30, 3, 10, 25]).all()
    assert not summary.fisher_z.any() and summary.smooth_s.isna().all()


def test_preprocessing_and_transform_are_recorded(data_dir, tmp_path):
    one = data_dir / "applied_project_mea" / "MEA_video101.txt"
    # Boker's peaks: the surrogate peak null on a series with removed outliers takes the
    # masked path (a minute here) and is tested in test_sync_peaks; this test is about the record.
    result = run(one, *ARGS, "--fisher-z", "--absolute", "--smooth", "0.5", "--scale", "sd",
                 "--outliers", "10", "--peak-method", "boker2002", "--out", tmp_path, "--json")
    assert result.exit_code == 0, result.output
    row = json.loads(result.stdout)[0]
    assert row["fisher_z"] and row["absolute"] and row["smooth_s"] == 0.5
    assert row["scale"] == "sd" and row["outliers_sd"] == 10 and row["grand_average"] > 0
    assert (tmp_path / "wcc_MEA_video101.parquet").exists()


def test_refuses_non_empty_out_without_force(data_dir, tmp_path):
    one = data_dir / "applied_project_mea" / "MEA_video101.txt"
    assert run(one, *ARGS, "--out", tmp_path).exit_code == 0
    again = run(one, *ARGS, "--out", tmp_path)
    assert again.exit_code == 1 and "not empty; use 'force' (--force)" in again.stderr
    assert run(one, *ARGS, "--out", tmp_path, "--force").exit_code == 0


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--window", "3000"], "needs 75075 samples"),
        (["--scale", "median"], "'method' parameter"),
        (["--channel", "head"], "channel 'head' is not recorded"),
    ],
)
def test_user_errors_exit_1(data_dir, tmp_path, extra, message):
    one = data_dir / "applied_project_mea" / "MEA_video101.txt"
    result = run(one, *ARGS, *extra, "--out", tmp_path)
    assert result.exit_code == 1 and message in result.stderr


def test_mea_needs_sampling_rate(data_dir, tmp_path):
    result = run(data_dir / "applied_project_mea", "--out", tmp_path)
    assert result.exit_code == 1 and "--sampling-rate" in result.stderr


def test_surrogate_columns_group_tables_and_seed(data_dir, tmp_path):
    folder = data_dir / "applied_project_mea"
    extra = ["--surrogates", "19", "--null", "shift", "--seed", "1"]
    first = run(folder, *ARGS, *extra, "--out", tmp_path / "a")
    second = run(folder, *ARGS, *extra, "--out", tmp_path / "b")
    assert first.exit_code == 0 and second.exit_code == 0, first.output
    a, b = (pd.read_csv(tmp_path / d / "summary.csv") for d in "ab")
    pd.testing.assert_frame_equal(a, b)  # same seed, same numbers
    for prefix in ("", "lag_zero_mean_", "p1_leads_mean_"):
        assert {f"{prefix}{c}" for c in ("surrogate_mean", "surrogate_sd", "effect_size",
                                          "p_value")} <= set(a.columns)
    assert a.p_value.between(1 / 20, 1).all() and (a.null == "shift").all()
    assert (a.seed == 1).all() and (a.n_surrogates == 19).all()
    group = pd.read_csv(tmp_path / "a" / "group.csv")
    pseudo = pd.read_csv(tmp_path / "a" / "pseudo_dyads.csv")
    assert group.n_real.iloc[0] == 2 and group.n_pseudo.iloc[0] == 4 and len(pseudo) == 6
    assert group.real_mean.iloc[0] == pytest.approx(a.grand_average.mean())
    other = run(folder, *ARGS, "--surrogates", "19", "--seed", "2", "--out", tmp_path / "c")
    assert other.exit_code == 0
    assert not np.allclose(pd.read_csv(tmp_path / "c" / "summary.csv").surrogate_mean,
                           a.surrogate_mean)


def test_pseudo_dyad_null_uses_the_other_sessions(data_dir, tmp_path):
    result = run(data_dir / "applied_project_mea", *ARGS, "--surrogates", "50", "--null",
                 "pseudo-dyads", "--out", tmp_path, "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [r["n_surrogates"] for r in rows] == [2, 2]  # 1 other session, roles kept


def test_bad_null_is_a_user_error(data_dir, tmp_path):
    result = run(data_dir / "applied_project_mea", *ARGS, "--surrogates", "5", "--null",
                 "phase", "--out", tmp_path)
    assert result.exit_code == 1 and "'--null' parameter" in result.stderr


# --measure: the other synchrony measures of the registry, each with its own columns.
ISSUE_MEASURES = ["wcc", "phase", "coherence", "crqa", "dtw", "granger", "contingency"]
SIM = ["--window", "30", "--lag", "3", "--step", "15", "--channel", "movement"]
TEST_COLUMNS = ("statistic", "alternative", "surrogate_mean", "surrogate_sd", "effect_size",
                "p_value")


@pytest.fixture(scope="module")
def dyad(tmp_path_factory):
    """A simulated 2-minute session at 10 Hz, as a file."""
    path = tmp_path_factory.mktemp("sim") / "dyad.parquet"
    attunement.simulate_dyad(duration_s=120, sampling_rate=10, seed=4, id="dyad").write(path)
    return path


def test_every_measure_adds_its_prefixed_columns(dyad, tmp_path):
    result = run(dyad, *SIM, "--measure", ",".join(ISSUE_MEASURES), "--out", tmp_path)
    assert result.exit_code == 0, result.output
    summary = pd.read_csv(tmp_path / "summary.csv")
    assert list(summary.columns[:7]) == FIRST and len(summary) == 1
    assert (tmp_path / "wcc_dyad.parquet").exists()
    row = summary.iloc[0]
    session = attunement.read(dyad)[0]
    for name in ISSUE_MEASURES[1:]:
        expected = MEASURES[name](*session.pair("movement"), 10)
        assert {f"{name}_param_{k}" for k in measure_parameters(name)} <= set(summary.columns)
        for key, value in expected.items():
            assert key.startswith(f"{name}_")
            assert row[key] == pytest.approx(value, nan_ok=True), key
    assert row.crqa_param_radius == 0.5 and row.granger_param_criterion == "aic"
    assert not any(c.endswith("_p_value") and c.startswith("phase") for c in summary.columns)


def test_measure_surrogates_same_seed_same_numbers(dyad, tmp_path):
    extra = ["--measure", ",".join(ISSUE_MEASURES), "--surrogates", "19", "--seed", "7"]
    first, second = (run(dyad, *SIM, *extra, "--out", tmp_path / d) for d in "ab")
    assert first.exit_code == 0 and second.exit_code == 0, first.output
    a, b = (pd.read_csv(tmp_path / d / "summary.csv") for d in "ab")
    pd.testing.assert_frame_equal(a, b)
    for name in ISSUE_MEASURES[1:]:
        assert {f"{name}_{c}" for c in TEST_COLUMNS} <= set(a.columns)
        assert a[f"{name}_statistic"][0] == headline_column(name, a.iloc[0].to_dict())
        assert a[f"{name}_alternative"][0] == HEADLINES[name].alternative
        assert 1 / 20 <= a[f"{name}_p_value"][0] <= 1
        assert np.isfinite(a[f"{name}_effect_size"][0])
    assert a.dtw_alternative[0] == "less" and a.granger_alternative[0] == "two-sided"
    # the WCC's own test does not change when measures are added (same surrogate pairs)
    alone = run(dyad, *SIM, "--surrogates", "19", "--seed", "7", "--out", tmp_path / "c")
    wcc_only = pd.read_csv(tmp_path / "c" / "summary.csv")
    pd.testing.assert_frame_equal(a[wcc_only.columns], wcc_only)
    other = run(dyad, *SIM, "--measure", "phase", "--surrogates", "19", "--seed", "8",
                "--out", tmp_path / "d")
    assert alone.exit_code == 0 and other.exit_code == 0
    assert pd.read_csv(tmp_path / "d" / "summary.csv").phase_surrogate_mean[0] != pytest.approx(
        a.phase_surrogate_mean[0])


def test_measures_without_wcc_and_measure_params(dyad, tmp_path):
    result = run(dyad, "--channel", "hr_bpm", "--measure", "physio,crqa", "--measure-param",
                 "crqa.radius=0.3", "--measure-param", "crqa.delay_s=None", "--surrogates",
                 "9", "--seed", "1", "--out", tmp_path, "--json")
    assert result.exit_code == 0, result.output
    row = json.loads(result.stdout)[0]
    assert "grand_average" not in row and not list(tmp_path.glob("wcc_*"))
    assert row["crqa_param_radius"] == 0.3 and row["crqa_param_delay_s"] is None
    assert row["physio_statistic"] == "physio_hr_interval_r"
    assert row["null"] == "shift" and row["n_surrogates"] == 9 and row["seed"] == 1
    assert row["max_lag_s"] == 5 and row["sampling_rate"] == 10
    assert 0 < row["crqa_p_value"] <= 1 and 0 < row["physio_p_value"] <= 1


def test_measures_against_pseudo_dyads(data_dir, tmp_path):
    result = run(data_dir / "applied_project_mea", *ARGS, "--measure", "wcc,phase",
                 "--surrogates", "50", "--null", "pseudo-dyads", "--out", tmp_path, "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [r["n_surrogates"] for r in rows] == [2, 2]
    assert all(r["phase_p_value"] in (1 / 3, 2 / 3, 1) for r in rows)


def test_slow_surrogate_tests_are_announced(dyad, tmp_path, monkeypatch):
    monkeypatch.setattr("attunement.analysis.measures.SLOW_TEST_S", 0.0)
    result = run(dyad, *SIM, "--measure", "phase", "--surrogates", "3", "--out", tmp_path)
    assert result.exit_code == 0
    assert "measure 'phase': 3 surrogates will take about" in result.stderr


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--measure", "wcc,wavelet"], "'--measure' parameter. Allowed values are 'wcc', "
                                       "'phase'"),
        (["--measure", " , "], "Invalid value for '--measure': expected one or more of wcc"),
        (["--measure", "crqa", "--measure-param", "crqa.radiuss=0.5"],
         "Invalid parameter 'radiuss' for measure 'crqa': expected one of 'dimension'"),
        (["--measure", "crqa", "--measure-param", "radius=0.5"],
         "expected NAME.KEY=VALUE (e.g. crqa.radius=0.5), got 'radius=0.5'"),
        (["--measure", "phase", "--measure-param", "crqa.radius=0.5"],
         "sets a parameter of 'crqa', expected one of the --measure names (phase)"),
        (["--measure-param", "wcc.window_s=30"], "the WCC's parameters are --window"),
        (["--measure", "crqa", "--measure-param", "crqa.radius=-1"],
         "channel 'movement', measure 'crqa': Invalid value for 'radius'"),
    ],
)
def test_measure_errors_exit_1(dyad, tmp_path, extra, message):
    result = run(dyad, *SIM, *extra, "--out", tmp_path)
    assert result.exit_code == 1 and message in result.stderr, result.stderr
