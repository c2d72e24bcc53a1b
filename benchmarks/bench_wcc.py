"""Speed and memory of ``attunement.wcc``: the compiled kernel (numba) against the NumPy
reference path, side by side, and against the R peers' committed timings.

The 20 rMEA psychotherapy sessions (10 min at 25 Hz, ../shared/data/rmea_psychotherapy) at
lag 5 s / window 30 s, with a step of 1 s and of one sample (plain r). Both engines run in
this process, interleaved, best of ``--repeat``; their values are checked equal (same NaN,
1e-12). R cannot be installed here: the R figures (rMEA 1.3.0, R ``wcc`` 0.4.1's C ``cumc``
backend) are read from ``results/peer_r.csv``, which says where they come from. Also
measured: numba's first-call compile time and the cached load (fresh processes, a fresh cache
folder), and peak memory (tracemalloc: NumPy's allocations) against the output's size, for
one session and for one hour at 25 Hz. Figures are appended to ``results/wcc.csv``.

Run: ``.venv/bin/python benchmarks/bench_wcc.py [--shared PATH] [--repeat 3]``
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
from _history import append

import attunement as att
from attunement.lagcorr import _wcc_core

RATE, LAG_S, WINDOW_S = 25, 5, 30
PEERS = Path(__file__).resolve().parent / "results" / "peer_r.csv"
COMPILE = """
import time
t0 = time.perf_counter()
import numpy as np
import attunement as att
x, y = np.random.default_rng(0).normal(size=(2, 3000))
t1 = time.perf_counter()
att.wcc(x, y, 25, window_s=30, max_lag_s=5, step_s=1, fisher_z=True)
t2 = time.perf_counter()
att.wcc(x, y, 25, window_s=30, max_lag_s=5, step_s=1 / 25, fisher_z=True)
t3 = time.perf_counter()
print(t1 - t0, t2 - t1 + t3 - t2)
"""


def run(pairs, step_s, engine):
    _wcc_core.ENGINE = engine
    return [att.wcc(x, y, RATE, window_s=WINDOW_S, max_lag_s=LAG_S, step_s=step_s).values
            for x, y in pairs]


def side_by_side(pairs, step_s, repeat):
    """Best (wall, cpu) of each engine, interleaved, alternating which goes first."""
    best = {e: (np.inf, np.inf) for e in _wcc_core.ENGINES}
    values = {}
    for rep in range(repeat):
        order = _wcc_core.ENGINES if rep % 2 == 0 else _wcc_core.ENGINES[::-1]
        for engine in order:
            wall, cpu = time.perf_counter(), time.process_time()
            values[engine] = run(pairs, step_s, engine)
            best[engine] = min(best[engine], (time.perf_counter() - wall,
                                              time.process_time() - cpu))
    for a, b in zip(*values.values()):
        np.testing.assert_array_equal(np.isnan(a), np.isnan(b))
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-12, equal_nan=True)
    cells = sum(v.size for v in values["numba"])
    return best, cells


def compile_times():
    """(first call with an empty cache, first call with the cache filled) in fresh
    processes, and the import time."""
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache}
        got = [subprocess.run([sys.executable, "-c", COMPILE], env=env, capture_output=True,
                              text=True, check=True).stdout.split() for _ in range(2)]
    return float(got[0][1]), float(got[1][1]), float(got[1][0])


def peak_ratio(x, y, engine):
    _wcc_core.ENGINE = engine
    tracemalloc.start()
    res = att.wcc(x, y, RATE, window_s=WINDOW_S, max_lag_s=LAG_S, step_s=1 / RATE)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / res.values.nbytes, res.values.nbytes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path,
                        default=Path(__file__).resolve().parents[2] / "shared")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    files = sorted((args.shared / "data" / "rmea_psychotherapy").glob("*/*.txt"))
    pairs = [att.read_mea(f, RATE).pair() for f in files]
    print(f"{len(pairs)} sessions, {len(pairs[0][0])} samples at {RATE} Hz; lag {LAG_S} s, "
          f"window {WINDOW_S} s; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} "
          "cores")
    peers = {row["case"].split("step ")[-1].split(" (")[0]: row
             for row in csv.DictReader(PEERS.open()) if "20 rMEA" in row["case"]}
    rows = []
    run(pairs[:1], 1.0, "numba")  # compiled (or loaded from the cache) before timing
    for label, step_s in (("step 1 s", 1.0), ("step 1 sample", 1 / RATE)):
        best, cells = side_by_side(pairs, step_s, args.repeat)
        (wall, cpu), (n_wall, n_cpu) = best["numba"], best["numpy"]
        peer = peers[label.removeprefix("step ")]
        lo, hi = float(peer["low_s"]), float(peer["high_s"])
        print(f"\n{label}: {cells / 1e6:.1f} M cells")
        print(f"  numba kernel      wall {wall:7.3f} s   cpu {cpu:7.3f} s")
        print(f"  NumPy path        wall {n_wall:7.3f} s   cpu {n_cpu:7.3f} s")
        print(f"  ratio NumPy / numba: wall {n_wall / wall:5.2f}x   cpu {n_cpu / cpu:5.2f}x")
        print(f"  {peer['peer']} {peer['version']} (committed): {lo:g}-{hi:g} s -> "
              f"{lo / cpu:.1f}-{hi / cpu:.1f}x (against our cpu time)")
        case = label.replace(" ", "_")
        rows += [(case, "numba_cpu_s", cpu, "s"), (case, "numba_wall_s", wall, "s"),
                 (case, "numpy_cpu_s", n_cpu, "s"), (case, "numpy_wall_s", n_wall, "s"),
                 (case, "ratio_numpy_over_numba_cpu", n_cpu / cpu, "x"),
                 (case, "ratio_r_peer_low_over_numba_cpu", lo / cpu, "x")]
    first, cached, imported = compile_times()
    print(f"\nfirst call in a fresh process: {first:.2f} s with an empty numba cache, "
          f"{cached:.2f} s with it filled (import of attunement {imported:.2f} s)")
    rows += [("compile", "first_call_empty_cache_s", first, "s"),
             ("compile", "first_call_cached_s", cached, "s")]
    x, y = pairs[0]
    rng = np.random.default_rng(0)
    hour = rng.normal(size=(2, 3600 * RATE)).cumsum(-1)
    for name, (a, b) in (("one session", (x, y)), ("one hour", hour)):
        for engine in _wcc_core.ENGINES:
            ratio, size = peak_ratio(a, b, engine)
            print(f"memory, {name} at step 1 sample, {engine}: peak {ratio:.2f}x the output "
                  f"({size / 2**20:.0f} MiB)")
            rows.append((f"memory_{name.replace(' ', '_')}", f"peak_over_output_{engine}",
                         ratio, "x"))
    print(f"\nappended to {append('wcc', rows)}")


if __name__ == "__main__":
    main()
