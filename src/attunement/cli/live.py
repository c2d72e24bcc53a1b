"""``attune live``: synchrony, state and ruptures from two partners' LSL streams as they come."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import typer

from ..io import read
from . import app
from ._term import info, user_errors


@app.command()
def live(
    out: Path = typer.Option(..., "--out", help="Folder for the recording."),
    replay: Path = typer.Option(
        None, "--replay", help="Replay this recording (any file attune info reads) through LSL."
    ),
    video: Path = typer.Option(
        None, "--video", help="Movement from this video file, extracted as frames arrive."
    ),
    camera: int = typer.Option(
        None, "--camera", help="Movement from camera N (OpenCV index), live."
    ),
    layout: str = typer.Option(
        None, "--layout", help="With --video/--camera: split-lr (default), split-rl, split-tb, "
        "split-bt."
    ),
    regions: Path = typer.Option(
        None, "--regions", help="With --video/--camera: regions file, as attune extract."
    ),
    speed: float = typer.Option(
        1.0, "--speed", help="Replay (or play --video) this many times real time."
    ),
    partners: str = typer.Option(
        None, "--partners", help="The two partners, e.g. caregiver,infant (not with --replay)."
    ),
    mapping: Path = typer.Option(
        None, "--map", help="TOML mapping of LSL stream names to partners and channels."
    ),
    channel: list[str] = typer.Option(None, "--channel", help="With --replay: channels to use."),
    sampling_rate: float = typer.Option(
        None, "--sampling-rate", help="Hz, for a replayed file that does not carry it, or a camera."
    ),
    duration: float = typer.Option(None, "--duration", help="Stop after this many seconds."),
    idle: float = typer.Option(3.0, "--idle", help="Stop when no sample came for this long (s)."),
    osc_port: int = typer.Option(None, "--osc-port", help="Send OSC to this UDP port."),
    osc_host: str = typer.Option("127.0.0.1", "--osc-host", help="OSC host (this machine)."),
    osc_allow_remote: bool = typer.Option(
        False, "--osc-allow-remote", help="Allow an OSC host other than this machine."
    ),
    dashboard_port: int = typer.Option(
        None, "--dashboard-port", help="Serve the dashboard on 127.0.0.1 at this port (0: any)."
    ),
    markers: bool = typer.Option(True, "--markers/--no-markers", help="LSL marker stream."),
    force: bool = typer.Option(False, "--force", help="Overwrite an earlier recording."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON for machines."),
) -> None:
    """Read two partners' LSL streams (or replay a recording, or extract movement from a video
    or camera as frames arrive) and record, publish and show synchrony, the attuned state and
    rupture/repair events as they happen."""
    from ..live.run import run_live

    with user_errors():
        session = source = None
        if replay is not None and (video is not None or camera is not None):
            raise ValueError("attune live: give one of --replay and --video/--camera, not both.")
        if replay is not None:
            sessions = read(replay, sampling_rate=sampling_rate)
            if len(sessions) != 1:
                raise ValueError(
                    f"--replay {replay}: expected one recording, got {len(sessions)}."
                )
            session = sessions[0]
        names = None
        if partners is not None:
            names = tuple(p.strip() for p in partners.split(","))
            if len(names) != 2 or not all(names):
                raise ValueError(f"--partners: expected two names like a,b, got {partners!r}.")
        if video is not None or camera is not None:
            from ..live.video import open_video

            source = open_video(video, camera, layout=layout, regions=regions, partners=names,
                                sampling_rate=sampling_rate, speed=speed,
                                suffix=f"-{uuid.uuid4().hex[:8]}")
            names = None
        try:
            summary = run_live(
                out, partners=names, mapping=mapping, replay=session, video=source,
                speed=speed, channels=channel or None, duration_s=duration, idle_s=idle,
                osc_port=osc_port, osc_host=osc_host, osc_allow_remote=osc_allow_remote,
                dashboard_port=dashboard_port, markers=markers, force=force,
                session_id=source.name_stem if source else "live",
                on_ready=lambda dash: info(f"dashboard at {dash.url}") if dash else None,
            )
        finally:
            if source is not None:
                source.stop()
    if as_json:
        typer.echo(json.dumps(summary, indent=2, default=float))
        return
    for name, s in summary["streams"].items():
        info(f"{name} ({s['partner']}): {s['received']} samples, {s['dropped']} dropped, "
             f"{s['late']} late")
    info(f"{summary['updates']} state updates; recording in {out}")
