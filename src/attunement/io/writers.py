"""Atomic writers and output-folder rules shared by the CLI and batch runs.

Results are written to a temporary file beside the target and renamed into place,
so a crash never leaves a half-written table, and a user's file is never
overwritten without ``force``.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path

import pandas as pd

from ..provenance import versions, versions_text

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_UMASK = os.umask(0)
os.umask(_UMASK)


def safe_name(name: str) -> str:
    """A file-name-safe version of ``name`` (a session id from a user's file).

    Examples
    --------
    >>> safe_name("../etc/pass wd")
    'etc_pass_wd'
    """
    cleaned = _UNSAFE.sub("_", str(name)).strip("._")
    return cleaned or "session"


def prepare_out_dir(out: str | Path, force: bool = False) -> Path:
    """Create ``out``; refuse a non-empty existing folder unless ``force``."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ValueError(f"{out}: exists and is not a folder; choose another --out.")
    if out.is_dir() and any(out.iterdir()) and not force:
        raise ValueError(f"{out}: the output folder is not empty; use --force to overwrite.")
    out.mkdir(parents=True, exist_ok=True)
    return out


def _atomic(path: Path, write) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(fd)
    try:
        write(tmp)
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600 files; use the usual mode
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_csv(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write ``frame`` as CSV (no index) atomically."""
    return _atomic(Path(path), lambda tmp: frame.to_csv(tmp, index=False))


def write_summary(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write a summary table as CSV with a ``versions`` column (the parameter record).

    Examples
    --------
    >>> import tempfile
    >>> out = write_summary(pd.DataFrame({"session": ["a"]}), Path(tempfile.mkdtemp()) / "s.csv")
    >>> pd.read_csv(out).columns.tolist()
    ['session', 'versions']
    """
    if "versions" not in frame:
        frame = frame.assign(versions=versions_text())
    return write_csv(frame, path)


def write_parquet(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write ``frame`` as Parquet (no index) atomically; column names become strings.

    The file's metadata records the versions that computed it (``attunement.versions``,
    JSON; ``pyarrow.parquet.read_schema(path).metadata``).
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    frame = frame.copy()
    frame.columns = [str(c) for c in frame.columns]
    table = pa.Table.from_pandas(frame, preserve_index=False)
    meta = {**(table.schema.metadata or {}),
            b"attunement.versions": json.dumps(versions()).encode()}
    table = table.replace_schema_metadata(meta)
    return _atomic(Path(path), lambda tmp: pq.write_table(table, tmp))


def write_text(text: str, path: str | Path) -> Path:
    """Write a text file (e.g. an HTML report) atomically."""
    return _atomic(Path(path), lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
