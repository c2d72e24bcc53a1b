"""Atomic writers and output-folder rules shared by the CLI and batch runs.

Results are written to a temporary file beside the target and renamed into place,
so a crash never leaves a half-written table, and a user's file is never
overwritten without ``force``. Each output folder keeps a record of the files a
command wrote (:data:`RECORD`), so ``--force`` replaces an earlier run's outputs
whole, without touching other files.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from pathlib import Path

import pandas as pd

from .._log import logger
from ..provenance import versions, versions_text

_UNSAFE = re.compile(r"[^\w.-]+")
#: The record of the files a command wrote into its output folder, one name a line.
RECORD = ".attune-outputs"
_UMASK = os.umask(0)
os.umask(_UMASK)


def safe_name(name: str) -> str:
    """A file-name-safe version of ``name`` (a session id from a user's file).

    Letters and digits of any script, ``.``, ``_`` and ``-`` are kept; anything else
    becomes ``_`` and a short hash of the whole name is appended, so two ids that
    differ only in what was replaced (``a b`` and ``a_b``) keep distinct names.

    Examples
    --------
    >>> safe_name("dyad_01"), safe_name("séance_母子")
    ('dyad_01', 'séance_母子')
    >>> safe_name("a b"), safe_name("a_b")
    ('a_b-7dbde935', 'a_b')
    >>> safe_name("../etc/pass wd")
    'etc_pass_wd-6fcd2353'
    """
    name = str(name)
    cleaned = _UNSAFE.sub("_", name).strip("._")[:120]
    if cleaned == name:
        return cleaned
    digest = hashlib.sha1(name.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"{cleaned or 'session'}-{digest}"


def check_unique(names: dict[str, str], what: str = "session id") -> None:
    """Refuse two sources that would write the same output name.

    ``names`` maps each source (a file) to the name its outputs take.

    Examples
    --------
    >>> check_unique({"x/a.csv": "a", "y/a.csv": "a"})
    Traceback (most recent call last):
    ...
    ValueError: x/a.csv and y/a.csv have the same session id 'a'; outputs would overwrite ...
    """
    seen: dict[str, str] = {}
    for source, name in names.items():
        key = name.casefold()  # case-insensitive file systems (macOS, Windows)
        if key in seen:
            raise ValueError(
                f"{seen[key]} and {source} have the same {what} {name!r}; outputs would "
                "overwrite each other. Rename one, or read them in separate runs."
            )
        seen[key] = source


def prepare_out_dir(out: str | Path, force: bool = False) -> Path:
    """Create ``out``; refuse a non-empty existing folder unless ``force``.

    With ``force``, the files an earlier command recorded in ``out`` (:data:`RECORD`)
    are removed first, so no stale output survives beside the new ones; other files
    are left alone.
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ValueError(f"{out}: exists and is not a folder; choose another 'out'.")
    if out.is_dir() and any(out.iterdir()):
        if not force:
            raise ValueError(f"{out}: the output folder is not empty; use 'force' to overwrite.")
        _remove_recorded(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / RECORD).write_text("", encoding="utf-8")
    return out


def _remove_recorded(out: Path) -> None:
    record = out / RECORD
    if not record.is_file():
        if (out / "sessions").is_dir():
            raise ValueError(f"{out}: is a results store (attune batch); choose another 'out'.")
        logger.warning("%s: no record of earlier outputs; files already there are kept.", out)
        return
    for name in record.read_text(encoding="utf-8").splitlines():
        f = out / name
        if name and "/" not in name and "\\" not in name and f.is_file():
            f.unlink()
    record.unlink()


def _note(path: Path) -> None:
    """Add ``path`` to its folder's record, when the folder has one."""
    record = path.parent / RECORD
    if record.is_file():
        names = set(record.read_text(encoding="utf-8").splitlines())
        if path.name not in names:
            with record.open("a", encoding="utf-8") as fh:
                fh.write(path.name + "\n")


def _atomic(path: Path, write) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(fd)
    try:
        write(tmp)
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600 files; use the usual mode
        os.replace(tmp, path)
        _note(path)
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


def write_figure(figure, path: str | Path, dpi: int = 110) -> Path:
    """Save a matplotlib figure (format from the suffix) atomically."""
    path = Path(path)
    fmt = path.suffix.lstrip(".") or "png"
    return _atomic(path, lambda tmp: figure.savefig(tmp, format=fmt, dpi=dpi))
