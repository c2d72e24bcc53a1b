"""``attune info``: what is in each recording."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.table import Table
from rich.text import Text

from . import app
from ._inputs import CHANNELS, PARTNERS, RECURSIVE, RESAMPLE, SAMPLING_RATE, TIME_UNIT, read_inputs
from ._term import stdout, user_errors


@app.command()
def info(
    paths: list[Path] = typer.Argument(..., help="Files or folders of recordings."),
    sampling_rate: float = SAMPLING_RATE,
    partners: str = PARTNERS,
    channels: str = CHANNELS,
    recursive: bool = RECURSIVE,
    resample: float = RESAMPLE,
    time_unit: str = TIME_UNIT,
    as_json: bool = typer.Option(False, "--json", help="Print JSON for machines."),
) -> None:
    """Print, per session: id, partners, channels, duration, sampling rate, % missing."""
    with user_errors():
        sessions = read_inputs(
            paths, sampling_rate, partners, channels, recursive, resample, time_unit
        )
    rows = [
        {
            "session": s.id,
            "partners": list(s.partners),
            "channels": s.channels,
            "n_samples": s.n_samples,
            "duration_s": round(s.duration_s, 3),
            "sampling_rate_hz": s.sampling_rate,
            "missing_percent": round(100 * s.missing_fraction, 2),
            "phases": s.phases.label.tolist(),
        }
        for s in sessions
    ]
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    table = Table(title=f"{len(rows)} session(s)")
    for col in ("session", "partners", "channels", "duration", "rate", "missing", "phases"):
        table.add_column(col)
    for r in rows:
        table.add_row(*map(Text, (  # names from users' files are printed literally
            r["session"],
            " & ".join(r["partners"]),
            ", ".join(r["channels"]),
            f"{r['duration_s']:g} s",
            f"{r['sampling_rate_hz']:g} Hz",
            f"{r['missing_percent']:.2f} %",
            ", ".join(r["phases"]) or "-",
        )))
    stdout.print(table)
