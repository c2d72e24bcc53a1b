"""``attune analyze``: recordings to tidy tables and a self-contained HTML report."""

from __future__ import annotations

from pathlib import Path

import typer

from ..analysis import VIDEO_SUFFIXES
from ..sync.registry import MEASURES, check_measures
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
from ._outputs import write_analyses
from ._term import info, session_progress, user_errors


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
    measure: str = typer.Option(
        None, "--measure", help="Comma-separated measures to run (default: the settings' "
        f"[measures], else wcc,contingency): {', '.join(MEASURES)}."
    ),
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
    from ..analysis import analyze_sessions, read_sessions
    from ..config import AnalysisConfig, load_config
    from ..io.writers import prepare_out_dir

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
        if measure is not None:  # select measures, keeping the settings' parameters
            names = check_measures(measure, "--measure")
            cfg = AnalysisConfig.model_validate(
                {**cfg.model_dump(), "measures": {n: cfg.measures.get(n, {}) for n in names}})
        sessions = read_sessions(paths, cfg, recursive)
        out = prepare_out_dir(out, force)
    videos = [p for p in paths if p.suffix.lower() in VIDEO_SUFFIXES]
    with session_progress(len(sessions)) as (follow, advance):
        written = write_analyses(analyze_sessions(sessions, cfg, progress=follow), out,
                                 videos, advance)
    if len(written.links) > 1:
        written.write_index()
    info(f"{len(written.analysed)} session(s) analysed -> {out}")
    for sid, link in written.links.items():
        info(f"  {sid}: {out / link}")
    if written.failed:
        raise typer.Exit(1)
