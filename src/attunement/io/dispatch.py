"""``read``: any supported file or folder to a list of Sessions."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from ..session import Session
from ._files import list_folder
from .face_exports import FACE_OPTIONS, read_face_exports, sniff_face_export
from .mea import read_mea
from .phases import read_phases
from .tables import TABLE_SUFFIXES, read_table
from .xdf import read_xdf

MEA_SUFFIXES = (".txt",)
DATA_SUFFIXES = MEA_SUFFIXES + TABLE_SUFFIXES + (".xdf",)
#: Side files that describe a session rather than hold one (``<id>.phases.csv``, truth tables,
#: the ``<id>.mea.txt`` that ``attune extract --mea`` writes beside its Session file).
SIDECAR_MARKERS = (".phases", ".truth_", ".mea")


def session_files(paths: str | Path | Iterable[str | Path]) -> list[Path]:
    """Expand files and folders into the data files they name (folders: sorted contents).

    Side files (``<id>.phases.csv``, ``<id>.truth_*.csv``) are left out.
    """
    if isinstance(paths, (str, Path)):
        paths = [paths]
    files: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            found = [f for f in list_folder(p, DATA_SUFFIXES, "data files") if not _is_sidecar(f)]
            if not found:
                raise ValueError(f"{p}: no data files found (only side files).")
            files.extend(found)
        elif not p.exists():
            raise FileNotFoundError(f"{p}: no such file or folder.")
        else:
            if p.suffix.lower() not in DATA_SUFFIXES:
                raise ValueError(
                    f"{p}: unsupported file type {p.suffix!r}; expected one of {DATA_SUFFIXES}."
                )
            files.append(p)
    return files


def read(
    paths: str | Path | Iterable[str | Path],
    sampling_rate: float | None = None,
    **kwargs,
) -> list[Session]:
    """Read files and folders of recordings into Sessions.

    ``.txt`` files are read as Motion Energy Analysis files (:func:`read_mea`,
    which needs ``sampling_rate``); ``.csv``/``.tsv``/``.parquet`` as tables
    (:func:`read_table`), where ``sampling_rate`` is used only if the table carries no
    time column. Face exports (OpenFace, py-feat; :func:`read_face_exports`) pair up, with
    ``sampling_rate`` as py-feat's video frame rate. A phase table saved beside a data file as
    ``<id>.phases.csv`` is attached to that session.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "a.txt").write_text("1 2\\n3 4\\n5 6\\n")
    >>> _ = (d / "a.phases.csv").write_text("label,onset,duration\\nplay,0,0.08\\n")
    >>> [s.phases.label.tolist() for s in read(d, sampling_rate=25)]
    [['play']]
    """
    files = session_files(paths)
    faces = [f for f in files if f.suffix.lower() == ".csv" and sniff_face_export(f)]
    face_args = {k: v for k, v in kwargs.items() if k in FACE_OPTIONS}
    sessions = read_face_exports(faces, fps=sampling_rate, **face_args) if faces else []
    for f in (f for f in files if f not in faces):
        if f.suffix.lower() in MEA_SUFFIXES:
            if sampling_rate is None:
                raise ValueError(
                    f"{f}: MEA text files do not carry a sampling rate; give 'sampling_rate' "
                    "(--sampling-rate) in Hz."
                )
            mea_args = {k: v for k, v in kwargs.items() if k in ("s1_col", "s2_col", "partners")}
            session = read_mea(f, sampling_rate, **mea_args)
        elif f.suffix.lower() == ".xdf":
            session = read_xdf(f, sampling_rate=sampling_rate, partners=kwargs.get("partners"))
        else:
            table_args = {k: v for k, v in kwargs.items() if k in ("partners", "columns")}
            session = read_table(
                f, sampling_rate=sampling_rate, rate_only_if_missing=True, **table_args
            )
        side = f.with_name(f"{f.stem}.phases.csv")
        if side.exists() and session.phases.empty:
            session = session.replace(phases=read_phases(side))
        sessions.append(session)
    return sessions


def _is_sidecar(path: Path) -> bool:
    return any(marker in path.stem for marker in SIDECAR_MARKERS)
