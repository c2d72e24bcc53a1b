"""Speed of ``attunement.wcc`` against a straightforward per-window NumPy implementation.

The 20 rMEA psychotherapy sessions (10 min at 25 Hz, ../shared/data/rmea_psychotherapy) at
lag 5 s / window 30 s, with a step of 1 s and of one sample. The baseline loops over windows
and computes every lag of a window at once (two-pass Pearson r over a sliding view). Reported:
wall and CPU seconds of each, their ratio, and the peak memory of one session against the size
of its output. Reference figures (issue #4): rMEA 1.3.0 takes 107 s for the step-1-s run; the
R package wcc's C cumulative-sum backend 0.084 s per session (1.7 s for 20) at step 1 sample.

Run: ``.venv/bin/python benchmarks/bench_wcc.py [--shared PATH]``
"""

from __future__ import annotations

import argparse
import time
import tracemalloc
from pathlib import Path

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

import attunement as att

RATE, LAG_S, WINDOW_S = 25, 5, 30


def naive_wcc(x, y, win, lag, step):
    """Per-window loop: every lag of a window as rows of sliding views, two-pass r."""
    n_windows = (len(x) - win - lag) // step + 1
    out = np.empty((n_windows, 2 * lag + 1))
    for i in range(n_windows):
        s = i * step
        xs, ys = x[s : s + win + lag], y[s : s + win + lag]
        for sign, u, v in ((1, xs, ys), (-1, ys, xs)):
            a = u[:win] - u[:win].mean()
            b = sliding_window_view(v, win)
            b = b - b.mean(axis=1, keepdims=True)
            r = b @ a / np.sqrt((a @ a) * np.einsum("ij,ij->i", b, b))
            if sign > 0:
                out[i, lag:] = r
            else:
                out[i, lag - 1 :: -1] = r[1:]
    return out


def timed(func, repeat=1):
    best = (np.inf, np.inf)
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        value = func()
        best = min(best, (time.perf_counter() - wall, time.process_time() - cpu))
    return value, best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path,
                        default=Path(__file__).resolve().parents[2] / "shared")
    args = parser.parse_args()
    files = sorted((args.shared / "data" / "rmea_psychotherapy").glob("*/*.txt"))
    pairs = [att.read_mea(f, RATE).pair() for f in files]
    assert all(not np.isnan(np.r_[x, y]).any() for x, y in pairs)
    print(f"{len(pairs)} sessions, {len(pairs[0][0])} samples at {RATE} Hz; lag {LAG_S} s, "
          f"window {WINDOW_S} s")
    win, lag = WINDOW_S * RATE, LAG_S * RATE
    for label, step_s, sample_every in (("step 1 s", 1.0, 1), ("step 1 sample", 1 / RATE, 25)):
        step = round(step_s * RATE)

        def fast(step_s=step_s):
            return [att.wcc(x, y, RATE, window_s=WINDOW_S, max_lag_s=LAG_S, step_s=step_s)
                    for x, y in pairs]

        results, (wall, cpu) = timed(fast, repeat=3)
        # the baseline on every `sample_every`-th window, scaled up to all windows
        naive, (n_wall, n_cpu) = timed(
            lambda stride=step * sample_every: [naive_wcc(x, y, win, lag, stride)
                                                for x, y in pairs])
        diff = max(np.nanmax(np.abs(r.values[::sample_every] - v))
                   for r, v in zip(results, naive))
        n_wall, n_cpu = n_wall * sample_every, n_cpu * sample_every
        cells = sum(r.values.size for r in results)
        print(f"\n{label}: {cells / 1e6:.1f} M cells")
        print(f"  attunement.wcc   wall {wall:8.3f} s   cpu {cpu:8.3f} s")
        note = "" if sample_every == 1 else f"  (timed on 1 in {sample_every} windows, scaled)"
        print(f"  per-window NumPy wall {n_wall:8.3f} s   cpu {n_cpu:8.3f} s{note}")
        print(f"  ratio (baseline / wcc): wall {n_wall / wall:6.1f}x   cpu {n_cpu / cpu:6.1f}x;"
              f"  max |difference| {diff:.1e}")
    x, y = pairs[0]
    tracemalloc.start()
    res = att.wcc(x, y, RATE, window_s=WINDOW_S, max_lag_s=LAG_S, step_s=1 / RATE)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(f"\nmemory, one session at step 1 sample: peak {peak / 2**20:.0f} MiB for an output "
          f"of {res.values.nbytes / 2**20:.0f} MiB (input {x.nbytes / 2**10:.0f} KiB per series)")


if __name__ == "__main__":
    main()
