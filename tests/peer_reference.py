"""Inputs and outputs of the PyRQA 8.1.0 / multiSyncPy 0.1.2 reference runs.

Two sets, made with the same calls: ``tests/reference/pyrqa_mit.json`` and
``multisyncpy_mit.json`` on the bundled MIT sample (``tests/reference/make_pyrqa.py`` and
``make_multisyncpy.py`` made them; they run on a clone), and
``../shared/reference/multisyncpy_pyrqa/reference.json`` (its README gives the calls; one
session is GPL data, so it is not bundled). Inputs: columns 1-2, first 6,000 samples, each
series z-scored with the population SD.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

TESTS = Path(__file__).resolve().parent
SESSIONS = {
    "rmea_200_01": ("data/rmea_psychotherapy/normal/200_01.txt", 1),
    "applied_MEA_video1000": ("data/applied_project_mea/TxtFiles_cleaned/MEA_video1000.txt", 0),
}
BUNDLED_SESSIONS = ("MEA_video1000", "MEA_video101")
SAMPLING_RATE = 25.0


def reference(shared: Path) -> dict:
    """The peer tools' outputs on ../shared, keyed by session."""
    return json.loads((shared / "reference/multisyncpy_pyrqa/reference.json").read_text())


def bundled_reference(peer: str) -> dict:
    """The outputs of ``peer`` ('pyrqa' or 'multisyncpy') on the bundled MIT sample."""
    return json.loads((TESTS / "reference" / f"{peer}_mit.json").read_text())


def _zscored(path: Path, skip: int) -> np.ndarray:
    data = np.loadtxt(path, skiprows=skip, usecols=(0, 1))[:6000].T
    return (data - data.mean(axis=1, keepdims=True)) / data.std(axis=1, keepdims=True)


def series(shared: Path, name: str) -> np.ndarray:
    """The z-scored input of session ``name`` in ../shared, shape (2, 6000)."""
    path, skip = SESSIONS[name]
    return _zscored(shared / path, skip)


def bundled_series(name: str) -> np.ndarray:
    """The z-scored input of bundled session ``name`` (tests/data), shape (2, 6000)."""
    return _zscored(TESTS / "data" / "applied_project_mea" / f"{name}.txt", 0)
