"""Videos for the session viewer: checked, kept where the browser can play them, converted
with PyAV (H.264 MP4) where it cannot (AVI MJPEG, MPEG-4 part 2, ...).

The page references each video by a relative URL from the page's folder, so the page and
its videos move together and nothing is fetched from elsewhere.
"""

from __future__ import annotations

import os
from fractions import Fraction
from pathlib import Path
from urllib.parse import quote

from .._check import soft_import

#: Container suffixes -> video codecs an HTML5 ``<video>`` plays in Chromium and Firefox.
PLAYABLE = {
    ".mp4": {"h264", "vp9", "av1"},
    ".m4v": {"h264"},
    ".webm": {"vp8", "vp9", "av1"},
}
#: Suffixes the viewer accepts (played as they are or converted).
VIDEO_SUFFIXES = (".mp4", ".m4v", ".mov", ".avi", ".mkv", ".webm")


def video_codec(path: str | Path) -> str:
    """The codec name of the first video stream of ``path`` (PyAV), e.g. ``'mjpeg'``."""
    av = soft_import("av", "Reading a video for the viewer")
    path = Path(path)
    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                raise ValueError(f"{path}: no video stream in this file.")
            return container.streams.video[0].codec_context.name
    except av.error.FFmpegError as err:
        raise ValueError(f"{path}: not a readable video ({err}).") from None


def is_playable(path: str | Path) -> bool:
    """Whether a browser plays ``path`` as it is (container suffix and codec).

    Examples
    --------
    >>> is_playable("session.avi")  # AVI is never played by browsers; no need to open it
    False
    """
    codecs = PLAYABLE.get(Path(path).suffix.lower())
    return bool(codecs) and video_codec(path) in codecs


def convert_to_mp4(source: str | Path, target: str | Path) -> Path:
    """Re-encode the video of ``source`` as H.264 (yuv420p, even size) in an MP4 ``target``,
    and its first sound track, if any, as AAC (the viewer can play the voices).

    Frame times are kept (each frame's presentation time is copied), so the converted video
    stays on the recording's clock. Written to a temporary file, then renamed.
    """
    av = soft_import("av", "Converting a video for the viewer")
    source, target = Path(source), Path(target)
    tmp = target.with_name(f".{target.name}.part.mp4")
    try:
        with av.open(str(source)) as inp, av.open(str(tmp), "w") as out:
            vin = inp.streams.video[0]
            rate = vin.average_rate or vin.guessed_rate or Fraction(30)
            vout = out.add_stream("libx264", rate=rate)
            vout.width = vin.codec_context.width // 2 * 2
            vout.height = vin.codec_context.height // 2 * 2
            vout.pix_fmt = "yuv420p"
            vout.time_base = vin.time_base or Fraction(1, 1000)
            vout.options = {"crf": "23", "preset": "veryfast"}
            ain = inp.streams.audio[0] if inp.streams.audio else None  # the voices, as AAC
            aout = out.add_stream("aac", rate=ain.rate) if ain is not None else None
            for packet in inp.demux(*(s for s in (vin, ain) if s is not None)):
                for frame in packet.decode():
                    if packet.stream.type == "audio":
                        frame.pts = None  # the encoder counts samples from the start
                        out.mux(aout.encode(frame))
                        continue
                    pts = frame.pts
                    frame = frame.reformat(vout.width, vout.height, "yuv420p")
                    frame.pts, frame.time_base = pts, vin.time_base
                    out.mux(vout.encode(frame))
            out.mux(vout.encode(None))
            if aout is not None:
                out.mux(aout.encode(None))
        os.replace(tmp, target)
    except av.error.FFmpegError as err:
        tmp.unlink(missing_ok=True)
        raise ValueError(f"{source}: could not convert to H.264 MP4 ({err}).") from None
    return target


def prepare_video(path: str | Path, page_dir: str | Path, stem: str) -> dict:
    """Make ``path`` playable beside a page in ``page_dir``; return ``{src, label, converted}``.

    ``src`` is the URL-quoted relative path from ``page_dir``; a video the browser cannot
    play is converted to ``<page_dir>/<stem>.mp4`` (``stem`` must be file-name safe).
    """
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"video {path}: no such file.")
    if path.suffix.lower() not in VIDEO_SUFFIXES:
        raise ValueError(
            f"video {path}: expected one of {', '.join(VIDEO_SUFFIXES)}, got {path.suffix!r}."
        )
    page_dir = Path(page_dir)
    converted = not is_playable(path)
    if converted:
        path = convert_to_mp4(path, page_dir / f"{stem}.mp4")
    rel = os.path.relpath(path.resolve(), page_dir.resolve())
    return {
        "src": "/".join(quote(part) for part in Path(rel).parts),
        "label": path.name,
        "converted": converted,
    }
