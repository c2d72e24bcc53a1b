"""``attune view``: the interactive viewer of each session (video, signals, synchrony,
episodes under one playhead; coding and exports), one offline HTML page per session."""

from __future__ import annotations

from pathlib import Path

import typer

from . import app
from ._term import info, progress, user_errors


@app.command()
def view(
    paths: list[Path] = typer.Argument(..., help="Recordings: files, folders or videos."),
    out: Path = typer.Option(..., "--out", help="Output folder."),
    video: list[Path] = typer.Option(
        None,
        "--video",
        help="The session's video: one split-screen file, or one per partner "
        "(give --video twice). Default: the input itself when it is a video.",
    ),
    video_offset: float = typer.Option(
        0.0, "--video-offset", help="Video time (s) at the recording's time 0."
    ),
    config: Path = typer.Option(None, "--config", help="Settings file (attune.toml)."),
    sampling_rate: float = typer.Option(None, "--sampling-rate", help="Hz, for MEA text files."),
    force: bool = typer.Option(False, "--force", help="Write into a non-empty output folder."),
) -> None:
    """Analyse each session and write viewer_<session>.html (open it in a browser; the
    page needs no server and fetches nothing)."""
    from ..analysis import VIDEO_SUFFIXES, read_sessions
    from ..analysis import analyze as run_analysis
    from ..config import load_config
    from ..io.writers import prepare_out_dir, safe_name
    from ..report.viewer import write_viewer

    with user_errors():
        cfg = load_config(config, read={"sampling_rate": sampling_rate})
        out = prepare_out_dir(out, force)
        sessions = read_sessions(paths, cfg)
        if video and len(sessions) > 1:
            raise ValueError(
                f"--video: a video belongs to one session, but the inputs hold {len(sessions)}; "
                "view one recording at a time or let each video input be its own session."
            )
    inputs = {p.stem: p for p in paths if p.suffix.lower() in VIDEO_SUFFIXES}
    written = []
    with progress() as bar, user_errors():
        task = bar.add_task("sessions", total=len(sessions))
        for session in sessions:
            bar.update(task, description=f"analysing {session.id}")
            analysis = run_analysis(session, cfg)
            own = [inputs[session.id]] if session.id in inputs else []
            page = out / f"viewer_{safe_name(session.id)}.html"
            write_viewer(analysis, page, videos=video or own, video_offset_s=video_offset)
            written.append(page)
            bar.advance(task)
    for page in written:
        info(f"wrote {page}")
