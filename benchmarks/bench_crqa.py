"""CRQA speed and memory: attunement's compiled engine (numba) and blocked NumPy engine,
side by side, against a dense NumPy baseline and PyRQA's committed timings.

Run by hand: ``.venv/bin/python benchmarks/bench_crqa.py [--repeat 3] [--large 100000]``.
``--large N`` also times the compiled engine once on N samples (one hour at 25 Hz is
90,000: the real sessions of ../shared/data/rmea_psychotherapy one after another) in a fresh
process, with its peak resident memory (ru_maxrss, the interpreter included). Figures are
appended to ``results/crqa.csv``.

Input: rMEA session normal/200_01 (25 Hz, first N samples, z-scored) when ``../shared`` is
there, else two smoothed random walks. Parameters are the PyRQA reference call: Euclidean,
radius 0.5, embedding dimension 3, delay 5 samples, Theiler 0, minimum lines 2.

Named baselines (same machine kind, ``../shared/reference/multisyncpy_pyrqa/README.md``):
PyRQA 8.1.0 with OpenCL on the CPU, N = 3,000: 3.0 s; N = 15,000: 18.2 s; R crqa,
N = 6,000: 28.6 s. The dense baseline below builds the N x N distance matrix and counts
lines diagonal by diagonal; it is run where its memory allows (N = 3,000).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
import tracemalloc
from functools import partial
from pathlib import Path

import numpy as np
from _history import append

from attunement.sync import _rqa_engine
from attunement.sync.recurrence import crqa

SHARED = Path(__file__).resolve().parents[2] / "shared"
RATE = 25.0
CALL = dict(dimension=3, delay_s=5 / RATE, radius=0.5, normalize="none")
ANCHORS = {("PyRQA 8.1.0 OpenCL CPU", 3000): 3.0, ("PyRQA 8.1.0 OpenCL CPU", 15000): 18.2,
           ("R crqa", 6000): 28.6}


def load(n: int) -> tuple[np.ndarray, np.ndarray]:
    path = SHARED / "data/rmea_psychotherapy/normal/200_01.txt"
    if path.exists():
        data = np.loadtxt(path, skiprows=1)[:n]
    else:
        rng = np.random.default_rng(0)
        data = np.cumsum(rng.normal(size=(n, 2)), axis=0)
    data = (data - data.mean(axis=0)) / data.std(axis=0)
    return data[:, 0], data[:, 1]


LARGE = """
import resource, sys, time
import numpy as np
from pathlib import Path
from attunement.sync.recurrence import crqa
n = int(sys.argv[1])
files = sorted(Path(sys.argv[2]).glob("data/rmea_psychotherapy/*/*.txt"))
data = np.concatenate([np.loadtxt(f, skiprows=1)[:, :2] for f in files])[:n]
data = (data - data.mean(axis=0)) / data.std(axis=0)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t, cpu = time.perf_counter(), time.process_time()
res = crqa(data[:, 0], data[:, 1], 25.0, dimension=3, delay_s=0.2, radius=0.5,
           normalize="none")
print(time.perf_counter() - t, time.process_time() - cpu,
      resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, before / 1024,
      res.recurrence_rate, res.determinism)
