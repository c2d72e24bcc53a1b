"""Cohort project files, the results store and the statistics across sessions."""

import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from attunement.cohort import Store, load_project, run_batch
from attunement.cohort.longitudinal import change_point, compare_groups, dyad_trends
from attunement.stats.mixed import lmer


def _project(tmp_path, body, files=("a.txt", "b.txt")):
    for name in files:
        (tmp_path / name).write_text("1 2\n3 4\n5 7\n")
    (tmp_path / "p.toml").write_text(body)
    return tmp_path / "p.toml"


def test_project_paths_globs_and_metadata(tmp_path):
    (tmp_path / "meta.csv").write_text("session,group,dyad\na,x,1\nb,y,2\n")
    p = load_project(_project(tmp_path, '[sessions]\npaths = ["*.txt"]\nmetadata = "meta.csv"\n'))
    assert [f.name for f in p.files] == ["a.txt", "b.txt"]
    assert p.metadata.group.tolist() == ["x", "y"]


@pytest.mark.parametrize("body, message", [
    ('[sessions]\npaths = ["nothing*.txt"]\n', r"sessions.paths\[0\]: 'nothing\*.txt' matches no"),
    ('[sessions]\npaths = ["*.txt"]\n[analysis.sync]\nwindow_s = 0\n',
     "analysis.sync.window_s: Input should be greater than 0"),
    ('[sessions]\npaths = ["*.txt"]\n[batch]\nexecutor = "slurm"\n', "batch.executor: Input"),
    ('[sessions]\npaths = ["*.txt"]\n[batch]\nscheduler = "host:1"\n', "batch.scheduler"),
    ('[sessions]\npaths = ["*.txt"]\n[analysis.sync]\nwindw_s = 3\n',
     "analysis.sync.windw_s: unknown setting"),
    ('[sessions]\npaths = ["*.txt"\n', "not valid TOML"),
])
def test_project_errors_name_the_location(tmp_path, body, message):
    with pytest.raises(ValueError, match=message):
        load_project(_project(tmp_path, body))


def test_metadata_errors(tmp_path):
    (tmp_path / "meta.csv").write_text("id,group\na,x\n")
    with pytest.raises(ValueError, match="needs a 'session' column"):
        load_project(_project(tmp_path, '[sessions]\npaths = ["*.txt"]\nmetadata = "meta.csv"\n'))


def test_store_is_atomic_and_queryable(tmp_path):
    store = Store(tmp_path / "store")
    store.save("s'1", {"summary": pd.DataFrame({"session": ["s'1"], "r": [0.5]})}, "h1", "x")
    store.save("s2", {"summary": pd.DataFrame({"session": ["s2"], "r": [0.1]})}, "h2", "y")
    assert store.finished() == ["s'1", "s2"]
    # Re-saving replaces the folder whole; no temporary folders are left behind.
    store.save("s2", {"summary": pd.DataFrame({"session": ["s2"], "r": [0.3]})}, "h3", "y")
    assert sorted(p.name for p in (store.path / "sessions").iterdir()) == sorted(
        [store.session_dir("s'1").name, "s2"])
    assert list(store.staging.iterdir()) == []
    out = store.query("SELECT session, r FROM summary ORDER BY session")
    assert out.r.tolist() == [0.5, 0.3]
    with pytest.raises(ValueError, match="query failed"):
        store.query("SELECT * FROM nope")
    db = store.write_database()
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT count(*) FROM summary").fetchone()[0] == 2


def _tiny_analysis(path, settings):
    x = np.loadtxt(path)
    if x[0, 0] < 0:
        raise ValueError("negative start")
    return {"summary": pd.DataFrame({"session": [path.split("/")[-1][:-4]],
                                     "r": [float(np.corrcoef(x.T)[0, 1])]})}


def test_batch_skips_unchanged_and_records_failures(tmp_path):
    proj = load_project(_project(tmp_path, '[sessions]\npaths = ["*.txt"]\n',
                                 files=("a.txt", "b.txt", "c.txt")))
    (tmp_path / "c.txt").write_text("-1 2\n3 4\n5 6\n")
    store = Store(tmp_path / "store")
    first = run_batch(proj, store, executor="local", workers=1, analyze=_tiny_analysis)
    assert sorted(first.computed) == ["a", "b"] and list(first.failed) == ["c"]
    assert json.loads((store.path / "failures" / "c.json").read_text())["error"].startswith(
        "ValueError: negative start")
    done_a = store.done_record("a")["finished_at"]
    (tmp_path / "b.txt").write_text("1 2\n3 5\n5 5\n")  # changed input: recomputed
    (tmp_path / "c.txt").write_text("1 2\n3 4\n5 6\n")  # fixed: computed, failure cleared
    second = run_batch(proj, store, executor="local", workers=1, analyze=_tiny_analysis)
    assert second.skipped == ["a"] and sorted(second.computed) == ["b", "c"]
    assert store.done_record("a")["finished_at"] == done_a
    assert store.failures().empty


def test_compare_groups_matches_scipy():
    rng = np.random.default_rng(1)
    a, b = rng.normal(0.1, 0.05, 10), rng.normal(0.15, 0.05, 12)
    frame = pd.DataFrame({"group": ["a"] * 10 + ["b"] * 12, "m": np.r_[a, b]})
    row = compare_groups(frame, "m").iloc[0]
    assert row.p_value == pytest.approx(stats.ttest_ind(a, b, equal_var=False).pvalue)
    pooled = np.sqrt((9 * a.var(ddof=1) + 11 * b.var(ddof=1)) / 20)
    assert row.effect_size == pytest.approx((a.mean() - b.mean()) / pooled)
    with pytest.raises(ValueError, match=r"needs column\(s\) \['outcome'\]"):
        compare_groups(frame, "outcome")


def test_trends_change_point_and_mixed_model():
    rng = np.random.default_rng(2)
    rows = [{"dyad": f"d{d}", "session_number": s, "sync": 0.05 * s + rng.normal(0, 0.02),
             "outcome": 30 - 2 * s + rng.normal(0, 1)} for d in range(6) for s in range(1, 9)]
    frame = pd.DataFrame(rows)
    trends = dyad_trends(frame, "sync")
    assert len(trends) == 6 and np.allclose(trends.slope, 0.05, atol=0.02)
    # Reference: the simulation's slope of the outcome, -2 per session (lme4-equal mixed
    # model; its parity with R is in test_stats_mixed.py)
    fit = lmer(frame, "outcome ~ session_number + (1 | dyad)").coefficients
    est = fit.set_index("term").loc["session_number", "estimate"]
    assert est == pytest.approx(-2, abs=0.3)
    flat = change_point(rng.normal(0, 1, 12), seed=3)
    assert flat["p_value"] > 0.01
    assert change_point([0] * 6 + [1] * 6, seed=3)["index"] == 6
    with pytest.raises(ValueError, match="at least 4 sessions"):
        change_point([1, 2])
