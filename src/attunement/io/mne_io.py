"""Two participants' EEG / fNIRS recordings through MNE-Python (the ``brain`` extra).

Readers return MNE objects (``Raw`` or ``Epochs``) unchanged, so that MNE's own preprocessing
stays available; :func:`attunement.mne_data.mne_arrays` is the one place where an MNE object
becomes plain arrays (re-exported here).
MNE is imported inside the functions, so ``import attunement`` works without it.
"""

from __future__ import annotations

import warnings
from pathlib import Path

from .._check import soft_import
from .._log import logger
from ..mne_data import MneData, check_pair, is_mne, mne_arrays

__all__ = [
    "READERS",
    "MneData",
    "check_pair",
    "is_mne",
    "mne_arrays",
    "read_hyperscanning",
    "read_participant",
    "to_haemoglobin",
]

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
