"""Two participants' EEG / fNIRS recordings through MNE-Python (the ``brain`` extra).

Readers return MNE objects (``Raw`` or ``Epochs``) unchanged, so that MNE's own preprocessing
stays available; :func:`mne_arrays` is the one place where an MNE object becomes plain arrays.
MNE is imported inside the functions, so ``import attunement`` works without it.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .._check import soft_import
from .._log import logger

_PURPOSE = "Reading EEG/fNIRS recordings"

#: Suffix -> (MNE reader of continuous data, MNE reader of epochs or None). ``.fif`` tries both.
READERS = {
    ".fif": ("read_raw_fif", "read_epochs"),
    ".fif.gz": ("read_raw_fif", "read_epochs"),
    ".edf": ("read_raw_edf", None),
    ".bdf": ("read_raw_bdf", None),
    ".set": ("read_raw_eeglab", "read_epochs_eeglab"),
    ".vhdr": ("read_raw_brainvision", None),
    ".snirf": ("read_raw_snirf", None),
    ".hdr": ("read_raw_nirx", None),
}
_EPOCH_MARKERS = ("-epo.fif", "_epo.fif", "-epo.fif.gz", "_epo.fif.gz")


def _suffix(path: Path) -> str:
    name = path.name.lower()
    return ".fif.gz" if name.endswith(".fif.gz") else path.suffix.lower()


def _call(mne, name: str, path: Path, preload: bool):
    reader = getattr(mne.io, name, None) or getattr(mne, name)
    kwargs = {} if name.startswith("read_epochs") else {"preload": preload}
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*naming conventions.*")
        return reader(path, verbose="error", **kwargs)


def read_participant(path: str | Path, *, preload: bool = True):
    """Read one participant's recording with MNE: ``Raw`` or ``Epochs``.

    Parameters
    ----------
    path : str or Path
        A FIF file (raw or epochs), EDF, BDF, EEGLAB ``.set`` (continuous or epoched),
        BrainVision ``.vhdr``, SNIRF, or a NIRx folder (or its ``.hdr`` file).
    preload : bool
        Load the data into memory (continuous recordings only; epochs always are).

    Returns
    -------
    mne.io.BaseRaw or mne.BaseEpochs

    Examples
    --------
    >>> read_participant("missing.edf")
    Traceback (most recent call last):
    ...
    FileNotFoundError: missing.edf: no such file or folder.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file or folder.")
    mne = soft_import("mne", _PURPOSE)
    if path.is_dir():
        if not any(p.suffix.lower() == ".hdr" for p in path.iterdir()):
            raise ValueError(
                f"{path}: is a folder without a NIRx header (.hdr); expected a NIRx folder or "
                f"a file ending in {', '.join(READERS)}."
            )
        return _call(mne, "read_raw_nirx", path, preload)
    suffix = _suffix(path)
    if suffix not in READERS:
        raise ValueError(
            f"{path}: unsupported file type {suffix!r}; expected one of {', '.join(READERS)} "
            "or a NIRx folder."
        )
    raw_reader, epochs_reader = READERS[suffix]
    if suffix == ".hdr":
        return _call(mne, raw_reader, path.parent, preload)
    if epochs_reader and path.name.lower().endswith(_EPOCH_MARKERS):
        return _call(mne, epochs_reader, path, preload)
    try:
        return _call(mne, raw_reader, path, preload)
    except (ValueError, TypeError) as err:
        if epochs_reader is None:
            raise ValueError(f"{path}: MNE could not read it: {err}") from err
        try:
            return _call(mne, epochs_reader, path, preload)
        except (ValueError, TypeError) as err2:
            raise ValueError(
                f"{path}: MNE could read it neither as continuous data ({err}) nor as epochs "
                f"({err2})."
            ) from err2


def read_hyperscanning(path_1: str | Path, path_2: str | Path, *, pair_by: str = "name"):
    """Read both participants' recordings and check that they can be paired.

    Parameters
    ----------
    path_1, path_2 : str or Path
        Participant 1's and participant 2's recordings (see :func:`read_participant`).
    pair_by : {'name', 'position'}
        How channels are paired (see :func:`check_pair`).

    Returns
    -------
    (inst_1, inst_2) : MNE ``Raw`` or ``Epochs`` objects, both of the same kind.

    Examples
    --------
    >>> read_hyperscanning("p1.edf", "p2.edf")
    Traceback (most recent call last):
    ...
    FileNotFoundError: p1.edf: no such file or folder.
    """
    inst_1, inst_2 = read_participant(path_1), read_participant(path_2)
    check_pair(mne_arrays(inst_1), mne_arrays(inst_2), pair_by, labels=(str(path_1), str(path_2)))
    return inst_1, inst_2


def to_haemoglobin(raw, ppf: float = 6.0, min_sci: float | None = None):
    """fNIRS light intensity -> optical density -> HbO/HbR (modified Beer-Lambert law).

    Returns a new ``Raw`` (the input is not changed) with channels ``'<S-D> hbo'`` and
    ``'<S-D> hbr'``. ``ppf``: partial pathlength factor, MNE's default (6.0). With ``min_sci``,
    channels whose scalp coupling index (Pollonini et al. 2014; MNE's
    ``scalp_coupling_index``) falls below it are marked bad (MNE's tutorial uses 0.5).

    Examples
    --------
    >>> to_haemoglobin(None)
    Traceback (most recent call last):
    ...
    ValueError: 'raw': expected an MNE Raw object with fNIRS channels, got NoneType.
    """
    if not hasattr(raw, "info") or not hasattr(raw, "get_channel_types"):
        raise ValueError(
            f"'raw': expected an MNE Raw object with fNIRS channels, got {type(raw).__name__}."
        )
    mne = soft_import("mne", "fNIRS haemoglobin conversion")
    types = set(raw.get_channel_types())
    if types & {"hbo", "hbr"}:
        return raw.copy()
    if "fnirs_cw_amplitude" not in types and "fnirs_od" not in types:
        raise ValueError(
            f"'raw': expected fNIRS channels (fnirs_cw_amplitude or fnirs_od), got {sorted(types)}."
        )
    od = raw.copy().load_data()
    if "fnirs_cw_amplitude" in types:
        od = mne.preprocessing.nirs.optical_density(od, verbose="error")
    if min_sci is not None:
        sci = mne.preprocessing.nirs.scalp_coupling_index(od, verbose="error")
        poor = [ch for ch, v in zip(od.ch_names, sci, strict=True) if v < min_sci]
        if poor:
            logger.warning("%d channel(s) with scalp coupling index < %g marked bad: %s",
                           len(poor), min_sci, ", ".join(poor))
        od.info["bads"] = sorted(set(od.info["bads"]) | set(poor))
    return mne.preprocessing.nirs.beer_lambert_law(od, ppf=ppf)


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
    mne = soft_import("mne", _PURPOSE)
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
