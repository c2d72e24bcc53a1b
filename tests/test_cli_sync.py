"""``attune sync``: tables, parameters and errors. Reference: rMEA 1.3.0 MEAccf output
bundled in tests/data/applied_project_mea (see PROVENANCE.md there)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from attunement.cli import app

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
    result = run(one, *ARGS, "--fisher-z", "--absolute", "--smooth", "0.5", "--scale", "sd",
                 "--outliers", "10", "--out", tmp_path, "--json")
    assert result.exit_code == 0, result.output
    row = json.loads(result.stdout)[0]
    assert row["fisher_z"] and row["absolute"] and row["smooth_s"] == 0.5
    assert row["scale"] == "sd" and row["outliers_sd"] == 10 and row["grand_average"] > 0
    assert (tmp_path / "wcc_MEA_video101.parquet").exists()


def test_refuses_non_empty_out_without_force(data_dir, tmp_path):
    one = data_dir / "applied_project_mea" / "MEA_video101.txt"
    assert run(one, *ARGS, "--out", tmp_path).exit_code == 0
    again = run(one, *ARGS, "--out", tmp_path)
    assert again.exit_code == 1 and "not empty; use --force" in again.stderr
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
