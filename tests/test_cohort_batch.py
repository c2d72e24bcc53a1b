"""Batches of real analyses: the local pool and a Dask LocalCluster give identical stores,
and a batch killed midway loses nothing finished and recomputes nothing finished."""

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest

from attunement.cohort import Store, load_project, run_batch

SETTINGS = """
[sessions]
paths = ["data/*.txt"]
metadata = "meta.csv"
[analysis.read]
sampling_rate = 25
[analysis.sync]
window_s = 30
max_lag_s = 3
step_s = 10
[analysis.surrogates]
n_surrogates = 0
"""


@pytest.fixture
def project_dir(tmp_path, data_dir):
    """Six short sessions cut from the bundled MEA sample, with group metadata."""
    (tmp_path / "data").mkdir()
    lines = (data_dir / "applied_project_mea" / "MEA_video101.txt").read_text().splitlines()
    for k in range(6):
        chunk = lines[k * 2500 : (k + 1) * 2500]
        (tmp_path / "data" / f"s{k}.txt").write_text("\n".join(chunk) + "\n")
    rows = [f"s{k},{'a' if k % 2 else 'b'},d{k // 3},{k % 3 + 1}" for k in range(6)]
    (tmp_path / "meta.csv").write_text("session,group,dyad,session_number\n" + "\n".join(rows))
    (tmp_path / "project.toml").write_text(SETTINGS)
    return tmp_path


def _summary(store: Store) -> pd.DataFrame:
    return store.query("SELECT * FROM summary ORDER BY session").drop(columns=[])


def test_dask_local_cluster_equals_local_pool(project_dir):
    pytest.importorskip("distributed")
    project = load_project(project_dir / "project.toml")
    local = Store(project_dir / "local")
    dask = Store(project_dir / "dask")
    assert not run_batch(project, local, executor="local", workers=2).failed
    result = run_batch(project, dask, executor="dask", scheduler="local", workers=2)
    assert sorted(result.computed) == [f"s{k}" for k in range(6)]
    for table in ("summary", "wcc", "peaks"):
        a = local.query(f"SELECT * FROM {table} ORDER BY ALL")
        b = dask.query(f"SELECT * FROM {table} ORDER BY ALL")
        pd.testing.assert_frame_equal(a, b)
    joined = dask.query("SELECT s.session, m.group FROM summary s JOIN metadata m USING (session)")
    assert len(joined) == 6


