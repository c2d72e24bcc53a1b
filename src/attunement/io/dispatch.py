"""``read``: any supported file or folder to a list of Sessions, the reader chosen by content.

:data:`SNIFFERS` is the one table of formats: each entry names a format, a test on the
file's first bytes and the function that reads it. A reader of a new format adds one
entry; the folder scan, the error for an unknown file and the docs follow from it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .._log import logger
from ..session import Session
from . import _sniff
from ._files import check_file
from .face_exports import FACE_OPTIONS, read_face_exports, sniff_face_export
from .mea import read_mea
from .phases import read_phases
from .tables import read_table
from .writers import check_unique, safe_name
from .xdf import read_xdf

#: Side files that describe a session rather than hold one (``<id>.phases.csv``, truth tables,
#: the ``<id>.mea.txt`` that ``attune extract --mea`` writes beside its Session file).
SIDECAR_MARKERS = (".phases", ".truth_", ".mea")
#: Options of :func:`read` that each reader accepts.
MEA_OPTIONS = ("s1_col", "s2_col", "partners")
TABLE_OPTIONS = ("partners", "columns", "time_col", "time_unit", "resample")


@dataclass(frozen=True)
class Sniffer:
    """A format: ``test(head_bytes, path)`` says whether ``read(path, sampling_rate,
    **options)`` can read the file."""

    name: str
    test: Callable[[bytes, Path], bool]
    read: Callable[..., Session]
    what: str


def _text_test(check: Callable[[str], object]) -> Callable[[bytes, Path], bool]:
    def test(head: bytes, path: Path) -> bool:
        return bool(check(_sniff.decode(head, path, partial=True)))

    return test


def _read_mea(path: Path, sampling_rate, **options) -> Session:
    if sampling_rate is None:
        raise ValueError(
            f"{path}: MEA text files do not carry a sampling rate; give 'sampling_rate' "
            "in Hz."
        )
    resample = options.pop("resample", None)
    session = read_mea(path, sampling_rate, **{k: v for k, v in options.items()
                                               if k in MEA_OPTIONS and v is not None})
    if resample is not None:
        from ..clock import resample as resample_session

        session = resample_session(session, resample,
                                   method="mean" if resample < sampling_rate else "linear")
    return session


def _read_table(path: Path, sampling_rate, **options) -> Session:
    args = {k: v for k, v in options.items() if k in TABLE_OPTIONS and v is not None}
    return read_table(path, sampling_rate=sampling_rate, rate_only_if_missing=True, **args)


def _read_xdf(path: Path, sampling_rate, **options) -> Session:
    return read_xdf(path, sampling_rate=sampling_rate, partners=options.get("partners"))


def _is_sound(head: bytes) -> bool:
    """WAV (RIFF....WAVE), FLAC or Ogg, by their magic bytes."""
    return (head[:4] == b"RIFF" and head[8:12] == b"WAVE") or head[:4] in (b"fLaC", b"OggS")


def _read_sound(path: Path, sampling_rate, **options) -> Session:
    """A dyad's sound (one two-channel file), through :func:`attunement.extract_audio`."""
    if options.get("resample") is not None:
        raise ValueError(f"{path}: sound is read on a 100 Hz frame grid; 'resample' "
                         "does not apply to it (voice activity is 0 or 1).")
    from ..audio import extract_audio

    return extract_audio(path, partners=options.get("partners"))


#: The formats, tried in order on each file's first bytes.
SNIFFERS: list[Sniffer] = [
    Sniffer("xdf", lambda head, path: head.startswith(b"XDF:"), _read_xdf,
            "XDF recording (Lab Streaming Layer)"),
    Sniffer("parquet", lambda head, path: _sniff.is_parquet(head), _read_table,
            "Parquet table"),
    Sniffer("audio", lambda head, path: _is_sound(head), _read_sound,
            "sound (WAV, FLAC, Ogg; two channels, one partner each): voice activity, F0 and "
            "intensity per partner, at 100 Hz (audio extra)"),
    Sniffer("mea", _text_test(_sniff.mea_layout), _read_mea,
            "MEA / R write.table text (whitespace-separated numbers)"),
    Sniffer("table", _text_test(_sniff.table_delimiter), _read_table,
            "delimited table (CSV, TSV, ';' or '|')"),
]


def sniff(path: str | Path) -> Sniffer | None:
    """The format of ``path`` from its content, or None when no reader claims it.

    Raises an error naming the file for an empty, binary or non-UTF-8 file.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "dyad.csv"
    >>> _ = f.write_bytes(b'"pat" "th"\\r\\n1 2\\r\\n3 NA\\r\\n')
    >>> sniff(f).name
    'mea'
    """
    path = check_file(path)
    head = _sniff.head_bytes(path)
    for sniffer in SNIFFERS:
        if sniffer.test(head, path):
            return sniffer
    return None


def session_files(paths: str | Path | Iterable[str | Path], recursive: bool = False
                  ) -> list[Path]:
    """Expand files and folders into the data files they name (folders: sorted contents;
    subfolders too with ``recursive``).

    In a folder, side files (``<id>.phases.csv``, ``<id>.truth_*.csv``), hidden files
    and files no reader claims (README, PROVENANCE.txt, licences) are skipped, and one
    log line names them. A file named directly must be readable.
    """
    if isinstance(paths, (str, Path)):
        paths = [paths]
    files: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            files.extend(_folder_files(p, recursive))
        elif not p.exists():
            raise FileNotFoundError(f"{p}: no such file or folder.")
        else:
            if sniff(p) is None:
                raise ValueError(f"{p}: not a recording this package reads ({_first_rows(p)}); "
                                 f"expected {_kinds()}.")
            files.append(p)
    return files


