"""``attune physio``: raw ECG / PPG / EDA of both partners to heart rate or skin
conductance, the artefact and gap accounts, and physiological linkage."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import typer

from ..analysis.physio import analyze_physio
from ..io.physio_io import read_movesense
from ..io.writers import prepare_out_dir, safe_name, write_csv, write_parquet, write_summary
from . import app
from ._inputs import (
    CHANNELS,
    PARTNERS,
    RECURSIVE,
    RESAMPLE,
    SAMPLING_RATE,
    TIME_UNIT,
    read_inputs,
    split_names,
)
from ._term import info, progress, user_errors


@app.command()
def physio(
    paths: list[Path] = typer.Argument(
        ..., help="Movesense dyad folders (one sub-folder per sensor), or session files "
        "with a raw channel per partner."
    ),
    out: Path = typer.Option(..., "--out", help="Output folder."),
    kind: str = typer.Option("ecg", "--kind", help="Raw signal: ecg, ppg or eda."),
    channel: str = typer.Option(None, "--channel", help="Raw channel (default: --kind)."),
    rate: float = typer.Option(
        4.0, "--rate", help="Hz of the output heart rate / skin conductance (>= 4 Hz, "
        "Feldman et al. 2011)."
    ),
    partners: str = PARTNERS,
    sampling_rate: float = SAMPLING_RATE,
    channels: str = CHANNELS,
    recursive: bool = RECURSIVE,
    resample: float = RESAMPLE,
    time_unit: str = TIME_UNIT,
    behaviour: str = typer.Option(
        None, "--behaviour", help="Behaviour channel whose synchrony episodes split the "
        "heart-rate coupling into inside vs outside (Feldman et al. 2011)."
    ),
    episodes: str = typer.Option(
        None, "--episodes", help="Phase label of coded behavioural-synchrony episodes, "
        "for the same comparison."
    ),
    n_surrogates: int = typer.Option(500, "--n-surrogates", help="Surrogates per measure."),
    seed: int = typer.Option(0, "--seed", help="Random seed of the surrogates."),
    force: bool = typer.Option(False, "--force", help="Write into a non-empty --out."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Beats, heart rate (or SCL), quality accounts and linkage with surrogate p-values.

    Writes summary.csv (one row per session), linkage.csv and quality.csv (tidy), and per
    session hr_<session>.parquet, events_<session>.parquet (beats or SCRs),
    gaps_<session>.csv and, for ECG/PPG, hrv_<session>.csv (60 s windows).
    """
    with user_errors():
        roles = _parse_partners(partners)
        sources = _sources(paths, roles, lambda path: read_inputs(
            [path], sampling_rate, partners, channels, recursive, resample, time_unit))
        out = prepare_out_dir(out, force=force)
        summaries, linkages, qualities = [], [], []
        with progress() as bar:
            task = bar.add_task("physio", total=len(sources))
            for session, folder in sources:
                bar.update(task, description=f"processing {session.id}")
                res = analyze_physio(session, kind, channel=channel, rate_hz=rate,
                                     n_surrogates=n_surrogates, seed=seed,
                                     behaviour=behaviour, episodes=episodes,
                                     device_folder=folder, partners=roles)
                name = safe_name(session.id)
                write_parquet(res.result.session.to_wide(), out / f"hr_{name}.parquet")
                write_parquet(res.result.events_frame(), out / f"events_{name}.parquet")
                write_csv(res.result.gaps_frame(), out / f"gaps_{name}.csv")
                hrv = res.hrv()
                if hrv is not None:
                    write_csv(hrv, out / f"hrv_{name}.csv")
                summaries.append(res.summary())
                linkages.append(res.linkage)
                qualities.append(res.quality)
                info(f"{session.id}: heart rate, quality and linkage")
                bar.advance(task)
        summary = pd.DataFrame(summaries)
        write_summary(summary, out / "summary.csv")
        write_csv(pd.concat(linkages, ignore_index=True), out / "linkage.csv")
        write_csv(pd.concat(qualities, ignore_index=True), out / "quality.csv")
    if as_json:
        typer.echo(json.dumps(summary.to_dict(orient="records"), indent=2, default=str))
        return
    info(f"{len(summary)} session(s) processed; tables in {out}")


def _sources(paths, roles, read_path):
    """(Session, Movesense folder or None) for every input."""
    sources = []
    for path in paths:
        if path.is_dir() and any(p.is_dir() and any(p.glob("ECG-*.csv"))
                                 for p in path.iterdir()):
            sources.append((read_movesense(path, partners=roles), path))
        else:
            sources += [(s, None) for s in read_path(path)]
    return sources


def _parse_partners(text):
    return split_names(text, "--partners", 2)
