"""``attune simulate``: a co-regulating dyad with known ruptures and repairs."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from ..simulate import STYLES, simulate_dyad
from . import app
from ._term import info, user_errors


@app.command()
def simulate(
    out: Path = typer.Option(
        ..., "--out", help="Session file (.parquet); truth tables are written beside it."
    ),
    style: str = typer.Option(
        "sensitive", "--style", help=f"Caregiving style: {', '.join(STYLES)}."
    ),
    duration: float = typer.Option(
        None, "--duration", help="Seconds (default: the sum of --phase-lengths, else 600)."
    ),
    procedure: str = typer.Option("free-play", "--procedure", help="free-play or still-face."),
    phase_lengths: str = typer.Option(
        None,
        "--phase-lengths",
        help="Still-face play,still-face,reunion seconds, e.g. 120,120,120 (default thirds).",
    ),
    sampling_rate: float = typer.Option(30.0, "--sampling-rate", help="Hz of every channel."),
    lag_12: float = typer.Option(1.0, "--lag-12", help="Seconds partner 2 lags partner 1."),
    lag_21: float = typer.Option(1.0, "--lag-21", help="Seconds partner 1 lags partner 2."),
    missing_per_min: float = typer.Option(
        0.0, "--missing-per-min", help="Missing stretches per minute, per partner and modality."
    ),
    seed: int = typer.Option(0, "--seed", help="Random seed (recorded in the session)."),
    force: bool = typer.Option(False, "--force", help="Overwrite existing files."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON for machines."),
) -> None:
    """Simulate a dyad; write the session and its truth tables (coupling, episodes, phases)."""
    with user_errors():
        sim = simulate_dyad(
            style=style,
            duration_s=duration,
            sampling_rate=sampling_rate,
            procedure=procedure,
            phase_s=_parse_lengths(phase_lengths),
            lag_12_s=lag_12,
            lag_21_s=lag_21,
            missing_per_min=missing_per_min,
            seed=seed,
            id=out.stem,
        )
        files = sim.write(out, force=force)
    truth = sim.summary()
    summary = {"session": truth.pop("session"), "style": style, "procedure": procedure,
               **truth, "files": {name: str(path) for name, path in files.items()}}
    if as_json:
        typer.echo(json.dumps(summary, indent=2))
        return
    info(
        f"simulated a {style} dyad, {summary['duration_s']:g} s at "
        f"{summary['sampling_rate_hz']:g} Hz (seed {summary['seed']}): "
        f"{summary['n_ruptures']} rupture(s), {summary['n_repaired']} repaired"
    )
    for path in files.values():
        info(f"wrote {path}")


def _parse_lengths(text: str | None) -> list[float] | None:
    if text is None:
        return None
    try:
        return [float(part) for part in text.split(",")]
    except ValueError:
        raise ValueError(
            f"--phase-lengths: expected comma-separated seconds such as 120,120,120, got {text!r}."
        ) from None
