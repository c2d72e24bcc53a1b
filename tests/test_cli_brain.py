"""``attune brain``: tables, figures, surrogate p-values and clear errors, on small FIF files."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from attunement.cli import app

mne = pytest.importorskip("mne")
runner = CliRunner()
NAMES = ["Fz", "Cz", "Pz"]


def write_epochs(path, seed, names=NAMES, rate=250.0, n_epochs=6, n_times=500):
    rng = np.random.default_rng(seed)
    t = np.arange(n_times) / rate
    data = rng.normal(size=(n_epochs, len(names), n_times)) + np.sin(2 * np.pi * 10 * t)
    info = mne.create_info(list(names), rate, "eeg")
    mne.EpochsArray(data * 1e-6, info, verbose="error").save(path, verbose="error")
    return path


@pytest.fixture
def pair(tmp_path):
    return [str(write_epochs(tmp_path / f"p{k}-epo.fif", k)) for k in (1, 2)]


def test_issue_example_writes_tidy_tables_and_figures(tmp_path, pair):
    out = tmp_path / "out"
    args = ["brain", *pair, "--mode", "plv,wpli", "--bands", "theta,alpha_low", "--out", str(out)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    summary = pd.read_csv(out / "summary.csv")
    assert summary[["session", "mode", "band"]].values.tolist() == [
        ["p1-epo__p2-epo", "plv", "theta"], ["p1-epo__p2-epo", "plv", "alpha_low"],
        ["p1-epo__p2-epo", "wpli", "theta"], ["p1-epo__p2-epo", "wpli", "alpha_low"],
    ]
    assert summary.loc[0, "n_epochs"] == 6 and summary.loc[0, "pair_by"] == "name"
    table = pd.read_csv(out / "interbrain_p1-epo__p2-epo.csv")
    assert list(table.columns) == ["mode", "band", "channel_1", "channel_2", "value"]
    assert len(table) == 2 * 2 * 3 * 3
    assert (out / "interbrain_p1-epo__p2-epo_wpli_alpha_low.png").stat().st_size > 0
    again = runner.invoke(app, args)
    assert again.exit_code == 1 and "--force" in again.stderr


def test_threads_give_the_same_tables(tmp_path, pair):
    def run(name, *extra):
        args = ["brain", *pair, "--mode", "plv,pli,envelope_corr", "--bands", "alpha_low",
                "--no-figure", "--out", str(tmp_path / name), *extra]
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
        return pd.read_csv(tmp_path / name / "interbrain_p1-epo__p2-epo.csv")

    pd.testing.assert_frame_equal(run("one"), run("two", "--jobs", "2"))
    bad = runner.invoke(app, ["brain", *pair, "--jobs", "0", "--out", str(tmp_path / "bad")])
    assert bad.exit_code == 1 and "--jobs: expected a number of threads" in bad.stderr


def test_surrogates_add_p_values_and_follow_the_seed(tmp_path, pair):
    def run(name, seed):
        out = tmp_path / name
        args = ["brain", *pair, "--mode", "plv", "--bands", "alpha_low", "--surrogates", "9",
                "--seed", str(seed), "--no-figure", "--json", "--out", str(out)]
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout), pd.read_csv(out / "interbrain_test.csv")

    (row,), test_a = run("a", 3)
    _, test_b = run("b", 3)
    assert row["null"] == "epochs" and row["n_surrogates"] == 9 and row["seed"] == 3
    assert 0 < row["p_value"] <= 1
    pd.testing.assert_frame_equal(test_a, test_b)
    assert {"p_value", "p_corrected", "significant", "null_mean"} <= set(test_a.columns)


def test_several_dyads_use_pseudo_pairs(tmp_path):
    files = [str(write_epochs(tmp_path / f"d{k}-epo.fif", k)) for k in range(6)]
    out = tmp_path / "out"
    result = runner.invoke(app, ["brain", *files, "--mode", "plv", "--bands", "alpha_low",
                                 "--surrogates", "5", "--no-figure", "--out", str(out)])
    assert result.exit_code == 0, result.output
    summary = pd.read_csv(out / "summary.csv")
    assert len(summary) == 4  # three dyads and the group test
    group = summary.iloc[-1]
    assert group["null"] == "pseudo-dyads" and group["n_dyads"] == 3
    assert group["n_surrogates"] == 2  # 3 dyads allow only 2 re-pairings


@pytest.mark.parametrize(
    ("second", "message"),
    [
        ({"names": ["Fz", "Cz"]}, "a-epo.fif has 3 channels and"),
        ({"rate": 500.0, "n_times": 1000}, "sampling rates differ"),
        ({"n_times": 400}, "epochs differ in length"),
    ],
)
def test_mismatched_participants_exit_1_with_a_message(tmp_path, second, message):
    p1 = write_epochs(tmp_path / "a-epo.fif", 1)
    p2 = write_epochs(tmp_path / "b-epo.fif", 2, **second)
    result = runner.invoke(app, ["brain", str(p1), str(p2), "--out", str(tmp_path / "o")])
    assert result.exit_code == 1
    assert "".join(message.split()) in "".join(result.stderr.split())  # rich wraps lines


def test_usage_errors(tmp_path, pair):
    odd = runner.invoke(app, ["brain", pair[0], "--out", str(tmp_path / "o")])
    assert odd.exit_code == 1 and "expected recordings in pairs" in odd.stderr
    mixed = runner.invoke(app, ["brain", *pair, "--mode", "plv,wtc", "--out", str(tmp_path / "p")])
    assert mixed.exit_code == 1 and "cannot be mixed" in mixed.stderr


def test_fnirs_parent_child_wtc(tmp_path, shared_dir):
    """`attune brain --mode wtc` on the real parent-child fNIRS pair writes a summary (34
    pairs, 6 bad)."""
    folder = shared_dir / "data/fnirs_parent_child"
    out = tmp_path / "out"
    result = runner.invoke(app, ["brain", str(folder / "parent"), str(folder / "child"),
                                 "--mode", "wtc", "--surrogates", "5", "--seed", "0",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    (row,) = pd.read_csv(out / "summary.csv").to_dict("records")
    assert row["mode"] == "wtc" and row["n_pairs"] == 34 and row["n_bad_pairs"] == 6
    assert row["null"] == "shift" and 0 < row["p_value"] <= 1
    assert (out / "interbrain_wtc_parent__child.png").exists()
