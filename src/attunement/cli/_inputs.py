"""The input options every command that reads recordings shares, declared once.

``--sampling-rate``, ``--partners A,B``, ``--channels X,Y``, ``--recursive``,
``--resample HZ`` and ``--time-unit``: each command lists them as parameters with these
defaults and hands them to :func:`read_inputs`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import typer

SAMPLING_RATE = typer.Option(
    None, "--sampling-rate", help="Hz, for files that do not carry it (MEA text)."
)
PARTNERS = typer.Option(
    None,
    "--partners",
    help="Two partner names, A,B: MEA role names, or the column prefixes "
    "of a table ('<partner>_<channel>').",
)
CHANNELS = typer.Option(None, "--channels", help="Channels to keep, X,Y (default: all shared).")
RECURSIVE = typer.Option(False, "--recursive", help="Read subfolders of folders too.")
RESAMPLE = typer.Option(
    None,
    "--resample",
    help="Hz: put irregular clocks (jitter, gaps) on a regular grid; "
    "gaps stay missing and are reported.",
)
TIME_UNIT = typer.Option(
    "auto",
    "--time-unit",
    help="Unit of a table's time column: auto (from its name: time_ms, 'Time (ms)'), s or ms.",
)


def split_names(text: str | None, option: str, count: int | None = None) -> list[str] | None:
    """``A,B`` as a list of names, checked (distinct, non-empty, ``count`` of them).

    Examples
    --------
    >>> split_names("patient, therapist", "--partners", 2)
    ['patient', 'therapist']
    >>> split_names("solo", "--partners", 2)
    Traceback (most recent call last):
    ...
    ValueError: Invalid value for '--partners': expected 2 distinct names separated by ...
    """
    if text is None:
        return None
    names = [n.strip() for n in text.split(",")]
    if (
        any(not n for n in names)
        or len(set(names)) != len(names)
        or (count is not None and len(names) != count)
    ):
        want = f"{count} distinct names" if count else "distinct names"
        raise ValueError(
            f"Invalid value for {option!r}: expected {want} separated by a "
            f"comma (e.g. patient,therapist), got {text!r}."
        )
    return names


def read_inputs(
    paths: Sequence[Path],
    sampling_rate: float | None = None,
    partners: str | None = None,
    channels: str | None = None,
    recursive: bool = False,
    resample: float | None = None,
    time_unit: str = "auto",
):
    """Read the command's inputs with the shared options (errors name the option)."""
    from ..io import read

    if resample is not None and not resample > 0:
        raise ValueError(f"Invalid value for '--resample': expected Hz > 0, got {resample}.")
    return read(
        paths,
        sampling_rate=sampling_rate,
        partners=split_names(partners, "--partners", 2),
        channels=split_names(channels, "--channels"),
        recursive=recursive,
        resample=resample,
        time_unit=time_unit,
    )
