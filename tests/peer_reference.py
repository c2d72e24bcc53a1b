"""Inputs and outputs of the PyRQA 8.1.0 / multiSyncPy 0.1.2 reference runs.

``../shared/reference/multisyncpy_pyrqa/README.md`` describes the calls that made
``reference.json``: two sessions, columns 1-2, first 6,000 samples, each series z-scored
with the population SD.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

SESSIONS = {
    "rmea_200_01": ("data/rmea_psychotherapy/normal/200_01.txt", 1),
    "applied_MEA_video1000": ("data/applied_project_mea/TxtFiles_cleaned/MEA_video1000.txt", 0),
}
SAMPLING_RATE = 25.0


def reference(shared: Path) -> dict:
    """The peer tools' outputs, keyed by session."""
    return json.loads((shared / "reference/multisyncpy_pyrqa/reference.json").read_text())


def series(shared: Path, name: str) -> np.ndarray:
    """The z-scored input of session ``name``, shape (2, 6000)."""
    path, skip = SESSIONS[name]
    data = np.loadtxt(shared / path, skiprows=skip, usecols=(0, 1))[:6000].T
    return (data - data.mean(axis=1, keepdims=True)) / data.std(axis=1, keepdims=True)