def _folder_files(folder: Path, recursive: bool) -> list[Path]:
    found = sorted(folder.rglob("*") if recursive else folder.iterdir())
    data, skipped = [], []
    for f in found:
        rel = f.relative_to(folder)
        if any(part.startswith(".") for part in rel.parts) or not f.is_file():
            continue
        if _is_sidecar(f):
            continue
        try:
            kind = sniff(f) if f.stat().st_size else None
        except ValueError:  # binary or not UTF-8: not a recording of ours
            kind = None
        (data if kind is not None else skipped).append(f)
    if skipped:
        logger.warning("%s: skipped %d file(s) that are not recordings: %s", folder, len(skipped),
                    ", ".join(str(f.relative_to(folder)) for f in skipped))
    if not data:
        sub = [d.name for d in found if d.is_dir() and not d.name.startswith(".")]
        hint = f" (subfolders {sub}: read them with recursive=True, --recursive)" if (
            sub and not recursive) else ""
        raise ValueError(f"{folder}: no data files found{hint}; expected {_kinds()}.")
    return data


def _first_rows(path: Path) -> str:
    """The first two lines, to show what the file holds (rows of unequal width, prose)."""
    text = _sniff.decode(_sniff.head_bytes(path), path, partial=True)
    problem = _sniff.mea_problem(text)
    if problem:
        return f"whitespace-separated numbers, but {problem}"
    lines = [ln[:60] for ln in text.splitlines() if ln.strip()][:2]
    return "it begins " + " / ".join(map(repr, lines)) if lines else "no text rows"


def _kinds() -> str:
    return "; ".join(s.what for s in SNIFFERS)


def read(
    paths: str | Path | Iterable[str | Path],
    sampling_rate: float | None = None,
    *,
    partners: Sequence[str] | None = None,
    channels: Sequence[str] | None = None,
    resample: float | None = None,
    recursive: bool = False,
    **options,
) -> list[Session]:
    """Read files and folders of recordings into Sessions, each file's format decided by
    its content (:data:`SNIFFERS`), whatever its name.

    Whitespace-separated numbers (MEA, R ``write.table``; a header row names the
    partners) are read by :func:`read_mea`, which needs ``sampling_rate``; delimited
    tables (delimiter and quoting sniffed) and Parquet by :func:`read_table`, where
    ``sampling_rate`` is used only if the table carries no time column; XDF recordings
    (LSL) by :func:`read_xdf`. Face exports (OpenFace, py-feat; :func:`read_face_exports`)
    pair up, with ``sampling_rate`` as py-feat's video frame rate. A phase table saved
    beside a data file as ``<id>.phases.csv`` is attached to that session.

    Parameters
    ----------
    partners : pair of str, optional
        Role names (MEA), or the column prefixes naming the partners (tables).
    channels : sequence of str, optional
        Keep only these channels (each must be recorded for both partners).
    resample : float, optional
        Hz: put irregular clocks (jitter, gaps) on a regular grid; gaps stay missing.
    recursive : bool
        Read subfolders of folders too.
    **options
        Passed to the reader: ``s1_col``/``s2_col`` (MEA), ``columns``, ``time_col``,
        ``time_unit`` (tables).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "a.txt").write_text("1 2\\n3 4\\n5 6\\n")
    >>> _ = (d / "a.phases.csv").write_text("label,onset,duration\\nplay,0,0.08\\n")
    >>> _ = (d / "README").write_text("Recorded in 2024.\\n")
    >>> [s.phases.label.tolist() for s in read(d, sampling_rate=25)]
    [['play']]
    """
    options.update(partners=partners, resample=resample)
    files = session_files(paths, recursive=recursive)
    faces = [f for f in files if sniff(f).name == "table" and sniff_face_export(f)]
    face_args = {k: v for k, v in options.items() if k in FACE_OPTIONS and v is not None}
    sessions = read_face_exports(faces, fps=sampling_rate, **face_args) if faces else []
    names = {}
    for f in (f for f in files if f not in faces):
        try:
            session = sniff(f).read(f, sampling_rate, **options)
        except ValueError as err:
            if str(f) in str(err):
                raise
            raise ValueError(f"{f}: {err}") from None
        side = f.with_name(f"{f.stem}.phases.csv")
        if side.exists() and session.phases.empty:
            session = session.replace(phases=read_phases(side))
        session = _checked(session, f, channels)
        names[str(f)] = safe_name(session.id)
        sessions.append(session)
    check_unique(names)
    return sessions


def _checked(session: Session, path: Path, channels: Sequence[str] | None) -> Session:
    """Keep the asked channels; refuse a session whose partners share no channel."""
    shared = session.channels
    if channels:
        absent = [c for c in channels if c not in shared]
        if absent:
            raise ValueError(f"{path}: channel(s) {absent} not recorded for both partners; "
                             f"shared channels are {shared}.")
        keep = [(p, c) for p, c in session.signals.columns if c in channels]
        session = session.replace(signals=session.signals[keep])
        shared = session.channels
    if not shared:
        p1, p2 = session.partners
        raise ValueError(
            f"{path}: the partners share no channel ({p1} has {session.channels_of(p1)}, "
            f"{p2} has {session.channels_of(p2)}); name the columns '<partner>_<channel>' "
            "with the same channel for both, or map them with 'columns'."
        )
    return session


def _is_sidecar(path: Path) -> bool:
    return any(marker in path.stem for marker in SIDECAR_MARKERS)
