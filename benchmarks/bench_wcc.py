"""Speed and memory of ``attunement.wcc``: the compiled kernel (numba) against the NumPy
reference path and a plain C kernel, side by side, and against the R peers' committed timings.

The 20 rMEA psychotherapy sessions (10 min at 25 Hz, ../shared/data/rmea_psychotherapy) at
lag 5 s / window 30 s, with a step of 1 s (r, and Fisher z) and of one sample (plain r). The
engines run in this process, interleaved, best of ``--repeat`` in cpu seconds (one thread);
numba and NumPy are checked equal (same NaN, 1e-12). The plain C kernel (``wcc_plain.c``,
compiled here with the system ``cc -O3 -march=native``, skipped without one; never part of the
package) computes the same cells with running sums and no rounding guard: same NaN, within
1e-6, and the cells beyond 1e-9 are counted (the package recomputes such windows exactly, the
plain kernel does not). R cannot be installed here: the R figures (rMEA 1.3.0, R ``wcc``
0.4.1's C ``cumc`` backend) are read from ``results/peer_r.csv``, which says where they come
from. Also measured: numba's first-call compile time and the cached load (fresh processes, a
fresh cache folder), and peak memory (tracemalloc: NumPy's allocations) against the output's
size, for one session and for one hour at 25 Hz. Figures are appended to ``results/wcc.csv``.

With missing values (``--masked``: only these cases), numba against NumPy (the plain C kernel
has no missing-value rules): the same sessions with 1 % of samples missing at random in
each series, and with gaps (20 runs of 0.2-3 s missing per series, as dropped video frames),
at step 1 s, and the 1 % case at a step of one sample; seed 0.

Run: ``.venv/bin/python benchmarks/bench_wcc.py [--shared PATH] [--repeat 3] [--masked]``
"""

from __future__ import annotations

import argparse
import csv
import ctypes
import os
import shutil
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


def plain_c(folder: str):
    """The plain C kernel compiled into ``folder``, as a function like :func:`run`'s
    engines, or None without a C compiler."""
    cc = shutil.which("cc")
    if cc is None:
        return None
    lib_path = Path(folder) / "wcc_plain.so"
    subprocess.run([cc, "-O3", "-march=native", "-shared", "-fPIC", "-o", str(lib_path),
                    str(Path(__file__).with_name("wcc_plain.c")), "-lm"], check=True)
    lib = ctypes.CDLL(str(lib_path))
    ptr, long_ = ctypes.POINTER(ctypes.c_double), ctypes.c_long
    lib.wcc_plain.argtypes = [ptr, ptr, long_, long_, long_, long_, long_, ctypes.c_int, ptr]

    def wcc_c(x, y, step_s, fisher_z):
        x, y = (np.ascontiguousarray(a, dtype=float) for a in (x, y))
        win, lag, step = WINDOW_S * RATE, LAG_S * RATE, round(step_s * RATE)
        n_windows = (len(x) - win - lag) // step + 1
        out = np.empty((n_windows, 2 * lag + 1))
        if lib.wcc_plain(x.ctypes.data_as(ptr), y.ctypes.data_as(ptr), len(x), win, lag, step,
                         n_windows, int(fisher_z), out.ctypes.data_as(ptr)):
            raise MemoryError("wcc_plain: out of memory")
        return out
    return wcc_c


def with_missing(pairs, kind, seed=0):
    """Copies of ``pairs`` with values missing: "1 % missing" (each sample at random) or
    "gaps" (20 runs of 5-75 samples per series at random places)."""
    rng = np.random.default_rng(seed)
    out = []
    for pair in pairs:
        new = []
        for a in pair:
            a = np.array(a, dtype=float)
            if kind == "1 % missing":
                a[rng.random(len(a)) < 0.01] = np.nan
            else:
                for start, length in zip(rng.integers(0, len(a) - 75, 20),
                                         rng.integers(5, 76, 20)):
                    a[start : start + length] = np.nan
            new.append(a)
        out.append(tuple(new))
    return out


def masked_cases(pairs, repeat):
    """numba against NumPy on the sessions with missing values (equal within TOL = 1e-10,
    the rounding bound both keep: the masked sums are added in another order); rows for the
    history."""
    rows = []
    for kind, step_s in (("1 % missing", 1.0), ("gaps", 1.0), ("1 % missing", 1 / RATE)):
        best, cells, off = side_by_side(with_missing(pairs, kind), step_s, repeat, False, None,
                                        atol=1e-10)
        step = "1 s" if step_s == 1.0 else "1 sample"
        rows += report(f"step {step}, {kind.replace('%', 'pct')}", best, cells, off, None)
    return rows


