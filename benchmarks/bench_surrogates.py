"""Speed of ``attunement.stats.surrogate_test`` against a loop over the single-session
measure, on the same surrogates.

One rMEA psychotherapy session (10 min at 25 Hz, ../shared/data/rmea_psychotherapy/normal/
200_01.txt): segment-shuffled surrogates (batched WCC) and circular shifts (the shift kernel,
``attunement.lagcorr.shifts``: all shifts together) at lag 5 s / window 30 s / step 1 s
(Fisher z, absolute values), and 10,000 circular shifts at the WCC's defaults (lag 5 s,
window 60 s, step 30 s; target of issue 26: under 5 s, at least 10x the loop). A short pair
(3 min at 5 Hz) shows the per-call overhead. The loop runs ``attunement.wcc`` on each of the
first ``n_loop`` surrogates (the same shifts or segments: their nulls are checked equal) and
its time per surrogate is scaled to the batch; cpu seconds (all threads) and wall seconds,
best of three interleaved runs.

Run: ``.venv/bin/python benchmarks/bench_surrogates.py [--shared PATH] [--n 500]``
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
from _history import append
from scipy.signal import lfilter

import attunement as att
from attunement.stats import make_surrogates, surrogate_test
from attunement.stats.surrogates import min_shift, shift_offsets

PARAMS = dict(window_s=30, max_lag_s=5, step_s=1, fisher_z=True, absolute=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path,
                        default=Path(__file__).resolve().parents[2] / "shared")
    parser.add_argument("--n", type=int, default=500)
    args = parser.parse_args()
    session = att.read_mea(args.shared / "data/rmea_psychotherapy/normal/200_01.txt", 25)
    x, y = session.pair()
    print(f"{session.id}: {len(x)} samples at 25 Hz; {args.n} segment-shuffled surrogates, "
          "lag 5 s, window 30 s, step 1 s")

    rows = compare(x, y, 25, "segments", args.n, PARAMS, "session_segments")
    print(f"\nthe same session, {2 * args.n} circular shifts")
    rows += compare(x, y, 25, "shift", 2 * args.n, PARAMS, "session_shift", n_loop=100)
    print("\nthe same session, 10,000 circular shifts at the defaults (lag 5 s, window 60 s, "
          "step 30 s)")
    rows += compare(x, y, 25, "shift", 10_000, dict(window_s=60, max_lag_s=5, step_s=30),
                    "session_shift_10000_default", n_loop=300)
    rng = np.random.default_rng(0)
    short = lfilter([1], [1, -0.9], rng.normal(size=(2, 900)), axis=1)
    print(f"\nshort pair: 900 samples at 5 Hz; {args.n} circular shifts, lag 2 s, window 20 s, "
          "step 5 s")
    rows += compare(*short, 5, "shift", args.n, dict(window_s=20, max_lag_s=2, step_s=5,
                                                     fisher_z=True, absolute=True),
                    "short_shift")
    print(f"\nappended to {append('surrogates', rows)}")


def compare(x, y, rate, null, n, params, case, n_loop=None):
    """Best of three runs of each path, after a warm-up, alternating which goes first (on a
    shared machine the order alone moves timings by tens of per cent)."""
    n_loop = n if n_loop is None else n_loop
    surrogate_test(x, y, rate, null=null, n_surrogates=2, seed=0, params=params)
    out = {}

    def batched():
        out["test"] = surrogate_test(x, y, rate, null=null, n_surrogates=n, seed=1,
                                     params=params)

    def loop():
        rng = np.random.default_rng(1)
        if null == "shift":  # the first n_loop of the same draws, shifted one at a time
            shifts = shift_offsets(len(y), min_shift(params["max_lag_s"], rate), n_loop, rng)
            pairs = ((x, np.roll(y, s)) for s in shifts)
        else:
            pairs = zip(*make_surrogates(x, y, null, n_loop, rate,
                                         max_lag_s=params["max_lag_s"],
                                         window_s=params["window_s"], seed=rng))
        out["loop"] = np.array([att.wcc(a, b, rate, **params).grand_average for a, b in pairs])

    best = {batched: (np.inf, np.inf), loop: (np.inf, np.inf)}
    for rep in range(3):
        for func in (batched, loop) if rep % 2 == 0 else (loop, batched):
            wall, cpu = time.perf_counter(), time.process_time()
            func()
            best[func] = min(best[func], (time.perf_counter() - wall,
                                          time.process_time() - cpu))
    scale = n / n_loop
    (wall, cpu), (l_wall, l_cpu) = best[batched], best[loop]
    l_wall, l_cpu = l_wall * scale, l_cpu * scale
    test, looped = out["test"], out["loop"]

    print(f"  surrogate_test             wall {wall:7.2f} s   cpu {cpu:7.2f} s")
    print(f"  loop over attunement.wcc   wall {l_wall:7.2f} s   cpu {l_cpu:7.2f} s"
          + (f"  ({n_loop} surrogates timed, scaled to {n})" if scale != 1 else ""))
    print(f"  ratio (loop / surrogate_test): wall {l_wall / wall:5.2f}x   cpu "
          f"{l_cpu / cpu:5.2f}x;  max |difference| of the nulls "
          f"{np.max(np.abs(test.null[:n_loop] - looped)):.1e}")
    print(f"  observed {test.observed:.4f}, surrogate mean {test.surrogate_mean:.4f}, "
          f"effect size {test.effect_size:.2f}, p {test.p_value:.4f}")
    print(f"  per surrogate {cpu / n * 1e3:.3f} ms cpu: 10,000 would take about "
          f"{cpu / n * 1e4:.1f} s cpu")
    return [(case, "batched_cpu_s", cpu, "s"), (case, "batched_wall_s", wall, "s"),
            (case, "loop_cpu_s", l_cpu, "s"), (case, "loop_wall_s", l_wall, "s"),
            (case, "ratio_loop_over_batched_cpu", l_cpu / cpu, "x"),
            (case, "ratio_loop_over_batched_wall", l_wall / wall, "x"),
            (case, "n_surrogates", n, "count"), (case, "n_loop_timed", n_loop, "count")]


if __name__ == "__main__":
    main()