def test_killed_batch_resumes_without_recomputing(project_dir):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    cmd = [
        sys.executable,
        "-m",
        "attunement.cli",
        "batch",
        str(project_dir / "project.toml"),
        "--out",
        str(project_dir / "store"),
        "--workers",
        "1",
    ]
    proc = subprocess.Popen(
        cmd, env=env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    sessions = project_dir / "store" / "sessions"
    deadline = time.time() + 120
    while time.time() < deadline:
        done = list(sessions.glob("*/_done.json")) if sessions.exists() else []
        if len(done) >= 2 or proc.poll() is not None:
            break
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    store = Store(project_dir / "store")
    before = {s: store.done_record(s)["finished_at"] for s in store.finished()}
    assert before, "the batch was killed before any session finished"
    # Consistent: every session folder is complete (has its record and its tables).
    for folder in sessions.iterdir():
        record = json.loads((folder / "_done.json").read_text())
        assert all((folder / f"{t}.parquet").is_file() for t in record["tables"])
    result = run_batch(load_project(project_dir / "project.toml"), store, workers=1)
    assert sorted(result.skipped) == sorted(before)
    assert sorted(result.skipped + result.computed) == [f"s{k}" for k in range(6)]
    assert {s: store.done_record(s)["finished_at"] for s in before} == before
    # A half-written folder can only be in .staging, which no query reads.
    assert all(not p.name.startswith(".") for p in sessions.iterdir())
    assert len(store.query("SELECT DISTINCT session FROM summary")) == 6


def test_cohort_report(project_dir):
    from attunement.report.cohort_report import write_cohort_report

    store = Store(project_dir / "store")
    run_batch(load_project(project_dir / "project.toml"), store, workers=1)
    html = write_cohort_report(store, project_dir / "cohort.html").read_text()
    assert "Groups compared" in html and "data:image/png;base64" in html
    # The fixture has two dyads: the mixed model is refused with a note, not a crash.
    assert "Mixed model over sessions" in html and "too few dyads (2)" in html


def test_batch_cli_writes_the_mixed_model(project_dir):
    """``attune batch`` passes the project's [mixed_model] section to the report and the
    model's table is a view of the store's database (three dyads of two sessions)."""
    pytest.importorskip("statsmodels")
    duckdb = pytest.importorskip("duckdb")
    from typer.testing import CliRunner

    from attunement.cli import app

    rows = [f"s{k},{'ab'[k // 2 % 2]},d{k // 2},{k % 2 + 1}" for k in range(6)]
    (project_dir / "meta.csv").write_text("session,arm,dyad,visit\n" + "\n".join(rows))
    (project_dir / "project.toml").write_text(
        SETTINGS + '[mixed_model]\ntime = "visit"\nterms = ["arm"]\n'
    )
    out = project_dir / "store"
    result = CliRunner().invoke(
        app, ["batch", str(project_dir / "project.toml"), "--out", str(out), "--workers", "1"]
    )
    assert result.exit_code == 0, result.output
    html = (out / "cohort.html").read_text()
    assert "grand_average ~ 1 + visit + arm + (1 | dyad)" in html
    assert "3 dyads · 6 sessions" in html and 'class="mixed-model"' in html
    con = duckdb.connect(str(out / "attunement.duckdb"), read_only=True)
    terms = [r[0] for r in con.execute("SELECT term FROM mixed_model ORDER BY term").fetchall()]
    con.close()
    assert terms == ["Intercept", "arm[T.b]", "visit"]


@pytest.mark.slow
def test_pseudo_dyads_across_the_cohort(project_dir):
    from attunement.cohort.pseudo import pseudo_dyads, real_vs_pseudo

    project = load_project(project_dir / "project.toml")
    store = Store(project_dir / "store")
    run_batch(project, store, workers=1)
    one = pseudo_dyads(project, "motion", n_pseudo=12, seed=4, workers=1, chunk=5)
    two = pseudo_dyads(project, "motion", n_pseudo=12, seed=4, workers=2, chunk=5)
    pd.testing.assert_frame_equal(one, two)
    assert (one.kind == "pseudo").sum() == 12 and (one.kind == "real").sum() == 6
    # The real pairs reproduce each session's own analysis (first principles: same pair,
    # same preprocessing, same WCC).
    real = one[one.kind == "real"].set_index("session_1").grand_average.sort_index()
    summary = store.query("SELECT session, grand_average FROM summary ORDER BY session")
    assert real.to_numpy() == pytest.approx(summary.grand_average.to_numpy(), abs=1e-12)
    row = real_vs_pseudo(one).iloc[0]
    assert row.n_real == 6 and row.n_pseudo == 12
    # Each real dyad against its own pseudo-dyads (those re-pairing one of its partners).
    # Reference: the own-pseudo means gathered here by a plain loop, and scipy's paired t test.
    from scipy import stats

    from attunement.cohort.pseudo import real_vs_own_pseudo

    paired, per_dyad = real_vs_own_pseudo(one)
    pseudo = one[one.kind == "pseudo"]
    means = {}
    for sid in real.index:
        values = [r.grand_average for r in pseudo.itertuples() if sid in (r.session_1, r.session_2)]
        if values:
            means[sid] = np.mean(values)
    assert per_dyad.session.tolist() == list(means)
    assert per_dyad.pseudo_mean.to_numpy() == pytest.approx(list(means.values()))
    expected = stats.ttest_rel(real.loc[list(means)].to_numpy(), list(means.values()))
    assert paired.p_value[0] == pytest.approx(expected.pvalue)
    assert paired.df[0] == len(means) - 1
    # the episode detector's negative control travels with every pair (store and page)
    assert {"matched_proportion", "ruptures_per_min", "paradigm"} <= set(one.columns)
    assert one.paradigm.eq("infant-face-to-face").all() and one.observed_s.gt(60).all()
    store.save_cohort_table("pseudo_dyads", one)
    stored = store.query("SELECT kind, matched_proportion FROM pseudo_dyads")
    assert len(stored) == 18 and stored.matched_proportion.between(0, 1).all()
    from attunement.report.cohort_report import write_cohort_report

    page = write_cohort_report(store, project_dir / "cohort.html").read_text()
    assert "Episodes in real dyads and pseudo-dyads" in page
    assert "pseudo_ruptures_per_min" in page
    assert "fisher_p" in page and "sign_p" in page  # attuned at all: real vs pseudo, paired


def test_pseudo_dyads_refuse_a_duplicated_recording(project_dir):
    """Reference: applied_project_mea's MEA_video112 begins with all of MEA_video111; a
    pseudo-dyad with a copy of a session's partner is that session's real dyad."""
    from attunement.cohort.pseudo import pseudo_dyads

    data = project_dir / "data"
    (data / "s5.txt").write_text((data / "s0.txt").read_text())
    project = load_project(project_dir / "project.toml")
    with pytest.raises(ValueError, match="sessions 's0' and 's5' hold the same recording"):
        pseudo_dyads(project, "motion", n_pseudo=None, workers=1, chunk=100)


def test_batch_reads_videos(tmp_path):
    """A project's videos are sessions too: motion energy first, as attune analyze does.
    Reference: the synthetic video's ground truth (partner 2 copies partner 1 six frames,
    0.2 s, later), the same check as tests/test_cli_analyze.py."""
    pytest.importorskip("cv2")
    from attunement.extract import write_synthetic_dyad

    (tmp_path / "videos").mkdir()
    write_synthetic_dyad(tmp_path / "videos" / "dyad.avi", n_frames=360, fps=30, lag_frames=6,
                         seed=1)
    (tmp_path / "project.toml").write_text(
        '[sessions]\npaths = ["videos/*.avi"]\n[analysis.sync]\nwindow_s = 4\nmax_lag_s = 0.5\n'
        "step_s = 0.5\n[analysis.surrogates]\nn_surrogates = 0\n"
    )
    project = load_project(tmp_path / "project.toml")
    assert [f.name for f in project.files] == ["dyad.avi"]
    store = Store(tmp_path / "store")
    result = run_batch(project, store, executor="local", workers=1)
    assert result.computed == ["dyad"] and not result.failed, result.failed
    motion = store.query("SELECT * FROM summary WHERE channel = 'motion'")
    assert motion.best_lag_s.iloc[0] == pytest.approx(0.2)
