"""``attune episodes``: attuned stretches, ruptures and repairs per session."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import typer

from ..analysis.episodes import episode_reasons
from ..episodes import detect_episodes, get_paradigm
from ..episodes.categorical import match_states
from ..episodes.paradigms import DEFAULT_PARADIGM
from ..io.annotations import codes_from_file
from ..io.writers import prepare_out_dir, safe_name, write_csv, write_parquet, write_summary
from . import app
from ._inputs import CHANNELS, PARTNERS, RECURSIVE, RESAMPLE, SAMPLING_RATE, TIME_UNIT, read_inputs
from ._term import error, info, progress, user_errors, warn

CODE_SUFFIXES = (".csv", ".tsv", ".eaf")


@app.command()
def episodes(
    paths: list[Path] = typer.Argument(..., help="Session files or folders (MEA .txt too)."),
    out: Path = typer.Option(..., "--out", help="Output folder."),
    sampling_rate: float = SAMPLING_RATE,
    partners: str = PARTNERS,
    channels: str = CHANNELS,
    recursive: bool = RECURSIVE,
    resample: float = RESAMPLE,
    time_unit: str = TIME_UNIT,
    channel: list[str] = typer.Option(
        None, "--channel", help="Channel to use (repeat for several; default: every channel "
        "both partners have, combined)."
    ),
    codes: bool = typer.Option(
        False, "--codes", help="Inputs are coded states (time + one code column per partner, "
        "e.g. SPAFF); matched = same affective class (Tronick)."
    ),
    tiers: str = typer.Option(
        None, "--tiers", help="--codes from ELAN/BORIS: the two partners' tiers (subjects), "
        "e.g. mother,infant (default: the file's two tiers)."
    ),
    paradigm: str = typer.Option(
        "infant-face-to-face", "--paradigm", help="Time-scale preset: infant-face-to-face "
        "(4 s windows, 0.5 s step, lags 2 s) or psychotherapy-movement (30 s windows, 5 s "
        "step, lags 5 s); see attunement.episodes.PARADIGMS. Options below override it."
    ),
    window: float = typer.Option(None, "--window", help="WCC window (s; default: paradigm)."),
    step: float = typer.Option(None, "--step", help="Window increment (s; default: paradigm)."),
    lag: float = typer.Option(None, "--lag", help="Largest lag (s; default: paradigm)."),
    long_unrepaired: float = typer.Option(
        None, "--long-unrepaired", help="Seconds from which an unrepaired rupture is 'long "
        "unrepaired' (default: paradigm; a choice, not a published value)."
    ),
    n_gate_surrogates: int = typer.Option(
        99, "--n-gate-surrogates", help="Circular-shift surrogates (99: the session test resolves "
        "p in steps of 0.01)."),
    seed: int = typer.Option(0, "--seed", help="Seed of the surrogate shifts."),
    force: bool = typer.Option(False, "--force", help="Write into a non-empty --out."),
    as_json: bool = typer.Option(False, "--json", help="Print the session summaries as JSON."),
) -> None:
    """Segment each session into attuned and rupture episodes; write episodes.csv (all
    sessions, one row per episode), episode_summary.csv (one row per session and phase,
    with the parameters) and states_<session>.parquet (per window).

    The default paradigm suits the short time scales of infant affect attunement: 4 s
    windows moved by 0.5 s (Tronick's 1 s coding base), lags to 2 s; for adult movement
    synchrony (MEA) use --paradigm psychotherapy-movement. Series are pre-whitened and
    scored against 99 circular-shift surrogates; attuned states are kept only in a session
    whose overall synchrony exceeds its surrogates, and there only in stretches beyond the
    surrogates' largest (detect_episodes). A session that starts out of step is 'not yet
    attuned', not a rupture. Rupture types are screening aids for human coding, never
    diagnoses.
    """
    with user_errors():
        get_paradigm(paradigm)
        if not codes:
            how = "the default" if paradigm == DEFAULT_PARADIGM else "chosen with --paradigm"
            info(f"time scale: {paradigm} ({how}); see attunement.episodes.PARADIGMS")
        sources = _sources(paths, codes, lambda: read_inputs(
            paths, sampling_rate, partners, channels, recursive, resample, time_unit
        ), tiers)
        out = prepare_out_dir(out, force=force)
    tables, summaries, failed = [], [], {}
    with progress() as bar:
        task = bar.add_task("episodes", total=len(sources))
        for name, load in sources:
            bar.update(task, description=f"episodes {name}")
            try:
                data = load()
                reasons = [] if codes else episode_reasons(data, channel or None, paradigm,
                                                            window, lag)
                if reasons:  # an empty row with its reason, as in summary.csv (sync, analyze)
                    warn(f"session {name!r}: " + "; ".join(reasons) + ": no episodes.")
                    summaries.append(pd.DataFrame([{"session": data.id, "phase": "all",
                                                    "reason": "; ".join(reasons)}]))
                    bar.advance(task)
                    continue
                result = _detect(data, codes, channel, paradigm, window, step, lag,
                                 long_unrepaired, n_gate_surrogates, seed)
            except (ValueError, FileNotFoundError) as err:  # one bad session never stops the rest
                failed[name] = str(err)
                warn(f"{name}: {err}")
                bar.advance(task)
                continue
            if not result.params.get("detectable", True):  # said, not only in the summary
                warn(f"session {result.session!r}: episodes are not meaningful here: "
                     f"{result.params['detectability']} (episode_summary.csv: detectable).")
            write_parquet(result.states, out / f"states_{safe_name(result.session)}.parquet")
            tables.append(result.episodes)
            summaries.append(result.summary_frame().assign(reason=pd.NA))
            bar.advance(task)
    if tables:
        write_csv(pd.concat(tables, ignore_index=True), out / "episodes.csv")
    if summaries:
        summary = pd.concat(summaries, ignore_index=True)
        write_summary(summary, out / "episode_summary.csv")
        if as_json:
            rows = summary[summary.phase == "all"].to_dict(orient="records")
            typer.echo(json.dumps(rows, indent=2, default=str))
        else:
            written = "episodes.csv and " if tables else ""
            info(f"{len(summaries)} session(s) ({len(tables)} with episodes): {written}"
                 f"episode_summary.csv in {out}")
    if failed:
        error(f"{len(failed)} session(s) failed: {', '.join(failed)}")
        raise typer.Exit(1)


def _detect(data, codes, channel, paradigm, window, step, lag, long_unrepaired,
            n_gate_surrogates, seed):
    if codes:
        return match_states(data, long_unrepaired_s=long_unrepaired or 15.0)
    return detect_episodes(data, channel=channel or None, paradigm=paradigm, window_s=window,
                           step_s=step,
                           max_lag_s=lag, long_unrepaired_s=long_unrepaired,
                           n_gate_surrogates=n_gate_surrogates, seed=seed)


def _sources(paths, codes, read_sessions, tiers=None) -> list[tuple[str, Callable]]:
    """(name, loader) per session: coded tables are read lazily, sessions up front."""
    if not codes:
        return [(s.id, lambda s=s: s) for s in read_sessions()]
    files = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.suffix.lower() in CODE_SUFFIXES)
            if not found:
                raise ValueError(f"{path}: no coded-state tables (.csv, .tsv) found.")
            files += found
        elif not path.exists():
            raise FileNotFoundError(f"{path}: no such file or folder.")
        else:
            files.append(path)
    pair = [t.strip() for t in tiers.split(",")] if tiers else None
    return [(f.stem, lambda f=f: codes_from_file(f, pair)) for f in files]
