"""Make ``multisyncpy_mit.json``: multiSyncPy 0.1.2 on the bundled MIT MEA sample.

Run in a throwaway environment outside the project (multiSyncPy is not a dependency)::

    python3 -m venv /tmp/peers && /tmp/peers/bin/pip install multisyncpy==0.1.2
    /tmp/peers/bin/python tests/reference/make_multisyncpy.py

Input: ``tests/data/applied_project_mea/MEA_video1000.txt`` and ``MEA_video101.txt`` (MIT),
columns 1 and 2, first 6,000 samples (25 Hz), each series z-scored with the population SD;
phases are the angle of ``scipy.signal.hilbert`` of the z-scored series. The calls, from
``multiSyncPy.synchrony_metrics`` (multiSyncPy 0.1.2, LGPL-3.0; its outputs are numbers):

- ``rho(phases)[1]`` (cluster-phase rho), ``coherence_team(z)``, ``sum_normalized_csd(z)``,
  ``symbolic_entropy(z)``;
- ``rqa_metrics(recurrence_matrix(z[:, :3000], 0.5))`` and the same with
  ``embedding_dimension=3, embedding_delay=5``: [recurrence rate, determinism, mean diagonal
  line length, max diagonal line length].

These are the calls of ``../shared/reference/multisyncpy_pyrqa`` (there on GPL data too).
"""

import json
import sys
from importlib.metadata import version
from pathlib import Path

import numpy as np
from multiSyncPy import synchrony_metrics as sm
from scipy.signal import hilbert

HERE = Path(__file__).resolve().parent
DATA = HERE.parent / "data" / "applied_project_mea"
SESSIONS = ("MEA_video1000", "MEA_video101")


def zscored(name):
    """Columns 1-2, first 6,000 samples, z-scored (population SD): shape (2, 6000)."""
    data = np.loadtxt(DATA / f"{name}.txt", usecols=(0, 1))[:6000].T
    return (data - data.mean(axis=1, keepdims=True)) / data.std(axis=1, keepdims=True)


def main():
    assert version("multisyncpy") == "0.1.2", version("multisyncpy")
    out = {"peer": "multiSyncPy 0.1.2", "python": sys.version.split()[0],
           "numpy": np.__version__}
    for name in SESSIONS:
        z = zscored(name)
        phases = np.angle(hilbert(z))
        short = z[:, :3000]
        out[name] = {
            "rho_group": float(sm.rho(phases)[1]),
            "coherence_team": float(sm.coherence_team(z)),
            "sum_normalized_csd": float(sm.sum_normalized_csd(z)),
            "symbolic_entropy": float(sm.symbolic_entropy(z)),
            "mdrqa_r0.5": [float(v) for v in sm.rqa_metrics(sm.recurrence_matrix(short, 0.5))],
            "mdrqa_r0.5_emb3_del5": [float(v) for v in sm.rqa_metrics(sm.recurrence_matrix(
                short, 0.5, embedding_dimension=3, embedding_delay=5))],
        }
    (HERE / "multisyncpy_mit.json").write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
