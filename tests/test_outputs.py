"""Outputs a researcher can trust (issue 19): distinct session ids, ``--force`` replacing a
run's outputs whole, ``batch --out`` only into an empty folder or a store, one batch per
store, workers ending with their batch, sessions dropped from a project dropped from the
store. References: the inputs written here (their names and counts)."""

import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from attunement.cli import app
from attunement.cohort import Store, load_project, run_batch
from attunement.io import read

runner = CliRunner()
SYNC = ["--sampling-rate", "10", "--window", "4", "--lag", "1", "--step", "2"]


def _mea(path, seed=0, n=200):
    x = np.random.default_rng(seed).normal(size=(n, 2)).round(4)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savetxt(path, x, fmt="%.4f")
    return path


def _sync(*args):
    return runner.invoke(app, ["sync", *map(str, args), *SYNC])


def test_ids_that_one_name_would_merge_stay_distinct(tmp_path):
    names = ["a b", "a_b", "séance_母子_🙂", "séance_母子_🙁", "Dyad", "dyad x"]
    for k, name in enumerate(names):
        _mea(tmp_path / "in" / f"{name}.txt", seed=k)
    result = _sync(tmp_path / "in", "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    summary = pd.read_csv(tmp_path / "out" / "summary.csv")
    assert sorted(summary.session) == sorted(names)
    wcc = sorted((tmp_path / "out").glob("wcc_*.parquet"))
    assert len(wcc) == len(names)
    # Each table is its own session's: the same numbers as a run on that file alone.
    alone = _sync(tmp_path / "in" / "a b.txt", "--out", tmp_path / "alone")
    assert alone.exit_code == 0, alone.output
    one = summary.set_index("session").loc["a b", "grand_average"]
    assert one == pytest.approx(pd.read_csv(tmp_path / "alone/summary.csv").grand_average[0])


def test_same_file_name_in_two_folders_is_an_error_naming_both(tmp_path):
    a, b = _mea(tmp_path / "x" / "s1.txt"), _mea(tmp_path / "y" / "s1.txt", seed=1)
    with pytest.raises(ValueError, match=rf"{a} and {b} have the same session id 's1'"):
        read([tmp_path / "x", tmp_path / "y"], sampling_rate=10)
    result = _sync(tmp_path / "x", tmp_path / "y", "--out", tmp_path / "out")
    assert result.exit_code == 1 and "have the same session id" in result.output
    assert not (tmp_path / "out").exists()
    # Names that differ only in case would overwrite each other on macOS and Windows.
    _mea(tmp_path / "z" / "S1.txt")
    with pytest.raises(ValueError, match="same session id 'S1'"):
        read([tmp_path / "x", tmp_path / "z"], sampling_rate=10)


def test_force_replaces_the_earlier_outputs_whole(tmp_path):
    for k in range(3):
        _mea(tmp_path / "in" / f"s{k}.txt", seed=k)
    out = tmp_path / "out"
    assert _sync(tmp_path / "in", "--out", out).exit_code == 0
    (out / "my_notes.txt").write_text("mine")
    again = _sync(tmp_path / "in", "--out", out)
    assert again.exit_code == 1 and "not empty; use 'force' (--force)" in again.output
    result = _sync(tmp_path / "in" / "s2.txt", "--out", out, "--force")
    assert result.exit_code == 0, result.output
    files = sorted(p.name for p in out.iterdir() if p.name != ".attune-outputs")
    assert files == ["my_notes.txt", "peaks_s2.parquet", "summary.csv", "wcc_s2.parquet"]
    assert pd.read_csv(out / "summary.csv").session.tolist() == ["s2"]


def test_a_failed_read_leaves_the_earlier_outputs(tmp_path):
    _mea(tmp_path / "in" / "s0.txt")
    out = tmp_path / "out"
    assert _sync(tmp_path / "in", "--out", out).exit_code == 0
    result = _sync(tmp_path / "missing.txt", "--out", out, "--force")
    assert result.exit_code == 1 and "missing.txt: no such file" in result.output
    assert (out / "wcc_s0.parquet").is_file()


# ----------------------------------------------------------------------------- batch
def _project(tmp_path, names):
    for k, name in enumerate(names):
        _mea(tmp_path / "data" / f"{name}.txt", seed=k, n=600)
    (tmp_path / "p.toml").write_text(textwrap.dedent("""
        [sessions]
        paths = ["data/*.txt"]
        [analysis.read]
        sampling_rate = 10
        [analysis.sync]
        window_s = 4
        max_lag_s = 1
        step_s = 2
        [analysis.surrogates]
        n_surrogates = 0
    """))
    return tmp_path / "p.toml"


def test_batch_out_only_into_an_empty_folder_or_a_store(tmp_path):
    project = _project(tmp_path, ["a"])
    for out, message in [("/", "/: is not empty and is not a results store"),
                         (str(tmp_path), "is not empty and is not a results store")]:
        result = runner.invoke(app, ["batch", str(project), "--out", out, "--workers", "1"])
        assert result.exit_code == 1, result.output
        assert message in " ".join(result.output.split())
    assert not (tmp_path / "sessions").exists()
    store = tmp_path / "store"
    first = runner.invoke(app, ["batch", str(project), "--out", str(store), "--workers", "1"])
    assert first.exit_code == 0, first.output
    again = runner.invoke(app, ["batch", str(project), "--out", str(store), "--workers", "1"])
    assert again.exit_code == 0 and "1 unchanged" in again.output


def test_one_batch_per_store(tmp_path):
    project = load_project(_project(tmp_path, ["a"]))
    store = Store(tmp_path / "store")
    with store.lock():
        with pytest.raises(ValueError, match=r"another attune batch is writing this store "
                                             rf"\(pid {os.getpid()}\); wait"):
            run_batch(project, Store(tmp_path / "store"), workers=1)
    assert run_batch(project, store, workers=1).computed == ["a"]


def test_sessions_removed_from_the_project_leave_the_store(tmp_path):
    path = _project(tmp_path, ["a", "b"])
    store = Store(tmp_path / "store")
    run_batch(load_project(path), store, workers=1)
    (tmp_path / "data" / "b.txt").unlink()
    result = run_batch(load_project(path), store, workers=1)
    assert result.dropped == ["b"] and "1 no longer in the project dropped" in result.summary()
    assert store.finished() == ["a"]
    assert store.query("SELECT DISTINCT session FROM summary").session.tolist() == ["a"]


def test_duplicate_ids_in_a_project_are_refused(tmp_path):
    path = _project(tmp_path, ["a"])
    _mea(tmp_path / "data2" / "a.txt")
    path.write_text(path.read_text().replace('"data/*.txt"', '"data/*.txt", "data2/*.txt"'))
    with pytest.raises(ValueError, match=r"p.toml: session ids must be unique .*\['a'\]"):
        load_project(path)


WORKERS = """
import os, sys, time
from attunement.cohort.executors import run_tasks

def slow(path):
    with open(path, "w") as fh:
        fh.write(str(os.getpid()))
    time.sleep(120)

if __name__ == "__main__":
    folder = sys.argv[1]
    tasks = [(k, (f"{folder}/w{k}",)) for k in range(2)]
    for _ in run_tasks(slow, tasks, executor=sys.argv[2], workers=2):
        pass
"""


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(") ")[1][0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("executor", ["local", "dask"])
def test_workers_end_when_the_batch_is_killed(tmp_path, executor):
    # Local pool: end_with_parent's watcher; Dask LocalCluster: distributed's nanny-spawned
    # workers exit when their parent-alive pipe closes (distributed/process.py).
    if executor == "dask":
        pytest.importorskip("distributed")
    script = tmp_path / "run.py"
    script.write_text(WORKERS)
    main = subprocess.Popen([sys.executable, str(script), str(tmp_path), executor])
    try:
        deadline = time.monotonic() + 60
        while len(list(tmp_path.glob("w*"))) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        pids = [int(f.read_text() or 0) for f in tmp_path.glob("w*")]
        assert len(pids) == 2 and all(_alive(p) for p in pids) and main.pid not in pids
        main.send_signal(signal.SIGKILL)
        main.wait()
        deadline = time.monotonic() + 15
        while any(_alive(p) for p in pids) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not any(_alive(p) for p in pids)
    finally:
        main.kill()


def test_session_and_channel_names_that_would_share_a_file_are_refused(tmp_path):
    rng = np.random.default_rng(0)
    (tmp_path / "in").mkdir()
    for name, channels in (("a", ["b_c", "d"]), ("a_b", ["c", "d"])):
        cols = [f"{p}_{c}" for c in channels for p in ("m", "i")]
        frame = pd.DataFrame(rng.normal(size=(200, 4)), columns=cols)
        frame.insert(0, "time_s", np.arange(200) / 10)
        frame.to_csv(tmp_path / "in" / f"{name}.csv", index=False)
    result = _sync(tmp_path / "in", "--out", tmp_path / "out")
    assert result.exit_code == 1
    assert ("session 'a', channel 'b_c' and session 'a_b', channel 'c' have the same output "
            "name 'a_b_c'") in " ".join(result.output.split())
