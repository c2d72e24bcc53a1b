"""``attune extract``: video or sound to per-person signals, written as a Session file."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from ..audio import extract_audio, is_audio_path, voiced_fraction
from ..extract import extract_video, write_mea
from . import app
from ._term import info, progress, user_errors


@app.command()
def extract(
    videos: list[Path] = typer.Argument(
        ..., help="Video file(s) of two people, or sound (.wav, .flac: voice features)."
    ),
    out: Path = typer.Option(
        ..., "--out", help="A .parquet file (one video), or a folder for <video>.parquet files."
    ),
    layout: str = typer.Option(
        None, "--layout", help="Split screen: split-lr, split-rl, split-tb or split-bt."
    ),
    regions: Path = typer.Option(
        None, "--regions", help="A .toml or .json file of boxes per person and region."
    ),
    box: list[str] = typer.Option(
        None, "--box", help="A box as PARTNER.REGION=x0,y0,x1,y1 (repeat; instead of --regions)."
    ),
    units: str = typer.Option("fraction", "--units", help="Units of --box: fraction or pixel."),
    features: str = typer.Option(
        None, "--features",
        help="Comma-separated: motion, face, affect (video; default motion); or voice (sound: "
        "voice activity, F0, intensity; the default for .wav/.flac).",
    ),
    split: str = typer.Option(
        "auto", "--split", help="Voice: whose voice is where: auto, channels (one file of two), "
        "files (two files, one session), pitch (one microphone, adult and infant)."
    ),
    crosstalk_db: float = typer.Option(
        None, "--crosstalk-db", help="Voice, two microphones: drop voice heard on both where "
        "the other is louder by more than this (dB); default off."
    ),
    split_hz: float = typer.Option(
        None, "--split-hz", help="Voice, --split pitch: the F0 between the two voices (Hz); "
        "default estimated."
    ),
    partners: str = typer.Option(
        None, "--partners", help="Two role names for a layout, e.g. 'therapist,client'."
    ),
    threshold: float = typer.Option(
        10, "--threshold", help="Motion energy: grey-level change (0-255) a pixel must exceed."
    ),
    noise_filter: str = typer.Option(
        "none", "--noise-filter", help="Motion energy: 'none' or 'median' (3x3 on the mask)."
    ),
    backend: str = typer.Option("auto", "--backend", help="Decoder: auto, opencv or pyav."),
    sampling_rate: float = typer.Option(
        None, "--sampling-rate",
        help="Hz of the sample grid; default the video's frame rate (voice: 100).",
    ),
    max_frames: int = typer.Option(None, "--max-frames", help="Stop after this many frames."),
    no_blendshapes: bool = typer.Option(
        False, "--no-blendshapes", help="Leave out the 52 bs_* blendshape channels."
    ),
    mea: bool = typer.Option(
        False, "--mea", help="Also write motion energy as an MEA text file (<name>.mea.txt)."
    ),
    force: bool = typer.Option(False, "--force", help="Overwrite existing output files."),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON summary for machines."),
) -> None:
    """Extract motion energy, face features and affect per person from video."""
    rows = []
    with user_errors():
        names = [p.strip() for p in partners.split(",")] if partners else None
        if features == "voice" or (features is None and all(map(is_audio_path, videos))):
            for sources, target in _audio_targets(videos, out, force, split):
                session = extract_audio(sources, split=split, partners=names,
                                        split_hz=split_hz, sampling_rate=sampling_rate or 100,
                                        crosstalk_db=crosstalk_db)
                session.to_parquet(target)
                rows.append(_audio_summary(session, target))
                info(f"{', '.join(map(str, sources))}: {session.n_samples} frames at "
                     f"{session.sampling_rate:g} Hz ({session.meta['audio']['split']}) -> "
                     f"{target}")
            if as_json:
                typer.echo(json.dumps(rows, indent=2))
            return
        features = features or "motion"
        targets = _targets(videos, out, force, mea)
        if box:
            if regions is not None:
                raise ValueError("Give --regions or --box, not both.")
            regions = _boxes(box, units)
        for video, target in targets:
            with progress() as bar:
                task = bar.add_task(f"extract {video.name}", total=None)

                def tick(done: int, total: int | None, _task=task, _bar=bar) -> None:
                    _bar.update(_task, completed=done, total=total)

                session = extract_video(
                    video, layout=layout, regions=regions, features=features, partners=names,
                    threshold=threshold, noise_filter=noise_filter, backend=backend,
                    sampling_rate=sampling_rate, max_frames=max_frames,
                    blendshapes=not no_blendshapes, progress=tick,
                )
            session.to_parquet(target)
            if mea:
                write_mea(session, _mea_path(target))
            rows.append(_summary(session, target))
            info(f"{video}: {rows[-1]['n_samples']} samples at "
                 f"{rows[-1]['sampling_rate_hz']:g} Hz -> {target}")
    if as_json:
        typer.echo(json.dumps(rows, indent=2))


def _targets(videos: list[Path], out: Path, force: bool, mea: bool) -> list[tuple[Path, Path]]:
    if out.suffix.lower() == ".parquet":
        if len(videos) != 1:
            raise ValueError(
                f"--out {out}: a single .parquet file takes one video, got {len(videos)}; "
                "give a folder instead."
            )
        out.parent.mkdir(parents=True, exist_ok=True)
        pairs = [(videos[0], out)]
    else:
        if out.exists() and not out.is_dir():
            raise ValueError(f"--out {out}: exists and is not a folder; expected a folder or "
                             "a .parquet file.")
        out.mkdir(parents=True, exist_ok=True)
        pairs = [(v, out / f"{v.stem}.parquet") for v in videos]
    for _, target in pairs:
        existing = [p for p in (target, _mea_path(target)) if p.exists() and
                    (p == target or mea)]
        if existing and not force:
            raise ValueError(f"{existing[0]}: exists; use --force to overwrite.")
    return pairs


def _audio_targets(paths: list[Path], out: Path, force: bool, split: str):
    """One session per file, or one for two files with ``--split files``."""
    groups = [paths] if split == "files" else [[p] for p in paths]
    if out.suffix.lower() == ".parquet":
        if len(groups) != 1:
            raise ValueError(
                f"--out {out}: a single .parquet file takes one session, got {len(groups)}; "
                "give a folder, or --split files for two files of one session."
            )
        pairs = [(groups[0], out)]
    else:
        if out.exists() and not out.is_dir():
            raise ValueError(f"--out {out}: exists and is not a folder; expected a folder or "
                             "a .parquet file.")
        pairs = [(g, out / f"{g[0].stem}.parquet") for g in groups]
    for _, target in pairs:
        if target.exists() and not force:
            raise ValueError(f"{target}: exists; use --force to overwrite.")
        target.parent.mkdir(parents=True, exist_ok=True)
    return pairs


def _audio_summary(session, target: Path) -> dict:
    audio = session.meta["audio"]
    row = {"session": session.id, "out": str(target), "partners": list(session.partners),
           "n_samples": session.n_samples, "sampling_rate_hz": session.sampling_rate,
           "split": audio["split"]}
    for p, fraction in voiced_fraction(session).items():
        row[f"voiced_fraction_{p}"] = fraction
    if audio["split"] == "pitch":
        row["split_hz"] = audio["split_hz"]
        row["n_unassigned_segments"] = audio["n_unassigned_segments"]
    return row


def _boxes(items: list[str], units: str) -> dict:
    """``--box caregiver.head=0,0,0.5,0.4`` options as the mapping a regions file holds."""
    spec: dict = {"units": units, "partners": {}}
    for item in items:
        key, _, values = item.partition("=")
        partner, _, name = key.partition(".")
        try:
            numbers = [float(v) for v in values.split(",")]
        except ValueError:
            numbers = []
        if not partner or not name or len(numbers) != 4:
            raise ValueError(
                f"--box {item!r}: expected PARTNER.REGION=x0,y0,x1,y1, "
                "e.g. caregiver.head=0,0,0.5,0.4."
            )
        spec["partners"].setdefault(partner, {})[name] = numbers
    return spec


def _mea_path(target: Path) -> Path:
    return target.with_name(f"{target.stem}.mea.txt")


def _summary(session, target: Path) -> dict:
    frames = session.meta["frames"]
    row = {
        "session": session.id,
        "out": str(target),
        "partners": list(session.partners),
        "channels": len(session.channels),
        "n_samples": session.n_samples,
        "sampling_rate_hz": session.sampling_rate,
        "n_frames_decoded": frames["n_frames_decoded"],
        "n_frames_dropped": frames["n_frames_dropped"],
        "n_frames_duplicate": frames["n_frames_duplicate"],
    }
    if "face_found_fraction" in session.meta:
        row["face_found_fraction"] = session.meta["face_found_fraction"]
    return row
