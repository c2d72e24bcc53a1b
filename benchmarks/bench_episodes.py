"""Episode detection: accuracy against simulator truth on many seeds, and speed.

Run by hand: ``.venv/bin/python benchmarks/bench_episodes.py [--seeds 11-30] [--rate 10]``.

Per style (sensitive, intrusive, withdrawn): precision and recall of rupture onsets (hit:
within 3 s of a true onset, one-to-one), the correlation of detected with true repair
latencies, and the time-based balanced accuracy of the states; false ruptures per 10 min on
constant-coupling sessions; wall time per 10 min session. Channels: movement, positive and
negative affect, heart rate (no EEG). The defaults were set on seeds 1-3; use others here.
There is no peer tool to race: researchers hand-code ruptures.
"""

from __future__ import annotations

import argparse
import dataclasses
import time

import numpy as np

from attunement import STYLES, detect_episodes, simulate_dyad
from attunement.episodes import score_against_truth

CHANNELS = ["movement", "positive_affect", "negative_affect", "hr_bpm"]


def score_style(style, seeds, rate):
    n_found = n_true = n_hit = 0
    lat, acc, wall = [], [], []
    for seed in seeds:
        sim = simulate_dyad(style, duration_s=600, sampling_rate=rate, seed=seed)
        start = time.perf_counter()
        res = detect_episodes(sim.session, channel=CHANNELS)
        wall.append(time.perf_counter() - start)
        score = score_against_truth(sim, res, tolerance_s=3.0)
        n_found, n_true = n_found + score.n_detected, n_true + score.n_true
        n_hit += len(score.hits)
        lat += score.latencies.tolist()
        acc.append(score.balanced_accuracy)
    lat = np.array(lat)
    r = np.corrcoef(lat.T)[0, 1] if len(lat) > 2 else np.nan
    return n_found, n_true, n_hit, r, len(lat), float(np.mean(acc)), float(np.median(wall))


def false_ruptures(style, seeds, rate):
    constant = dataclasses.replace(STYLES[style], attuned_s=1e6, min_gap_s=1e5)
    found = sum(len(detect_episodes(simulate_dyad(constant, duration_s=600, sampling_rate=rate,
                                                  seed=s).session, channel=CHANNELS).ruptures)
                for s in seeds)
    return found / len(seeds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="11-30", help="first-last seed")
    parser.add_argument("--rate", type=float, default=10.0, help="simulated Hz")
    args = parser.parse_args()
    first, last = (int(v) for v in args.seeds.split("-"))
    seeds = range(first, last + 1)
    print(f"seeds {args.seeds}, {args.rate:g} Hz, 10 min sessions, channels {CHANNELS}")
    total = np.zeros(3)
    for style in ("sensitive", "intrusive", "withdrawn"):
        found, true, hit, r, n_lat, acc, wall = score_style(style, seeds, args.rate)
        total += (found, true, hit)
        print(f"{style:10s} ruptures {true:3d}  precision {hit / max(found, 1):.2f}  recall "
              f"{hit / max(true, 1):.2f}  latency r {r:.2f} (n={n_lat})  balanced accuracy "
              f"{acc:.2f}  {wall:.2f} s/session")
        if style != "withdrawn":
            print(f"{'':10s} constant coupling: {false_ruptures(style, seeds, args.rate):.2f} "
                  "false ruptures per 10 min")
    found, true, hit = total
    print(f"all three: precision {hit / found:.2f}, recall {hit / true:.2f} ({int(true)} ruptures)")


if __name__ == "__main__":
    main()
