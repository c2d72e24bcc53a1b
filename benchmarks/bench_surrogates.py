"""Speed of ``attunement.stats.surrogate_test`` (batched) against a loop over the single-session
measure, on the same surrogates.

500 segment-shuffled surrogates of one rMEA psychotherapy session (10 min at 25 Hz,
../shared/data/rmea_psychotherapy/normal/200_01.txt) at lag 5 s / window 30 s / step 1 s
(Fisher z, absolute values). Target (issue #5): under 10 s on the project's 2-core machine.
Both paths must give the same null distribution. A second case, 500 circular shifts of a
3-min pair at 5 Hz (lag 2 s, window 20 s, step 5 s, as in the calibration tests), shows where
batching pays: on long series one surrogate already fills the cache, so batches are sized
to about 1 MB and the batched path matches the loop; on short ones it saves call overhead.

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
    print(f"\nthe same session, {args.n} circular shifts")
    rows += compare(x, y, 25, "shift", args.n, PARAMS, "session_shift")
    rng = np.random.default_rng(0)
    short = lfilter([1], [1, -0.9], rng.normal(size=(2, 900)), axis=1)
    print(f"\nshort pair: 900 samples at 5 Hz; {args.n} circular shifts, lag 2 s, window 20 s, "
          "step 5 s")
    rows += compare(*short, 5, "shift", args.n, dict(window_s=20, max_lag_s=2, step_s=5,
                                                     fisher_z=True, absolute=True),
                    "short_shift")
    print(f"\nappended to {append('surrogates', rows)}")


def compare(x, y, rate, null, n, params, case):
    """Best of three runs of each path, after a warm-up, alternating which goes first (on a
    shared machine the order alone moves timings by tens of per cent)."""
    surrogate_test(x, y, rate, null=null, n_surrogates=2, seed=0, params=params)
    out = {}

    def batched():
        out["test"] = surrogate_test(x, y, rate, null=null, n_surrogates=n, seed=1,
                                     params=params)

    def loop():
        xs, ys = make_surrogates(x, y, null, n, rate, max_lag_s=params["max_lag_s"],
                                 window_s=params["window_s"], seed=np.random.default_rng(1))
        out["loop"] = np.array([att.wcc(a, b, rate, **params).grand_average
                                for a, b in zip(xs, ys)])

    best = {batched: (np.inf, np.inf), loop: (np.inf, np.inf)}
    for rep in range(3):
        for func in (batched, loop) if rep % 2 == 0 else (loop, batched):
            wall, cpu = time.perf_counter(), time.process_time()
            func()
            best[func] = min(best[func], (time.perf_counter() - wall,
                                          time.process_time() - cpu))
    (wall, cpu), (l_wall, l_cpu) = best[batched], best[loop]
    test, looped = out["test"], out["loop"]

    print(f"  surrogate_test (batched)   wall {wall:7.2f} s   cpu {cpu:7.2f} s")
    print(f"  loop over attunement.wcc   wall {l_wall:7.2f} s   cpu {l_cpu:7.2f} s")
    print(f"  ratio (loop / batched): wall {l_wall / wall:5.2f}x   cpu {l_cpu / cpu:5.2f}x;"
          f"  max |difference| of the nulls {np.max(np.abs(test.null - looped)):.1e}")
    print(f"  observed {test.observed:.4f}, surrogate mean {test.surrogate_mean:.4f}, "
          f"effect size {test.effect_size:.2f}, p {test.p_value:.3f}")
    print(f"  per surrogate {cpu / n * 1e3:.2f} ms cpu: 10,000 would take about "
          f"{cpu / n * 1e4:.0f} s")
    return [(case, "batched_cpu_s", cpu, "s"), (case, "loop_cpu_s", l_cpu, "s"),
            (case, "ratio_loop_over_batched_cpu", l_cpu / cpu, "x"),
            (case, "n_surrogates", n, "count")]

if __name__ == "__main__":
    main()
