"""``attune info``: what is in each recording."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.table import Table

from ..io import read
from . import app
from ._term import stdout, user_errors


@app.command()
def info(
    paths: list[Path] = typer.Argument(..., help="Files or folders of recordings."),
    sampling_rate: float = typer.Option(
        None, "--sampling-rate", help="Hz, for files that do not carry it (MEA text)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON for machines."),
) -> None:
    """Print, per session: id, partners, channels, duration, sampling rate, % missing."""
    with user_errors():
        sessions = read(paths, sampling_rate=sampling_rate)
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
        table.add_row(
            r["session"],
            " & ".join(r["partners"]),
            ", ".join(r["channels"]),
            f"{r['duration_s']:g} s",
            f"{r['sampling_rate_hz']:g} Hz",
            f"{r['missing_percent']:.2f} %",
            ", ".join(r["phases"]) or "-",
        )
    stdout.print(table)