def run(pairs, step_s, engine, fisher_z=False):
    if callable(engine):
        return [engine(x, y, step_s, fisher_z) for x, y in pairs]
    _wcc_core.ENGINE = engine
    return [att.wcc(x, y, RATE, window_s=WINDOW_S, max_lag_s=LAG_S, step_s=step_s,
                    fisher_z=fisher_z).values for x, y in pairs]


def side_by_side(pairs, step_s, repeat, fisher_z, c_kernel, atol=1e-12):
    """Best (wall, cpu) of each engine (numba, numpy, and "c" where compiled), interleaved,
    alternating the order; values checked equal (numba vs numpy within ``atol``)."""
    engines = {e: e for e in _wcc_core.ENGINES}
    if c_kernel is not None:
        engines["c"] = c_kernel
    best = {e: (np.inf, np.inf) for e in engines}
    values = {}
    for rep in range(repeat):
        order = list(engines) if rep % 2 == 0 else list(engines)[::-1]
        for name in order:
            wall, cpu = time.perf_counter(), time.process_time()
            values[name] = run(pairs, step_s, engines[name], fisher_z)
            best[name] = min(best[name], (time.perf_counter() - wall,
                                          time.process_time() - cpu))
    for a, b in zip(values["numba"], values["numpy"]):
        np.testing.assert_array_equal(np.isnan(a), np.isnan(b))
        np.testing.assert_allclose(a, b, rtol=0, atol=atol, equal_nan=True)
    off = 0
    for a, b in zip(values["numba"], values.get("c", [])):
        np.testing.assert_array_equal(np.isnan(a), np.isnan(b))
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-6, equal_nan=True)
        off += int((np.abs(a - b) > 1e-9).sum())
    cells = sum(v.size for v in values["numba"])
    return best, cells, off


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


def report(label, best, cells, off, peer):
    """Print one case's timings and ratios; its rows for the history."""
    (wall, cpu), (n_wall, n_cpu) = best["numba"], best["numpy"]
    case = label.replace(", ", "_").replace(" ", "_")
    print(f"\n{label}: {cells / 1e6:.1f} M cells")
    print(f"  numba kernel      wall {wall:7.3f} s   cpu {cpu:7.3f} s")
    print(f"  NumPy path        wall {n_wall:7.3f} s   cpu {n_cpu:7.3f} s")
    rows = [(case, "numba_cpu_s", cpu, "s"), (case, "numba_wall_s", wall, "s"),
            (case, "numpy_cpu_s", n_cpu, "s"), (case, "numpy_wall_s", n_wall, "s"),
            (case, "ratio_numpy_over_numba_cpu", n_cpu / cpu, "x")]
    if "c" in best:
        c_wall, c_cpu = best["c"]
        print(f"  plain C kernel    wall {c_wall:7.3f} s   cpu {c_cpu:7.3f} s   "
              f"({off} cells differ by more than 1e-9)")
        print(f"  ratio numba / C (cpu): {cpu / c_cpu:5.2f}x (target: at most 2x)")
        rows += [(case, "c_cpu_s", c_cpu, "s"), (case, "ratio_numba_over_c_cpu", cpu / c_cpu,
                                                  "x")]
    print(f"  ratio NumPy / numba: wall {n_wall / wall:5.2f}x   cpu {n_cpu / cpu:5.2f}x")
    if peer is not None:
        lo, hi = float(peer["low_s"]), float(peer["high_s"])
        print(f"  {peer['peer']} {peer['version']} (committed): {lo:g}-{hi:g} s -> "
              f"{lo / cpu:.1f}-{hi / cpu:.1f}x (against our cpu time)")
        rows.append((case, "ratio_r_peer_low_over_numba_cpu", lo / cpu, "x"))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path,
                        default=Path(__file__).resolve().parents[2] / "shared")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--masked", action="store_true",
                        help="only the cases with missing values")
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
    run(with_missing(pairs[:1], "gaps"), 1.0, "numba")
    if args.masked:
        print(f"\nappended to {append('wcc', masked_cases(pairs, args.repeat))}")
        return
    with tempfile.TemporaryDirectory() as folder:
        c_kernel = plain_c(folder)
        if c_kernel is None:
            print("no C compiler (cc): the plain C baseline is skipped")
        for label, step_s, fisher_z in (("step 1 s", 1.0, False), ("step 1 s", 1.0, True),
                                        ("step 1 sample", 1 / RATE, False)):
            best, cells, off = side_by_side(pairs, step_s, args.repeat, fisher_z, c_kernel)
            rows += report(label + (", Fisher z" if fisher_z else ""), best, cells, off,
                           peers.get(label.removeprefix("step ")) if not fisher_z else None)
    rows += masked_cases(pairs, args.repeat)
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