"""


def dense_crqa(x: np.ndarray, y: np.ndarray, m: int = 3, tau: int = 5, r: float = 0.5) -> dict:
    """Straightforward NumPy CRQA: full matrix, then runs per diagonal and per row."""
    n = len(x) - (m - 1) * tau
    ex = np.stack([x[d * tau : d * tau + n] for d in range(m)], axis=1)
    ey = np.stack([y[d * tau : d * tau + n] for d in range(m)], axis=1)
    dist = ((ex[:, None, :] - ey[None, :, :]) ** 2).sum(axis=-1)
    rec = dist < r * r
    del dist

    def lengths(v: np.ndarray) -> np.ndarray:
        edges = np.flatnonzero(np.diff(np.concatenate(([False], v, [False])).astype(np.int8)))
        return edges[1::2] - edges[0::2]

    diag = np.concatenate([lengths(np.diagonal(rec, k)) for k in range(-n + 1, n)])
    padded = np.zeros((n, n + 2), dtype=bool)
    padded[:, 1:-1] = rec
    vert = lengths(padded.ravel()[1:-1])
    points = int(rec.sum())
    long_d, long_v = diag[diag >= 2], vert[vert >= 2]
    return {"recurrence_rate": points / n**2, "determinism": long_d.sum() / points,
            "laminarity": long_v.sum() / points}


def timed(func, repeat: int) -> tuple[float, float, object]:
    """Best wall time over ``repeat`` runs and the peak traced memory of one run (MB)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        out = func()
        times.append(time.perf_counter() - start)
    tracemalloc.start()
    func()
    peak = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    return min(times), peak, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--large", type=int, default=0)
    args = parser.parse_args()
    rows = []
    for n in (3000, 6000, 15000):
        x, y = load(n)
        for precision in ("single", "double"):
            for engine, label in (("numba", "compiled"), ("numpy", "blocked")):
                _rqa_engine.ENGINE = engine
                run = partial(crqa, x, y, RATE, precision=precision, **CALL)
                t, mem, res = timed(run, args.repeat)
                rows.append((f"attunement {label} ({precision})", n, t, mem,
                             res.determinism))
        if n == 3000:
            t, mem, res = timed(partial(dense_crqa, x, y), args.repeat)
            rows.append(("dense NumPy baseline (double)", n, t, mem, res["determinism"]))
    print(f"{'method':34s} {'N':>6s} {'time_s':>8s} {'peak_MB':>8s} {'DET':>8s}")
    for name, n, t, mem, det in rows:
        print(f"{name:34s} {n:6d} {t:8.2f} {mem:8.1f} {det:8.5f}")
    ours = {(name, n): t for name, n, t, _, _ in rows}
    dense = ours[("dense NumPy baseline (double)", 3000)]
    print("\nratios (other / attunement double; > 1 means attunement is faster)")
    print(f"dense NumPy, N=3000: {dense / ours[('attunement blocked (double)', 3000)]:.1f}x")
    n_vec = 15000 - 10
    print(f"dense NumPy, N=15000: not run; its (N, N, 3) difference array alone would take "
          f"{n_vec**2 * 3 * 8 / 1e9:.1f} GB")
    history = []
    for n in (3000, 6000, 15000):
        ratio = ours[("attunement blocked (double)", n)] / ours[("attunement compiled (double)",
                                                               n)]
        print(f"blocked NumPy engine / compiled, N={n}: {ratio:.2f}x")
        history.append((f"N={n}", "ratio_blocked_over_compiled_double", ratio, "x"))
    for (tool, n), seconds in ANCHORS.items():
        mine = ours[("attunement compiled (double)", n)]
        print(f"{tool}, N={n}: {seconds / mine:.1f}x ({seconds:.1f} s vs {mine:.2f} s)")
        history.append((f"N={n}", f"ratio_{tool.split()[0].lower()}_over_compiled", seconds / mine,
                        "x"))
    if args.large:
        got = subprocess.run([sys.executable, "-c", LARGE, str(args.large), str(SHARED)],
                             capture_output=True, text=True, check=True).stdout.split()
        t, cpu, peak, before, rr, det = map(float, got)
        print(f"\ncompiled engine, N={args.large}: {t:.1f} s wall, {cpu:.1f} s cpu, peak "
              f"resident {peak:.0f} MB "
              f"({before:.0f} MB before the call); RR {rr:.4f}, DET {det:.4f}")
        history += [(f"N={args.large}", "compiled_wall_s", t, "s"),
                    (f"N={args.large}", "compiled_cpu_s", cpu, "s"),
                    (f"N={args.large}", "peak_rss_mb", peak, "MB")]
    print(f"\nappended to {append('crqa', history)}")


if __name__ == "__main__":
    main()
