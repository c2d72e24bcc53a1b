"""Path checks shared by the readers."""

from __future__ import annotations

from pathlib import Path


def check_file(path: str | Path) -> Path:
    """Return ``path`` as a Path, or raise naming it if it is missing, a folder or empty."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file.")
    if path.is_dir():
        raise ValueError(f"{path}: is a folder; expected a file.")
    if path.stat().st_size == 0:
        raise ValueError(f"{path}: the file is empty.")
    return path


def list_folder(folder: Path, suffixes: tuple[str, ...], what: str) -> list[Path]:
    """Files in ``folder`` with one of ``suffixes``, sorted by name; error if none."""
    files = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in suffixes)
    if not files:
        raise ValueError(
            f"{folder}: no {what} found (looked for files ending in {', '.join(suffixes)})."
        )
    return files
