"""``attune analyze``: recordings to tidy tables and a self-contained HTML report."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import typer

from ..vocabulary import cli_help
from . import app
from ._inputs import (
    CHANNELS,
    PARTNERS,
    RECURSIVE,
    RESAMPLE,
    SAMPLING_RATE,
    TIME_UNIT,
    split_names,
)
from ._term import info, progress, user_errors, warn

VIDEO_SUFFIXES = (".mp4", ".avi", ".mov", ".mkv", ".m4v", ".webm")


@app.command()
def analyze(
    paths: list[Path] = typer.Argument(..., help="Recordings: files, folders or videos."),
    out: Path = typer.Option(..., "--out", help="Output folder."),
    config: Path = typer.Option(None, "--config", help="Settings file (attune.toml)."),
    sampling_rate: float = SAMPLING_RATE,
    partners: str = PARTNERS,
    channels: str = CHANNELS,
    recursive: bool = RECURSIVE,
    resample: float = RESAMPLE,
    time_unit: str = TIME_UNIT,
    window: float = typer.Option(None, "--window", help="Window length (s)."),
    lag: float = typer.Option(None, "--lag", help="Largest lag (s)."),
    step: float = typer.Option(None, "--step", help="Window increment (s)."),
    n_surrogates: int = typer.Option(None, "--n-surrogates", help=cli_help("n_surrogates")),
    paradigm: str = typer.Option(
        None, "--paradigm", help="Episodes' time scale: infant-face-to-face (4 s windows) or "
        "psychotherapy-movement (30 s windows); see attunement.episodes.PARADIGMS."
    ),
    null: str = typer.Option(None, "--null", help=cli_help("null")),
    seed: int = typer.Option(None, "--seed", help=cli_help("seed")),
    peak_method: str = typer.Option(
        None, "--peak-method",
        help="Peak picking (who leads): surrogate (default: clear peaks only) or boker2002.",
    ),
    layout: str = typer.Option(None, "--layout", help="Video: split-screen layout."),
    regions: Path = typer.Option(None, "--regions", help="Video: regions file (TOML/JSON)."),
    phases: Path = typer.Option(None, "--phases", help="Phases: CSV, ELAN .eaf or BORIS file."),
    phase_tier: str = typer.Option(None, "--phase-tier", help="Tier (or subject) of phases."),
    force: bool = typer.Option(False, "--force", help="Overwrite a non-empty output folder."),
) -> None:
    """Read, preprocess, measure, test against surrogates and find episodes, per session;
    write tables, report_<session>.html and an index.html comparing sessions."""
    from ..analysis import analyze as run_analysis
    from ..config import load_config
    from ..io import read
    from ..io.writers import (
        prepare_out_dir,
        safe_name,
        write_csv,
        write_parquet,
        write_summary,
        write_text,
    )
    from ..report.index_report import index_html
    from ..report.session_report import write_session_report
    from ..report.viewer import write_viewer

    with user_errors():
        cfg = load_config(
            config,
            read={"sampling_rate": sampling_rate, "resample_hz": resample,
                  "partners": split_names(partners, "--partners", 2),
                  "channels": split_names(channels, "--channels"),
                  "time_unit": None if time_unit == "auto" else time_unit,
                  "phases": str(phases) if phases else None, "phase_tier": phase_tier},
            sync={"window_s": window, "max_lag_s": lag, "step_s": step},
            surrogates={"n_surrogates": n_surrogates, "null": null, "seed": seed},
            episodes={"paradigm": paradigm},
            peaks={"method": peak_method},
            video={"layout": layout, "regions": str(regions) if regions else None},
        )
        sessions = _read_all(paths, cfg, read, recursive)
        out = prepare_out_dir(out, force)
    summaries, episodes, episode_summaries, links, failed = [], [], [], {}, {}
    with progress() as bar:
        task = bar.add_task("sessions", total=len(sessions))
        steps = bar.add_task("steps", total=1)
        for session in sessions:
            bar.update(task, description=f"analysing {session.id}")
            bar.reset(steps)
            name = safe_name(session.id)

            def advance(done, total, label):
                bar.update(steps, completed=done, total=total, description=label)

            try:
                analysis = run_analysis(session, cfg, progress=advance)
                tables = analysis.tables()
                for table, frame in tables.items():
                    if table not in ("summary", "episodes", "episode_summary", "wcc"):
                        write_parquet(frame, out / f"{table}_{name}.parquet")
                write_parquet(_wide_wcc(analysis), out / f"wcc_{name}.parquet")
                video = [p for p in paths if p.suffix.lower() in VIDEO_SUFFIXES
                         and safe_name(p.stem) == name]
                write_viewer(
                    analysis, out / f"viewer_{name}.html", video, report=f"report_{name}.html"
                )
                write_session_report(analysis, out / f"report_{name}.html", f"viewer_{name}.html")
            except (ValueError, FloatingPointError) as err:  # one bad session never stops the rest
                failed[session.id] = str(err)
                warn(f"{session.id}: {err}")
                bar.advance(task)
                continue
            summaries.append(tables["summary"])
            episodes.append(tables.get("episodes"))
            episode_summaries.append(tables.get("episode_summary"))
            links[session.id] = f"report_{name}.html"
            for ch in analysis.channels:
                info(f"{session.id} [{ch.channel}]: {ch.peaks.leader_text(session.partners)}")
            # Written after every session, so finished results survive a later failure.
            summary = pd.concat(summaries, ignore_index=True)
            write_summary(summary, out / "summary.csv")
            _write_concat(episodes, out / "episodes.csv", write_csv)
            _write_concat(episode_summaries, out / "episode_summary.csv", write_summary)
            bar.advance(task)
    if len(links) > 1:
        write_text(index_html(pd.concat(summaries, ignore_index=True), links), out / "index.html")
    info(f"{len(links)} session(s) analysed -> {out}")
    for sid, link in links.items():
        info(f"  {sid}: {out / link}")
    if failed:
        raise typer.Exit(1)


def _read_all(paths, cfg, read, recursive=False):
    sessions = []
    tables = [p for p in paths if p.suffix.lower() not in VIDEO_SUFFIXES]
    if tables:
        r = cfg.read
        sessions.extend(read(tables, sampling_rate=r.sampling_rate, partners=r.partners,
                             resample=r.resample_hz, time_unit=r.time_unit,
                             recursive=recursive))
    for video in (p for p in paths if p.suffix.lower() in VIDEO_SUFFIXES):
        from ..extract import extract_video

        v = cfg.video
        layout = None if v.regions else v.layout
        sessions.append(extract_video(video, layout=layout, regions=v.regions, features=v.features))
    if cfg.read.phases:
        from ..io.annotations import phases_from_file

        table = phases_from_file(cfg.read.phases, tier=cfg.read.phase_tier)
        sessions = [s.replace(phases=table) for s in sessions]
    from ..io.writers import check_unique, safe_name

    check_unique({str(s.meta.get("source", s.id)): safe_name(s.id) for s in sessions})
    return sessions


def _wide_wcc(analysis) -> pd.DataFrame:
    """One row per window and channel: ``channel``, ``window_start_s``, one column per lag."""
    frames = [ch.wcc.to_wide().assign(channel=ch.channel) for ch in analysis.channels]
    wide = pd.concat(frames, ignore_index=True)
    return wide[["channel"] + [c for c in wide.columns if c != "channel"]]


def _write_concat(frames, path, writer) -> None:
    frames = [f for f in frames if f is not None]
    if frames:
        writer(pd.concat(frames, ignore_index=True), path)
