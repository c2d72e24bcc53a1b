"""Hyperscanning BIDS datasets: participants paired into dyads, read through MNE-BIDS.

BIDS has no entity for "the other brain of a dyad"; datasets say it in
``participants.tsv``, with a column shared by the two members (``dyad``, ``pair``,
``family``, ...) and often a ``role``. :func:`bids_dyads` pairs participants by such a
column (or by a mapping you give), then pairs their recordings that share session,
task, acquisition and run. :func:`read_bids_pair` reads one pair with
``mne_bids.read_raw_bids`` (channels, bad channels and ``events.tsv`` as annotations, as
MNE-BIDS reads them) and checks that the two can be paired
(:func:`attunement.mne_data.check_pair`).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .._check import soft_import
from .._log import logger
from ..mne_data import check_pair, mne_arrays

#: participants.tsv columns that name a participant's dyad, tried in this order.
PAIR_COLUMNS = ("dyad", "dyad_id", "pair", "pair_id", "family", "family_id", "group")
#: Recording files MNE-BIDS reads (BIDS EEG, iEEG, MEG and fNIRS formats).
DATA_EXTENSIONS = (".vhdr", ".edf", ".bdf", ".set", ".fif", ".snirf")
_MATCH = ("session", "task", "acquisition", "run")


@dataclass(frozen=True)
class BidsDyad:
    """Two participants' recordings of one session of a dyad."""

    name: str
    subjects: tuple[str, str]
    paths: tuple  # two mne_bids.BIDSPath


def is_bids_root(path: str | Path) -> bool:
    """True when ``path`` is a folder with a ``dataset_description.json`` (a BIDS root).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> before = is_bids_root(root)
    >>> _ = (root / "dataset_description.json").write_text('{"Name": "dyads"}')
    >>> before, is_bids_root(root)
    (False, True)
    """
    path = Path(path)
    return path.is_dir() and (path / "dataset_description.json").is_file()


def bids_dyads(
    root: str | Path,
    *,
    pairs: Mapping[str, Sequence[str]] | None = None,
    pair_column: str | None = None,
    datatype: str | None = None,
    task: str | None = None,
) -> list[BidsDyad]:
    """Dyads of a hyperscanning BIDS dataset, one per session (and task, run) recorded.

    Parameters
    ----------
    root : str or Path
        The dataset root (holds ``dataset_description.json`` and ``participants.tsv``).
    pairs : mapping, optional
        ``{dyad_name: (subject_1, subject_2)}`` (labels with or without ``sub-``); overrides
        the dataset's own fields.
    pair_column : str, optional
        The ``participants.tsv`` column naming each participant's dyad (default: the
        first of :data:`PAIR_COLUMNS` present). Members are ordered by a ``role`` column
        when there is one, else as listed.
    datatype, task : str, optional
        Keep only these recordings (``'eeg'``, ``'nirs'``, ...; a BIDS task label).
    """
    bids = soft_import("mne_bids", "reading BIDS datasets")
    root = Path(root)
    if not is_bids_root(root):
        raise ValueError(f"{root}: not a BIDS dataset root (no dataset_description.json).")
    members = _members(root, pairs, pair_column)
    dyads: list[BidsDyad] = []
    for name, subjects in members.items():
        found = [_recordings(bids, root, s, datatype, task) for s in subjects]
        keys = [set(f) for f in found]
        for key in sorted(keys[0] & keys[1], key=str):
            label = "_".join(f"{short}-{v}" for short, v in zip(("ses", "task", "acq", "run"),
                                                                 key) if v is not None)
            dyads.append(BidsDyad(f"{name}_{label}" if label else name, subjects,
                                  (found[0][key], found[1][key])))
        alone = keys[0] ^ keys[1]
        if alone:
            logger.info("%s: %d recording(s) of dyad %s without the partner's match dropped: %s",
                        root.name, len(alone), name, sorted(map(str, alone)))
    if not dyads:
        raise ValueError(f"{root}: no recordings that both members of a dyad share (matched by "
                         f"{', '.join(_MATCH)}; datatype={datatype!r}, task={task!r}).")
    logger.info("%s: %d dyad recording(s) from %d dyad(s)", root.name, len(dyads), len(members))
    return dyads


