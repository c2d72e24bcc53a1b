"""``attune physio``: raw ECG / PPG / EDA of both partners to heart rate or skin
conductance, the artefact and gap accounts, and physiological linkage."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import typer

from ..io.physio_io import read_movesense, read_movesense_intervals
from ..io.writers import prepare_out_dir, safe_name, write_csv, write_parquet, write_summary
from ..linkage import physio_linkage
from ..physio import Beats, compare_intervals, hrv_windows, process_session
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
from ._term import info, progress, user_errors, warn


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
    params = {"kind": kind, "rate_hz": rate, "n_surrogates": n_surrogates, "seed": seed,
              "behaviour": behaviour, "episodes": episodes}
    with user_errors():
        roles = _parse_partners(partners)
        sources = _sources(paths, roles, lambda path: read_inputs(
            [path], sampling_rate, partners, channels, recursive, resample, time_unit))
        out = prepare_out_dir(out, force=force)
        summaries, linkages, qualities = [], [], []
        with progress() as bar:
            task = bar.add_task("physio", total=len(sources))
            for session, folder in sources:
                res = process_session(session, kind, channel=channel, sampling_rate=rate)
                channel_out = "hr_bpm" if kind in ("ecg", "ppg") else "scl_us"
                link = physio_linkage(res.session, channel=channel_out,
                                      n_surrogates=n_surrogates, seed=seed,
                                      behaviour_channel=behaviour,
                                      episodes=_episodes(res.session, episodes))
                quality = res.to_frame()
                if folder is not None and kind == "ecg":
                    quality = _device_agreement(res, folder, roles, quality)
                name = safe_name(session.id)
                write_parquet(res.session.to_wide(), out / f"hr_{name}.parquet")
                write_parquet(res.events_frame(), out / f"events_{name}.parquet")
                write_csv(res.gaps_frame(), out / f"gaps_{name}.csv")
                hrv = [hrv_windows(b).assign(partner=p) for p, b in res.partners.items()
                       if isinstance(b, Beats)]
                if hrv:
                    write_csv(pd.concat(hrv, ignore_index=True), out / f"hrv_{name}.csv")
                summaries.append(_summary_row(session.id, quality, link, params))
                linkages.append(link)
                qualities.append(quality)
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


def _device_agreement(res, folder, roles, quality):
    """Add the sensors' own beat-to-beat intervals and our agreement with them."""
    try:
        device = read_movesense_intervals(folder, partners=roles)
    except ValueError as err:  # no HR-*.csv export: nothing to compare with
        warn(f"{folder}: no device beat-to-beat intervals compared ({err})")
        return quality
    rows = []
    for partner, beats in res.partners.items():
        ref = device[partner]["ibi_ms"].to_numpy()
        agree = compare_intervals(beats, ref).summary()
        rows.append({"partner": partner, "device_n_beats": len(ref),
                     "device_mean_hr_bpm": float((60000.0 / ref).mean()),
                     **{f"agreement_{k}": v for k, v in agree.items()}})
    return quality.merge(pd.DataFrame(rows), on="partner", how="left")


def _summary_row(session_id, quality, link, params) -> dict:
    row = {"session": session_id}
    for k, q in enumerate(quality.to_dict("records"), start=1):
        row[f"partner_{k}"] = q["partner"]
        for col in ("mean_hr_bpm", "mean_scl_us", "n_beats", "n_scr", "gap_fraction"):
            if col in q:
                row[f"partner_{k}_{col}"] = q[col]
    for rec in link.to_dict("records"):
        name = rec["measure"]
        if rec["measure"] == "hr_interval_r":
            name = f"{name}_{rec['null']}"
        row[name] = rec["value"]
        row[f"{name}_p_value"] = rec["p_value"]
        row[f"{name}_effect_size"] = rec["effect_size"]
        if name == "hr_peak_r":
            row["hr_peak_lag_s"] = rec["lag_s"]
    return {**row, **params}


def _episodes(session, label):
    if label is None:
        return None
    chosen = session.phases[session.phases.label == label]
    if chosen.empty:
        raise ValueError(f"session {session.id!r}: --episodes {label!r} names no phase; its "
                         f"phase labels are {sorted(set(session.phases.label))}.")
    return chosen


def _parse_partners(text):
    return split_names(text, "--partners", 2)
