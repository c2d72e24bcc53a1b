"""``attune sync``: windowed lagged cross-correlation of every session, rMEA-style."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import typer

from ..io import read
from ..io.writers import prepare_out_dir, safe_name, write_csv, write_parquet
from ..preprocess import SCALE_METHODS, remove_outliers, scale, smooth
from ..sync.lagged import wcc
from . import app
from ._term import info, progress, user_errors

#: Summary columns first in summary.csv, in this order.
FIRST = ["session", "channel", "grand_average", "lag_zero_mean", "best_lag_s", "n_windows",
         "missing_fraction"]


@app.command()
def sync(
    paths: list[Path] = typer.Argument(..., help="Files or folders of recordings."),
    out: Path = typer.Option(..., "--out", help="Output folder."),
    window: float = typer.Option(60.0, "--window", help="Window length (s); rMEA example 60."),
    lag: float = typer.Option(5.0, "--lag", help="Largest lag (s); rMEA example +-5."),
    step: float = typer.Option(30.0, "--step", help="Window increment (s); rMEA example 30."),
    fisher_z: bool = typer.Option(False, "--fisher-z", help="Fisher z (rMEA r2Z), capped at 10."),
    absolute: bool = typer.Option(False, "--absolute", help="Absolute values (rMEA ABS)."),
    smooth_s: float = typer.Option(
        None, "--smooth", help="Moving average (s) first, rMEA MEAsmooth (published 0.5)."
    ),
    scale_by: str = typer.Option(
        None, "--scale", help=f"Divide each series by: {', '.join(SCALE_METHODS)} (MEAscale)."
    ),
    outliers_sd: float = typer.Option(
        None, "--outliers", help="Values above this many SDs become missing (MEAoutlier: 10)."
    ),
    channel: str = typer.Option(None, "--channel", help="Channel (default: every shared one)."),
    sampling_rate: float = typer.Option(
        None, "--sampling-rate", help="Hz, for files that do not carry it (MEA text)."
    ),
    force: bool = typer.Option(False, "--force", help="Write into a non-empty --out."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Windowed lagged cross-correlation per session (positive lag: partner 2 follows).

    Preprocessing, when asked, runs as rMEA's chain: smooth, then scale, then outliers.
    Writes wcc_<session>.parquet (one row per window: window_start_s, then one column per
    lag in seconds) and summary.csv (one row per session and channel, with every parameter;
    missing_fraction counts missing samples after preprocessing).
    """
    params = {"window_s": window, "max_lag_s": lag, "step_s": step, "fisher_z": fisher_z,
              "absolute": absolute}
    prep = {"smooth_s": smooth_s, "scale": scale_by, "outliers_sd": outliers_sd}
    with user_errors():
        out = prepare_out_dir(out, force=force)
        sessions = read(paths, sampling_rate=sampling_rate)
        rows = []
        with progress() as bar:
            task = bar.add_task("sync", total=len(sessions))
            for session in sessions:
                session = _preprocess(session, prep)
                channels = [session.resolve_channel(channel)] if channel else session.channels
                for ch in channels:
                    result = wcc(session, channel=ch, **params)
                    name = safe_name(session.id if len(channels) == 1 else f"{session.id}_{ch}")
                    write_parquet(result.to_wide(), out / f"wcc_{name}.parquet")
                    rows.append({"session": session.id, "channel": ch, **result.summary(),
                                 **prep})
                bar.advance(task)
        summary = pd.DataFrame(rows)
        summary = summary[FIRST + [c for c in summary.columns if c not in FIRST]]
        write_csv(summary, out / "summary.csv")
    if as_json:
        typer.echo(json.dumps(summary.to_dict(orient="records"), indent=2, default=str))
        return
    info(f"{len(summary)} session(s) processed; tables in {out}")


def _preprocess(session, prep):
    """rMEA's chain: MEAsmooth, then MEAscale, then MEAoutlier, each only when asked."""
    if prep["smooth_s"] is not None:
        session = smooth(session, prep["smooth_s"])
    if prep["scale"] is not None:
        session = scale(session, prep["scale"])
    if prep["outliers_sd"] is not None:
        session = remove_outliers(session, threshold_sd=prep["outliers_sd"])
    return session
