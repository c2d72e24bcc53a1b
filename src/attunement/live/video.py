"""Movement from a video file or a camera, live: ``attune extract`` on frames as they arrive.

Each frame goes through :class:`attunement.extract.FrameFeatures`, the per-frame step of
:func:`attunement.extract.extract_video` (one code path: the same motion energy counts as
offline, checked in tests/test_live_video.py). Each partner's values are pushed to an LSL
outlet of their own, ``<partner>-video<suffix>``, whose channels are the extraction's
(``motion_<region>``, ``motion``, ...), so the live engine reads a camera as it reads any
other stream.

Time stamps. A file's frames are stamped with their presentation times (``speed`` times
faster) from the LSL clock at the start, and pushed when due; a camera's frames with the
LSL clock when read.
"""

from __future__ import annotations

import time
from contextlib import ExitStack
from pathlib import Path

import numpy as np

from .._check import check_positive, soft_import
from ..extract import DEFAULT_THRESHOLD, FrameFeatures, parse_features, probe_video, resolve_regions
from ..extract.video import check_video_path, iter_frames
from .lsl import Pusher, StreamSpec, import_pylsl, make_outlet


class VideoSource(Pusher):
    """Extract per-partner movement from a video file or camera and push it to LSL.

    Parameters
    ----------
    source : path or int
        A video file, or a camera index (``cv2.VideoCapture(index)``).
    layout, regions, partners
        As in :func:`attunement.extract.extract_video` (default ``layout="split-lr"``).
    features, threshold, noise_filter
        As in :func:`attunement.extract.extract_video` (default motion only).
    sampling_rate : float, optional
        Frames per second; default the file's or the camera's own.
    speed : float
        A file is played this many times faster than real time (1 for a camera).
    suffix : str
        Appended to the stream names (``<partner>-video<suffix>``).
    max_frames : int, optional
        Stop after this many frames.

    Examples
    --------
    >>> VideoSource("no/such.mp4")
    Traceback (most recent call last):
    ...
    ValueError: no/such.mp4: no such video file.
    """

    def __init__(self, source, *, layout: str | None = None, regions=None, partners=None,
                 features=("motion",), threshold: float = DEFAULT_THRESHOLD,
                 noise_filter: str = "none", sampling_rate: float | None = None,
                 speed: float = 1.0, suffix: str = "", max_frames: int | None = None,
                 backend: str = "auto"):
        self.cv2 = soft_import("cv2", "Live video (a file or a camera)")
        self.speed = check_positive(speed, "speed")
        self.camera = isinstance(source, int) and not isinstance(source, bool)
        if self.camera:
            if self.speed != 1:
                raise ValueError(f"Invalid value for 'speed': a camera runs in real time (1), "
                                 f"got {speed!r}.")
            self.capture = self.cv2.VideoCapture(int(source))
            if not self.capture.isOpened():
                raise ValueError(f"camera {source}: could not be opened (OpenCV).")
            width = int(self.capture.get(self.cv2.CAP_PROP_FRAME_WIDTH))
            height = int(self.capture.get(self.cv2.CAP_PROP_FRAME_HEIGHT))
            fps = sampling_rate or float(self.capture.get(self.cv2.CAP_PROP_FPS))
            self.name, self.name_stem = f"camera {source}", f"camera{source}"
        else:
            self.path = check_video_path(source)
            info = probe_video(self.path, backend)
            self.backend = info.backend
            width, height, fps = info.width, info.height, sampling_rate or info.fps
            self.name, self.name_stem = str(self.path), self.path.stem
        if not fps or not np.isfinite(fps) or fps <= 0:
            raise ValueError(f"{self.name}: reports no frame rate; give 'sampling_rate'.")
        self.sampling_rate = float(fps)
        if layout is None and regions is None:
            layout = "split-lr"
        self.regions = resolve_regions(width, height, layout=layout, regions=regions,
                                       partners=partners)
        self._stack = ExitStack()
        self.steps = FrameFeatures(parse_features(features), self.regions, threshold,
                                   noise_filter, stack=self._stack)
        self.partners = tuple(self.steps.names)
        self.max_frames = max_frames
        self.pylsl = import_pylsl()
        self.outlets = {}
        for p in self.partners:
            self.outlets[p] = make_outlet(self.pylsl, f"{p}-video{suffix}",
                                          self.steps.channels_of(p), self.sampling_rate,
                                          f"attunement-video-{p}{suffix}", "attunement-video")
        self.frames = 0
        self.error: BaseException | None = None
        self._thread("attune-video")

    @property
    def specs(self) -> list[StreamSpec]:
        """The stream mapping of the outlets, for :func:`~attunement.live.lsl.resolve_streams`."""
        return [StreamSpec(self.outlets[p].get_info().name(), p) for p in self.partners]

    def _close(self) -> None:
        """Release the camera or file and close the outlets."""
        if self.camera:
            self.capture.release()
        self._stack.close()
        self.outlets.clear()

    def _frames(self):
        if not self.camera:
            yield from iter_frames(self.path, self.backend,
                                   "bgr" if self.steps.needs_color else "gray")
            return
        while not self._stop.is_set():
            ok, frame = self.capture.read()
            if not ok:
                return
            yield self.pylsl.local_clock(), frame

    def _run(self) -> None:
        first = None
        try:
            for time_s, frame in self._frames():
                if self._stop.is_set():
                    break
                if self.camera:
                    stamp = time_s
                else:
                    first = time_s if first is None else first
                    stamp = self.t0 + (time_s - first) / self.speed
                    wait = stamp - self.pylsl.local_clock()
                    if wait > 0:
                        time.sleep(wait)
                values = self.steps.run(frame, time_s)
                for p, outlet in self.outlets.items():
                    outlet.push_sample(values[p].tolist(), stamp)
                self.frames += 1
                if self.max_frames is not None and self.frames >= self.max_frames:
                    break
        except BaseException as err:  # reported by the caller after the run
            self.error = err


def open_video(video: str | Path | None, camera: int | None, **kwargs) -> VideoSource:
    """A :class:`VideoSource` for exactly one of ``video`` (a file) and ``camera`` (an index)."""
    if (video is None) == (camera is None):
        raise ValueError("Invalid input: give exactly one of 'video' (a file) and 'camera' "
                         f"(an index), got {video!r} and {camera!r}.")
    return VideoSource(video if camera is None else int(camera), **kwargs)