def _members(root: Path, pairs, pair_column) -> dict[str, tuple[str, str]]:
    if pairs is not None:
        out = {}
        for name, subs in pairs.items():
            subs = tuple(str(s).removeprefix("sub-") for s in subs)
            if len(subs) != 2 or subs[0] == subs[1]:
                raise ValueError(f"pairs: dyad {name!r} needs two different subjects, got "
                                 f"{list(subs)}.")
            out[str(name)] = subs
        return out
    table_path = root / "participants.tsv"
    if not table_path.is_file():
        raise ValueError(f"{root}: no participants.tsv to pair participants by; give 'pairs'.")
    table = pd.read_csv(table_path, sep="\t", na_values=["n/a"], dtype=str)
    col = pair_column or next((c for c in PAIR_COLUMNS if c in table.columns), None)
    if col is None or col not in table.columns:
        raise ValueError(f"{table_path}: no column naming each participant's dyad (looked for "
                         f"{pair_column or PAIR_COLUMNS}); columns are {list(table.columns)}; "
                         "give 'pair_column' or 'pairs'.")
    out = {}
    for value, rows in table.dropna(subset=[col]).groupby(col, sort=True):
        if "role" in rows.columns and rows["role"].notna().all():
            rows = rows.sort_values("role", kind="stable")
        subs = tuple(s.removeprefix("sub-") for s in rows["participant_id"])
        if len(subs) != 2:
            raise ValueError(f"{table_path}: {col} {value!r} has {len(subs)} participant(s) "
                             f"{list(subs)}; a dyad needs two (or give 'pairs').")
        out[f"{col}-{value}"] = subs
    if not out:
        raise ValueError(f"{table_path}: column {col!r} names no dyad.")
    return out


def _recordings(bids, root: Path, subject: str, datatype, task) -> dict:
    paths = bids.find_matching_paths(root, subjects=subject, datatypes=datatype, tasks=task,
                                     extensions=list(DATA_EXTENSIONS))
    out = {}
    for bp in paths:
        if bp.suffix in ("channels", "events", "scans", "coordsystem", "electrodes"):
            continue
        key = tuple(getattr(bp, e) for e in _MATCH)
        out[key] = bp
    if not out:
        raise ValueError(f"{root}: subject {subject!r} has no recordings "
                         f"(datatype={datatype!r}, task={task!r}).")
    return out


def read_bids_pair(path_1, path_2, *, pair_by: str = "name"):
    """Read two participants' BIDS recordings (``BIDSPath``) with MNE-BIDS, checked as a pair.

    Returns two MNE ``Raw`` objects, loaded, with ``events.tsv`` as annotations.
    """
    bids = soft_import("mne_bids", "reading BIDS datasets")
    insts = []
    for bp in (path_1, path_2):
        with warnings.catch_warnings():  # no events.tsv, or a dyad column: not errors here
            warnings.filterwarnings("ignore", message=".*events.tsv.*")
            warnings.filterwarnings("ignore", message="Unable to map the following column")
            try:
                raw = bids.read_raw_bids(bp, verbose=False)
            except (FileNotFoundError, ValueError, RuntimeError, OSError) as err:
                raise ValueError(f"{bp.fpath}: MNE-BIDS could not read it: {err}") from None
        insts.append(raw.load_data(verbose=False))
        logger.info("%s: took %d channels at %g Hz, %d annotation(s) from events.tsv; bad "
                    "channels %s", bp.basename, len(raw.ch_names), raw.info["sfreq"],
                    len(raw.annotations), raw.info["bads"] or "none")
    check_pair(mne_arrays(insts[0]), mne_arrays(insts[1]), pair_by,
               labels=(str(path_1.fpath), str(path_2.fpath)))
    return insts[0], insts[1]
