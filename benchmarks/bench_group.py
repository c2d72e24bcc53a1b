"""Group measures against multiSyncPy 0.1.2, the peer they follow: cluster-phase rho,
team coherence and sum-normalised CSD, with the values checked equal.

Input: four real signals (both partners of rMEA sessions 200_01 and 201_01, 10 min at 25 Hz,
z-scored; phases from scipy's Hilbert transform, as in ../shared/reference/multisyncpy_pyrqa).
multiSyncPy lives only in the benchmark's environment, never a dependency:
``python3 -m venv /tmp/peers-bench && /tmp/peers-bench/bin/pip install multiSyncPy==0.1.2``;
it runs in that interpreter (``--peer-python``) on the same arrays, alternating with ours,
best of ``--repeat`` in each. Figures are appended to ``results/group.csv``.

Run: ``.venv/bin/python benchmarks/bench_group.py [--peer-python /tmp/peers-bench/bin/python]``
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
from _history import append
from scipy import signal as sps

import attunement as att
from attunement.sync.group import cluster_phase, sum_normalized_csd, team_coherence

PEER = """
import json, sys, time
import numpy as np
from multiSyncPy import synchrony_metrics as sm
z, phases = np.load(sys.argv[1]), np.load(sys.argv[2])
repeat = int(sys.argv[3])
calls = {"rho": lambda: sm.rho(phases)[1], "coherence_team": lambda: sm.coherence_team(z),
         "sum_normalized_csd": lambda: sm.sum_normalized_csd(z)}
out = {}
for name, call in calls.items():
    best = float("inf")
    for _ in range(repeat):
        t = time.process_time()
        value = call()
        best = min(best, time.process_time() - t)
    out[name] = (best, float(value))
print(json.dumps(out))
"""


def ours(z, phases, repeat):
    calls = {"rho": lambda: cluster_phase(phases, 25, is_phase=True).value,
             "coherence_team": lambda: team_coherence(z, 25).value,
             "sum_normalized_csd": lambda: sum_normalized_csd(z, 25).value}
    out = {}
    for name, call in calls.items():
        best = np.inf
        for _ in range(repeat):
            t = time.process_time()
            value = call()
            best = min(best, time.process_time() - t)
        out[name] = (best, value)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path,
                        default=Path(__file__).resolve().parents[2] / "shared")
    parser.add_argument("--peer-python", default="/tmp/peers-bench/bin/python")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    folder = args.shared / "data" / "rmea_psychotherapy" / "normal"
    z = np.vstack([np.vstack(att.read_mea(folder / f"{sid}.txt", 25).pair())
                   for sid in ("200_01", "201_01")])
    z = (z - z.mean(1, keepdims=True)) / z.std(1, keepdims=True)
    phases = np.angle(sps.hilbert(z))
    print(f"{z.shape[0]} signals x {z.shape[1]} samples")
    with tempfile.TemporaryDirectory() as tmp:
        paths = [str(Path(tmp) / name) for name in ("z.npy", "phases.npy")]
        np.save(paths[0], z)
        np.save(paths[1], phases)
        best_ours, best_peer = {}, {}
        for rep in range(2):  # alternate which goes first
            steps = ("ours", "peer") if rep == 0 else ("peer", "ours")
            for who in steps:
                if who == "ours":
                    got = ours(z, phases, args.repeat)
                    target = best_ours
                else:
                    got = json.loads(subprocess.run(
                        [args.peer_python, "-c", PEER, *paths, str(args.repeat)],
                        capture_output=True, text=True, check=True).stdout)
                    target = best_peer
                for name, (t, v) in got.items():
                    target[name] = (min(t, target.get(name, (np.inf,))[0]), v)
    rows = []
    for name in best_ours:
        (t, v), (p, pv) = best_ours[name], best_peer[name]
        assert abs(v - pv) <= 1e-9 * abs(pv), (name, v, pv)
        print(f"{name:20s} ours {t * 1e3:8.2f} ms   multiSyncPy {p * 1e3:8.2f} ms   "
              f"ratio {p / t:5.2f}x   (values {v:.6g} = {pv:.6g})")
        rows += [(name, "ours_cpu_s", t, "s"), (name, "multisyncpy_cpu_s", p, "s"),
                 (name, "ratio_multisyncpy_over_ours_cpu", p / t, "x")]
    print(f"\nappended to {append('group', rows)}")


if __name__ == "__main__":
    main()
