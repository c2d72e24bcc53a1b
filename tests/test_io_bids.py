"""Hyperscanning BIDS: participants paired by the dataset's fields, read with MNE-BIDS.

The dataset is written in each test by MNE-BIDS' own ``write_raw_bids`` (BrainVision files via
pybv) from simulated MNE Raw objects. Ground truth of the simulation: in dyad A both brains carry
the same 10 Hz rhythm (phase-locked), in dyad B each has its own 10 Hz rhythm with an independent
random phase drift, so PLV in alpha must be high for A and low for B.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from attunement.cli import app

mne = pytest.importorskip("mne")
mne_bids = pytest.importorskip("mne_bids")
pytest.importorskip("pybv")

from attunement.io.bids import bids_dyads, read_bids_pair  # noqa: E402

RATE, SECONDS = 250.0, 24
NAMES = ["Fz", "Cz", "Pz"]


def _rhythm(rng, drift: bool) -> np.ndarray:
    t = np.arange(int(RATE * SECONDS)) / RATE
    phase = np.cumsum(rng.normal(0, 0.3, t.size)) if drift else 0.0
    return np.sin(2 * np.pi * 10 * t + phase)


def _write_dataset(root, participants):
    """participants: {subject: (dyad, role, 10 Hz rhythm)}."""
    for k, (sub, (_, _, rhythm)) in enumerate(participants.items()):
        rng = np.random.default_rng(k)
        data = rhythm + 0.5 * rng.normal(size=(len(NAMES), rhythm.size))
        raw = mne.io.RawArray(data * 1e-5, mne.create_info(NAMES, RATE, "eeg"), verbose="error")
        raw.set_annotations(mne.Annotations([2.0, 12.0], [10.0, 10.0], ["play", "still_face"]))
        bp = mne_bids.BIDSPath(subject=sub, session="01", task="free", datatype="eeg", root=root)
        with warnings.catch_warnings():  # mne-bids warns about events and empty fields
            warnings.simplefilter("ignore")
            mne_bids.write_raw_bids(raw, bp, allow_preload=True, format="BrainVision",
                                    overwrite=True, verbose=False)
    table = pd.read_csv(root / "participants.tsv", sep="\t")
    table["dyad"] = [participants[p.removeprefix("sub-")][0] for p in table.participant_id]
    table["role"] = [participants[p.removeprefix("sub-")][1] for p in table.participant_id]
    table.to_csv(root / "participants.tsv", sep="\t", index=False)
    return root


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    rng = np.random.default_rng(7)
    shared = _rhythm(rng, drift=False)
    root = tmp_path_factory.mktemp("bids") / "ds"
    return _write_dataset(root, {
        "01": ("A", "2_child", shared), "02": ("A", "1_parent", shared),
        "03": ("B", "1_parent", _rhythm(rng, True)), "04": ("B", "2_child", _rhythm(rng, True)),
    })


def test_dyads_paired_by_participants_tsv_and_ordered_by_role(dataset):
    dyads = bids_dyads(dataset)
    assert [(d.name, d.subjects) for d in dyads] == [
        ("dyad-A_ses-01_task-free", ("02", "01")), ("dyad-B_ses-01_task-free", ("03", "04"))]
    raw_1, raw_2 = read_bids_pair(*dyads[0].paths)
    assert raw_1.ch_names == NAMES and raw_1.info["sfreq"] == RATE
    assert list(raw_1.annotations.description) == ["play", "still_face"]  # events.tsv
    mapped = bids_dyads(dataset, pairs={"x": ("sub-04", "01")})
    assert [d.subjects for d in mapped] == [("04", "01")]


def test_pairing_errors_name_the_file_and_what_to_give(dataset, tmp_path):
    with pytest.raises(ValueError, match="pairs: dyad 'x' needs two different subjects"):
        bids_dyads(dataset, pairs={"x": ("01", "01")})
    with pytest.raises(ValueError, match=r"participants.tsv: no column naming each "
                                         r"participant's dyad.*'pair_column' or 'pairs'"):
        bids_dyads(dataset, pair_column="team")
    with pytest.raises(ValueError, match="not a BIDS dataset root"):
        bids_dyads(tmp_path)


def test_attune_brain_accepts_the_dataset_root(dataset, tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["brain", str(dataset), "--mode", "plv", "--bands",
                                      "alpha_low", "--window-s", "2", "--no-figure",
                                      "--out", str(out)])
    assert result.exit_code == 0, result.output
    summary = pd.read_csv(out / "summary.csv").set_index("session")
    locked = summary.loc["dyad-A_ses-01_task-free", "value"]
    drifting = summary.loc["dyad-B_ses-01_task-free", "value"]
    assert locked > 0.6 and drifting < 0.4, (locked, drifting)
