"""Cohort scaling: 200 simulated sessions through ``run_batch`` with 1 and 2 local worker
processes and on a Dask cluster, reported as wall times and speed-ups.

Run by hand: ``.venv/bin/python benchmarks/bench_cohort.py [--sessions 200]
[--scheduler tcp://host:8786]``. Without ``--scheduler`` a ``LocalCluster`` (separate
scheduler and worker processes on loopback) stands in for a real cluster; with it, the same
code runs unchanged against that cluster (its workers must be able to read the session
files, e.g. on a shared file system: pass ``--data DIR`` on it).

Baseline, in the same run: one local worker process. Each configuration writes its own store
and the benchmark checks that every store holds the same summary table.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import pandas as pd

from attunement import simulate_dyad
from attunement.cohort import Store, load_project, run_batch

STYLES = ("sensitive", "intrusive", "withdrawn", "inconsistent")


def make_project(folder: Path, n_sessions: int) -> Path:
    """``n_sessions`` 3-minute dyads at 10 Hz and a project file that analyses them."""
    data = folder / "data"
    data.mkdir(parents=True, exist_ok=True)
    rows = []
    for k in range(n_sessions):
        style = STYLES[k % len(STYLES)]
        sid = f"dyad{k // 4:03d}_s{k % 4 + 1}"
        simulate_dyad(style, duration_s=180, sampling_rate=10, seed=k, id=sid,
                      channels=["movement", "positive_affect"]).write(data / f"{sid}.parquet")
        rows.append({"session": sid, "group": style, "dyad": f"dyad{k // 4:03d}",
                     "session_number": k % 4 + 1})
    pd.DataFrame(rows).to_csv(folder / "meta.csv", index=False)
    project = folder / "project.toml"
    project.write_text(
        '[sessions]\npaths = ["data/*.parquet"]\nmetadata = "meta.csv"\n'
        "[analysis.sync]\nwindow_s = 20\nmax_lag_s = 3\nstep_s = 2\n"
        "[analysis.surrogates]\nn_surrogates = 19\nseed = 1\n"
    )
    return project


def timed(project, store, **kwargs) -> float:
    start = time.perf_counter()
    result = run_batch(load_project(project), store, **kwargs)
    elapsed = time.perf_counter() - start
    if result.failed:
        raise RuntimeError(f"failed sessions: {result.failed}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=200)
    parser.add_argument("--scheduler", default="local")
    parser.add_argument("--data", type=Path, default=None, help="folder for the sessions")
    args = parser.parse_args()
    root = args.data or Path(tempfile.mkdtemp(prefix="bench_cohort_"))
    t0 = time.perf_counter()
    project = make_project(root, args.sessions)
    print(f"simulated {args.sessions} sessions in {time.perf_counter() - t0:.1f} s -> {root}")
    runs = {
        "local, 1 worker": dict(executor="local", workers=1),
        "local, 2 workers": dict(executor="local", workers=2),
        f"dask ({args.scheduler}), 2 workers": dict(executor="dask", scheduler=args.scheduler,
                                                    workers=2),
    }
    times, summaries = {}, {}
    for k, (name, kwargs) in enumerate(runs.items()):
        store = Store(root / f"store{k}")
        times[name] = timed(project, store, **kwargs)
        summaries[name] = store.query("SELECT * FROM summary ORDER BY session, channel")
    base = times["local, 1 worker"]
    for name, seconds in times.items():
        print(f"{name:32s} {seconds:7.1f} s   {base / seconds:4.2f}x vs 1 worker   "
              f"{args.sessions / seconds:5.1f} sessions/s")
    first = next(iter(summaries.values()))
    for frame in summaries.values():
        pd.testing.assert_frame_equal(first, frame)
    print("all stores hold identical summary tables")


if __name__ == "__main__":
    main()
