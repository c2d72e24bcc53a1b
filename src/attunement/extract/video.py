"""Decoding video frames with their timestamps (OpenCV, or PyAV for variable frame rate).

Every frame keeps its presentation time in seconds, so signals sit on the true time
axis. :func:`frame_slots` places frames on the even grid a Session needs and counts
the frames that are missing from it (dropped) or that share a slot, rather than
hiding them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

from .._check import check_option, soft_import

logger = logging.getLogger("attunement")

BACKENDS = ("auto", "opencv", "pyav")
COLORS = ("bgr", "rgb", "gray")


@dataclass(frozen=True)
class VideoInfo:
    """What a video file says about itself.

    ``fps`` is the nominal frame rate the samples are placed on; ``average_fps``
    what the file's timestamps average to (they differ for variable frame rate).
    ``n_frames`` is the container's own count (``None`` when it does not say).
    """

    path: str
    width: int
    height: int
    fps: float
    average_fps: float
    n_frames: int | None
    backend: str
    variable_frame_rate: bool

    def to_dict(self) -> dict:
        return asdict(self)


def check_video_path(path: str | Path) -> Path:
    """Return ``path`` as a Path, or raise a ValueError naming it.

    Examples
    --------
    >>> check_video_path("no/such/clip.mp4")
    Traceback (most recent call last):
    ...
    ValueError: no/such/clip.mp4: no such video file.
    """
    path = Path(path)
    if not path.exists():
        raise ValueError(f"{path}: no such video file.")
    if path.is_dir():
        raise ValueError(f"{path}: is a folder; expected a video file.")
    if path.stat().st_size == 0:
        raise ValueError(f"{path}: the video file is empty (0 bytes).")
    return path


def probe_video(path: str | Path, backend: str = "auto") -> VideoInfo:
    """Frame size, frame rate and frame count of a video, and which decoder will read it.

    ``backend="auto"`` picks OpenCV, or PyAV when PyAV is installed and the stream
    has a variable frame rate (its average rate differs from its base rate by more
    than 1%): OpenCV reports nominal times for such files, PyAV the real ones.

    Examples
    --------
    >>> from attunement.extract import write_synthetic_dyad
    >>> _ = write_synthetic_dyad("dyad.mp4", n_frames=10)  # doctest: +SKIP
    >>> probe_video("dyad.mp4")  # doctest: +SKIP
    VideoInfo(path='dyad.mp4', width=640, height=480, fps=30.0, average_fps=30.0, n_frames=10,
              backend='opencv', variable_frame_rate=False)
    """
    path = check_video_path(path)
    check_option(backend, "backend", BACKENDS)
    av_info = _probe_pyav(path) if backend in ("auto", "pyav") else None
    if backend == "pyav" and av_info is None:
        raise ValueError(f"{path}: PyAV could not open the file as a video.")
    if backend == "pyav" or (backend == "auto" and av_info and av_info.variable_frame_rate):
        return av_info
    return _probe_opencv(path)


def _probe_opencv(path: Path) -> VideoInfo:
    cv2 = soft_import("cv2", "Reading video")
    cap = cv2.VideoCapture(str(path))
    try:
        if not cap.isOpened():
            raise ValueError(f"{path}: could not be opened as a video (OpenCV/FFmpeg).")
        width = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH))
        height = int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
        fps = float(cap.get(cv2.CAP_PROP_FPS))
        count = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
    finally:
        cap.release()
    if width <= 0 or height <= 0:
        raise ValueError(f"{path}: no video stream found (frame size {width}x{height}).")
    if not np.isfinite(fps) or fps <= 0:
        raise ValueError(f"{path}: the file reports no frame rate; give 'sampling_rate'.")
    return VideoInfo(str(path), width, height, fps, fps, count if count > 0 else None,
                     "opencv", False)


def _probe_pyav(path: Path) -> VideoInfo | None:
    try:
        av = soft_import("av", "Reading variable-frame-rate video")
    except ImportError:
        return None
    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                return None
            stream = container.streams.video[0]
            avg = _rate(stream.average_rate)
            base = _rate(stream.base_rate) or _rate(stream.guessed_rate) or avg
            width, height = stream.codec_context.width, stream.codec_context.height
            count = stream.frames or None
    except (av.FFmpegError, OSError):
        return None
    if not avg and not base:
        raise ValueError(f"{path}: the file reports no frame rate; give 'sampling_rate'.")
    avg = avg or base
    vfr = abs(avg - base) > 0.01 * base
    # The base rate is the grid all timestamps fit on; a huge one (a clock tick, not a
    # frame rate) is no use as a sampling rate, so the average is used instead.
    fps = base if base <= 2 * avg else avg
    return VideoInfo(str(path), width, height, fps, avg, count, "pyav", vfr)


def _rate(value) -> float:
    return float(Fraction(value)) if value else 0.0


def iter_frames(
    path: str | Path, backend: str = "auto", color: str = "bgr"
) -> Iterator[tuple[float, np.ndarray]]:
    """Decode ``path`` frame by frame, yielding ``(time_s, frame)``.

    Parameters
    ----------
    path : str or Path
        The video file.
    backend : {"auto", "opencv", "pyav"}
        Decoder; see :func:`probe_video` for what ``"auto"`` picks.
    color : {"bgr", "rgb", "gray"}
        Frames as ``uint8`` arrays of shape ``(height, width, 3)`` or
        ``(height, width)`` for ``"gray"``.

    Yields
    ------
    time_s : float
        Presentation time of the frame in seconds (PyAV: the frame's pts; OpenCV:
        ``CAP_PROP_POS_MSEC``).
    frame : ndarray

    Examples
    --------
    >>> [t for t, frame in iter_frames("dyad.mp4", color="gray")][:3]  # doctest: +SKIP
    [0.0, 0.03333333333333333, 0.06666666666666667]
    """
    check_option(color, "color", COLORS)
    info = probe_video(path, backend)
    if info.backend == "pyav":
        yield from _frames_pyav(Path(info.path), color)
    else:
        yield from _frames_opencv(Path(info.path), color, info.fps)


def _frames_opencv(path: Path, color: str, fps: float) -> Iterator[tuple[float, np.ndarray]]:
    cv2 = soft_import("cv2", "Reading video")
    code = {"rgb": cv2.COLOR_BGR2RGB, "gray": cv2.COLOR_BGR2GRAY}.get(color)
    cap = cv2.VideoCapture(str(path))
    last, n_stuck = -np.inf, 0
    try:
        while True:
            ok, frame = cap.read()
            if not ok:
                break
            time_s = cap.get(cv2.CAP_PROP_POS_MSEC) / 1000.0
            if time_s <= last:  # some demuxers report no time: continue the nominal clock
                time_s, n_stuck = last + 1.0 / fps, n_stuck + 1
            last = time_s
            yield time_s, (frame if code is None else cv2.cvtColor(frame, code))
    finally:
        cap.release()
        if n_stuck:
            logger.warning("%s: OpenCV gave %d frame(s) no increasing time; placed them at "
                           "1/fps steps (use backend='pyav' for exact times)", path, n_stuck)


def _frames_pyav(path: Path, color: str) -> Iterator[tuple[float, np.ndarray]]:
    av = soft_import("av", "Reading variable-frame-rate video")
    fmt = {"bgr": "bgr24", "rgb": "rgb24", "gray": "gray"}[color]
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        last = -np.inf
        for frame in container.decode(stream):
            time_s = frame.time
            if time_s is None:  # no pts: continue the nominal clock
                time_s = last + 1.0 / _rate(stream.average_rate or stream.base_rate)
            last = time_s
            yield float(time_s), frame.to_ndarray(format=fmt)


def frame_slots(times_s: np.ndarray, fps: float) -> tuple[np.ndarray, dict[str, int]]:
    """Place frame times on the even grid ``start + k / fps``.

    Each frame goes to the nearest slot ``k``. Slots no frame reached are dropped
    frames; a frame whose slot is already taken (or whose time goes backwards) is
    left out and counted as a duplicate.

    Returns
    -------
    slots : ndarray of int
        The slot of each frame, or -1 for a frame left out.
    counts : dict
        ``n_frames_decoded``, ``n_slots``, ``n_frames_dropped``, ``n_frames_duplicate``.

    Examples
    --------
    >>> slots, counts = frame_slots(np.array([0.0, 0.1, 0.3, 0.31, 0.4]), fps=10)
    >>> slots.tolist(), counts["n_frames_dropped"], counts["n_frames_duplicate"]
    ([0, 1, 3, -1, 4], 1, 1)
    """
    times = np.asarray(times_s, dtype=float)
    if times.size == 0:
        return np.empty(0, dtype=int), {
            "n_frames_decoded": 0, "n_slots": 0, "n_frames_dropped": 0, "n_frames_duplicate": 0,
        }
    raw = np.rint((times - times[0]) * fps).astype(int)
    slots = np.full(raw.shape, -1)
    last = -1
    for i, k in enumerate(raw):
        if k > last:
            slots[i] = last = k
    n_slots = int(last + 1)
    kept = int((slots >= 0).sum())
    counts = {
        "n_frames_decoded": int(times.size),
        "n_slots": n_slots,
        "n_frames_dropped": n_slots - kept,
        "n_frames_duplicate": int(times.size - kept),
    }
    if counts["n_frames_dropped"] or counts["n_frames_duplicate"]:
        logger.info("frame grid at %g fps: %d dropped, %d duplicate frame(s)", fps,
                    counts["n_frames_dropped"], counts["n_frames_duplicate"])
    return slots, counts
