"""Simulator speed: an hour of a dyad at 30 Hz, against a per-sample Python loop.

Run by hand: ``.venv/bin/python benchmarks/bench_simulate.py [--repeat 5]``.

Target (issue #6): one hour at 30 Hz in under 1 s. Named baseline, run in the same
process: the coupled recursion of ``attunement.simulate.dynamics.coupled_pair``
(affect and activity at 1 s lags, one hour at 30 Hz) written as a plain per-sample
Python loop. Reported: best-of-``repeat`` wall time of the block recursion and of the
loop on the same inputs (checked equal), their ratio, and the whole ``simulate_dyad``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from attunement.simulate import simulate_dyad
from attunement.simulate.dynamics import coupled_pair

RATE, HOUR_S, LAG = 30.0, 3600.0, 30


def loop_pair(u1, u2, k12, k21, lag12, lag21):
    """The baseline: the same recursion, one sample at a time."""
    n = u1.shape[-1]
    y1, y2 = np.array(u1, copy=True), np.array(u2, copy=True)
    for t in range(n):
        s1, s2 = (1 - k21[t] ** 2) ** 0.5, (1 - k12[t] ** 2) ** 0.5
        if t >= lag12 + lag21:
            y1[:, t] = s1 * u1[:, t] + k21[t] * y2[:, t - lag21]
        if t >= lag12:
            y2[:, t] = s2 * u2[:, t] + k12[t] * y1[:, t - lag12]
        else:
            y2[:, t] = s2 * u2[:, t]
    return y1, y2


def best(func, repeat: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        out = func()
        times.append(time.perf_counter() - start)
    return min(times), out


def main(repeat: int) -> None:
    n = int(HOUR_S * RATE)
    rng = np.random.default_rng(0)
    u1, u2 = rng.standard_normal((2, 2, n))
    k12 = np.where(rng.random(n) < 0.9, 0.5, 0.05)
    k21 = k12.copy()
    fast, (a1, a2) = best(lambda: coupled_pair(u1, u2, k12, k21, LAG, LAG), repeat)
    slow, (b1, b2) = best(lambda: loop_pair(u1, u2, k12, k21, LAG, LAG), 1)
    assert np.allclose(a1, b1) and np.allclose(a2, b2), "block recursion differs from the loop"
    print(f"coupled recursion, 2 states x {n} samples, lags {LAG} samples:")
    print(f"  per-sample Python loop (baseline): {slow * 1e3:9.1f} ms")
    print(f"  block recursion (attunement):      {fast * 1e3:9.1f} ms   {slow / fast:6.0f}x faster")
    for procedure in ("free-play", "still-face"):
        whole, sim = best(
            lambda p=procedure: simulate_dyad("inconsistent", HOUR_S, RATE, procedure=p, seed=1),
            repeat,
        )
        shape = sim.session.signals.shape
        print(
            f"simulate_dyad, 1 h at 30 Hz, {procedure:10s} ({shape[0]} x {shape[1]} channels): "
            f"{whole * 1e3:7.1f} ms (target < 1000 ms); the baseline loop alone takes "
            f"{slow / whole:.1f}x as long"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    main(parser.parse_args().repeat)
