"""MNE objects (``Raw``, ``Epochs``) as plain arrays: the data model of the inter-brain
measures, as :class:`~attunement.Session` is that of the others.

Readers (:mod:`attunement.io.mne_io`, :mod:`attunement.io.bids`) and the inter-brain
measures (:mod:`attunement.brain`) share it; MNE is imported inside the functions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._check import soft_import


@dataclass(frozen=True)
class MneData:
    """An MNE object as plain arrays.

    ``data`` is (n_epochs, n_channels, n_times) for epochs and (n_channels, n_times) for a
    continuous recording; ``bad_samples`` marks samples inside 'BAD' annotations (continuous only).
    """

    data: np.ndarray
    channels: tuple[str, ...]
    sampling_rate: float
    continuous: bool
    bad_samples: np.ndarray | None = None
    channel_types: tuple[str, ...] = ()
    bads: tuple[str, ...] = ()


def is_mne(obj) -> bool:
    """True for MNE ``Raw``/``Epochs``-like objects (duck-typed, MNE is not imported)."""
    return hasattr(obj, "info") and hasattr(obj, "get_data") and hasattr(obj, "ch_names")


def mne_arrays(inst, picks="data", exclude="bads") -> MneData:
    """Turn an MNE ``Raw`` or ``Epochs`` into :class:`MneData` (data channels, bads excluded).

    With ``exclude=()`` bad channels are kept and listed in ``bads``.

    Examples
    --------
    >>> mne_arrays([1, 2])
    Traceback (most recent call last):
    ...
    ValueError: expected an MNE Raw or Epochs object, got list.
    """
    if not is_mne(inst):
        raise ValueError(f"expected an MNE Raw or Epochs object, got {type(inst).__name__}.")
    mne = soft_import("mne", "Turning MNE recordings into arrays")
    sub = inst.copy().pick(picks, exclude=exclude)
    continuous = isinstance(inst, mne.io.BaseRaw)
    bad = None
    if continuous:
        data = sub.get_data()
        marked = sub.get_data(picks=[0], reject_by_annotation="NaN", verbose="error")
        bad = np.isnan(marked[0]) & ~np.isnan(data[0])
    elif isinstance(inst, mne.BaseEpochs):
        data = sub.get_data(copy=False)
    else:
        raise ValueError(f"expected an MNE Raw or Epochs object, got {type(inst).__name__}.")
    return MneData(
        data=np.asarray(data, dtype=float),
        channels=tuple(sub.ch_names),
        sampling_rate=float(sub.info["sfreq"]),
        continuous=continuous,
        bad_samples=bad,
        channel_types=tuple(sub.get_channel_types()),
        bads=tuple(b for b in sub.info["bads"] if b in sub.ch_names),
    )


def check_pair(
    d1: MneData, d2: MneData, pair_by: str = "name", labels=("participant 1", "participant 2")
) -> tuple[MneData, MneData]:
    """Check that two participants' data can be paired; return them with channels aligned.

    With ``pair_by='name'`` participant 2's channels are reordered to participant 1's order and
    both must hold the same channel names; with ``'position'`` the orders are kept and the
    channel counts may differ (every channel of one is paired with every channel of the other).
    Sampling rates, the kind of data (continuous or epochs), the number of epochs and the epoch
    length (or recording length) must agree.

    Examples
    --------
    >>> a = MneData(np.zeros((2, 3, 10)), ("Fz", "Cz", "Pz"), 100.0, False)
    >>> b = MneData(np.zeros((2, 2, 10)), ("Fz", "Cz"), 100.0, False)
    >>> check_pair(a, b)
    Traceback (most recent call last):
    ...
    ValueError: pair_by='name': participant 1 has 3 channels and participant 2 has 2; ...
    """
    l1, l2 = labels
    if pair_by not in ("name", "position"):
        raise ValueError(
            f"Invalid value for the 'pair_by' parameter. Allowed values are 'name', 'position', "
            f"but got {pair_by!r}."
        )
    if d1.sampling_rate != d2.sampling_rate:
        raise ValueError(
            f"sampling rates differ: {l1} is sampled at {d1.sampling_rate:g} Hz and {l2} at "
            f"{d2.sampling_rate:g} Hz; resample one of them first (e.g. raw.resample())."
        )
    if d1.continuous != d2.continuous:
        kinds = ["continuous" if d.continuous else "epochs" for d in (d1, d2)]
        raise ValueError(
            f"{l1} holds {kinds[0]} data and {l2} holds {kinds[1]}; give both as epochs or both "
            "as continuous recordings."
        )
    n1, n2 = d1.data.shape[-1], d2.data.shape[-1]
    if n1 != n2:
        what = "recordings differ in length" if d1.continuous else "epochs differ in length"
        raise ValueError(
            f"{what}: {l1} has {n1} samples ({n1 / d1.sampling_rate:g} s) and {l2} has {n2} "
            f"({n2 / d2.sampling_rate:g} s); crop both to the same span."
        )
    if not d1.continuous and d1.data.shape[0] != d2.data.shape[0]:
        raise ValueError(
            f"{l1} has {d1.data.shape[0]} epochs and {l2} has {d2.data.shape[0]}; the epochs "
            "must be the same trials in both (drop the same epochs from both)."
        )
    if pair_by == "position":
        return d1, d2
    if len(set(d2.channels)) != len(d2.channels) or len(set(d1.channels)) != len(d1.channels):
        raise ValueError("pair_by='name': channel names must be unique within each participant.")
    missing_2 = [c for c in d1.channels if c not in d2.channels]
    missing_1 = [c for c in d2.channels if c not in d1.channels]
    if len(d1.channels) != len(d2.channels) or missing_1 or missing_2:
        raise ValueError(
            f"pair_by='name': {l1} has {len(d1.channels)} channels and {l2} has "
            f"{len(d2.channels)}; missing in {l2}: {missing_2[:5]}, missing in {l1}: "
            f"{missing_1[:5]}. Rename or drop channels, or use pair_by='position'."
        )
    order = [d2.channels.index(c) for c in d1.channels]
    d2 = MneData(
        data=d2.data[..., order, :],
        channels=d1.channels,
        sampling_rate=d2.sampling_rate,
        continuous=d2.continuous,
        bad_samples=d2.bad_samples,
        channel_types=tuple(d2.channel_types[i] for i in order) if d2.channel_types else (),
        bads=d2.bads,
    )
    return d1, d2
