"""``extract_video``: one pass over a video, per-person signals out, as a Session."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import numpy as np

from .._check import check_positive, soft_import
from ..session import Session
from .motion import DEFAULT_THRESHOLD, MotionEnergy
from .regions import Region, resolve_regions, union_box
from .video import check_video_path, frame_slots, iter_frames, probe_video

logger = logging.getLogger("attunement")
#: Step lines (each video) go here, at INFO.
step_lines = logger.getChild("progress")

FEATURES = ("motion", "face", "affect")


def parse_features(features: str | Sequence[str]) -> list[str]:
    """Check a feature list (``"motion,face"`` or a sequence); affect needs face, so adds it.

    Examples
    --------
    >>> parse_features("motion, affect")
    ['motion', 'face', 'affect']
    >>> parse_features("pose")
    Traceback (most recent call last):
    ...
    ValueError: Invalid value for 'features': unknown feature(s) ['pose']; ...
    """
    items = features.split(",") if isinstance(features, str) else list(features)
    items = [str(f).strip().lower() for f in items if str(f).strip()]
    unknown = [f for f in items if f not in FEATURES]
    if unknown or not items:
        raise ValueError(
            f"Invalid value for 'features': unknown feature(s) {unknown}; expected a "
            f"comma-separated subset of {list(FEATURES)}, got {features!r}."
        )
    if "affect" in items:
        items.append("face")
    return [f for f in FEATURES if f in items]


def extract_video(
    path: str | Path,
    layout: str | None = None,
    regions: str | Path | Mapping[str, Any] | Sequence[Region] | None = None,
    features: str | Sequence[str] = ("motion",),
    partners: Sequence[str] | None = None,
    threshold: float = DEFAULT_THRESHOLD,
    noise_filter: str = "none",
    backend: str = "auto",
    sampling_rate: float | None = None,
    max_frames: int | None = None,
    track_face: bool = True,
    blendshapes: bool = True,
    min_face_confidence: float = 0.5,
    id: str | None = None,
    progress: Callable[[int, int | None], None] | None = None,
) -> Session:
    """Per-person signals from a video of two people, as a Session on the video's clock.

    Parameters
    ----------
    path : str or Path
        The video file (anything FFmpeg decodes).
    layout : str, optional
        A split-screen layout (``"split-lr"``, ``"split-rl"``, ``"split-tb"``,
        ``"split-bt"``; :data:`~attunement.extract.regions.LAYOUTS`).
    regions : path, mapping or list of Region, optional
        Explicit boxes per person and region (:func:`~attunement.extract.read_regions`).
        Give exactly one of ``layout`` and ``regions``.
    features : str or sequence of str
        Any of ``"motion"``, ``"face"``, ``"affect"`` (``"affect"`` implies ``"face"``).
    partners : pair of str, optional
        Role names for a layout (default ``partner_1``, ``partner_2``).
    threshold, noise_filter
        Motion Energy Analysis settings (:class:`~attunement.extract.MotionEnergy`).
    backend : {"auto", "opencv", "pyav"}
        Decoder (:func:`~attunement.extract.probe_video`).
    sampling_rate : float, optional
        Rate (Hz) of the sample grid; default the video's frame rate.
    max_frames : int, optional
        Stop after this many decoded frames.
    track_face : bool
        With motion and face both on: add ``motion_face_tracked``, the motion energy
        inside a box that follows the person's face (the landmarks' box widened by 25%).
    blendshapes : bool
        Include the 52 ``bs_*`` blendshape channels.
    min_face_confidence : float
        MediaPipe's detection, presence and tracking confidence (default 0.5).
    id : str, optional
        Session id; default the file name without extension.
    progress : callable, optional
        Called as ``progress(n_done, n_total)`` after each frame (``n_total`` may be None).

    Returns
    -------
    Session
        Channels per partner: ``motion_<region>`` for each region and ``motion``
        (their sum; rMEA's ``readMEA`` sums regions too) for motion;
        :func:`~attunement.extract.face_channels` for face;
        :func:`~attunement.extract.affect_channels` for affect. Samples sit at
        ``first frame time + k / sampling_rate``; a slot that no frame reached (a
        dropped frame) is NaN. ``meta`` records the video, the frame counts
        (decoded, dropped, duplicate), the regions, every parameter, each model's
        SHA-256 and the share of frames with a face per partner.

    Examples
    --------
    >>> extract_video("missing.mp4", layout="split-lr")
    Traceback (most recent call last):
    ...
    ValueError: missing.mp4: no such video file.
    """
    path = check_video_path(path)
    feats = parse_features(features)
    if max_frames is not None and (int(max_frames) != max_frames or max_frames < 1):
        raise ValueError(f"Invalid value for 'max_frames': expected an integer >= 1, got "
                         f"{max_frames!r}.")
    info = probe_video(path, backend)
    fps = check_positive(sampling_rate, "sampling_rate") if sampling_rate else info.fps
    regs = resolve_regions(info.width, info.height, layout=layout, regions=regions,
                           partners=partners)
    names = list(dict.fromkeys(r.partner for r in regs))
    step_lines.info("%s: %s from %d region(s) at %g fps", path.name, ",".join(feats),
                    len(regs), fps)
    with ExitStack() as stack:
        steps = FrameFeatures(feats, regs, threshold, noise_filter, track_face, blendshapes,
                              min_face_confidence, stack)
        times, rows = [], []
        color = "bgr" if steps.needs_color else "gray"
        for i, (time_s, frame) in enumerate(iter_frames(path, info.backend, color)):
            if frame.shape[0] != info.height or frame.shape[1] != info.width:
                raise ValueError(
                    f"{path}: frame {i} is {frame.shape[1]}x{frame.shape[0]}, expected "
                    f"{info.width}x{info.height} as the stream header says."
                )
            times.append(time_s)
            rows.append(steps.run(frame, time_s))
            if progress is not None:
                progress(i + 1, info.n_frames)
            if max_frames is not None and i + 1 >= max_frames:
                break
    if not times:
        raise ValueError(f"{path}: no frames could be decoded (0 frames); is it a video?")
    if len(times) < 2:
        raise ValueError(f"{path}: only 1 frame decoded; expected at least 2 frames.")
    return _to_session(path, info, fps, regs, names, feats, steps, np.array(times), rows, id,
                       dict(threshold=threshold, noise_filter=noise_filter,
                            track_face=track_face, min_face_confidence=min_face_confidence))


class FrameFeatures:
    """The per-frame work of :func:`extract_video`, one frame at a time: what ``attune
    extract`` runs on a file and ``attune live`` on frames as they arrive.

    Parameters
    ----------
    features : sequence of str
        From :func:`parse_features`.
    regions : sequence of Region
        Both partners' regions (:func:`~attunement.extract.resolve_regions`).
    threshold, noise_filter, track_face, blendshapes, min_confidence
        As in :func:`extract_video`.
    stack : contextlib.ExitStack, optional
        Closes the face trackers; needed with ``"face"``.

    Examples
    --------
    >>> from attunement.extract import layout_regions
    >>> steps = FrameFeatures(["motion"], layout_regions("split-lr", 8, 4))
    >>> steps.channels, steps.channels_of("partner_2")
    (['motion_whole', 'motion'], ['motion_whole', 'motion'])
    >>> frame = np.zeros((4, 8), np.uint8)
    >>> _ = steps.run(frame, 0.0)
    >>> moved = frame.copy(); moved[:, 6:] = 200  # 8 pixels change in the right half
    >>> steps.run(moved, 0.04)["partner_2"].tolist()
    [8.0, 8.0]
    """

    def __init__(self, features, regions, threshold=DEFAULT_THRESHOLD, noise_filter="none",
                 track_face=True, blendshapes=True, min_confidence=0.5, stack=None):
        feats, regs = list(features), list(regions)
        names = list(dict.fromkeys(r.partner for r in regs))
        self.feats, self.regs, self.names = feats, regs, names
        self.needs_color = "face" in feats
        self.cv2 = soft_import("cv2", "Video extraction")
        self.channels: list[str] = []
        self.motion = None
        self.trackers, self.affect = {}, None
        if "motion" in feats:
            self.motion = MotionEnergy(regs, threshold, noise_filter)
            self.channels += [f"motion_{r}" for r in _region_names(regs, names)] + ["motion"]
        self.track_face = track_face and "motion" in feats and "face" in feats
        if self.track_face:
            self.channels.append("motion_face_tracked")
        if "face" in feats:
            from .face import FaceTracker

            if stack is None:
                raise ValueError("FrameFeatures: face features need 'stack' (an ExitStack) "
                                 "to close the face trackers.")
            self.boxes = {p: union_box([r for r in regs if r.partner == p]) for p in names}
            for p in names:
                self.trackers[p] = stack.enter_context(
                    FaceTracker(min_confidence=min_confidence, blendshapes=blendshapes))
            self.channels += self.trackers[names[0]].channels
        if "affect" in feats:
            from .affect import AffectClassifier

            self.affect = AffectClassifier()
            self.channels += self.affect.channels
        self.face_rows = {p: [] for p in names}

    def channels_of(self, partner: str) -> list[str]:
        """The channel names of :meth:`run`'s values for ``partner``, in their order (the
        motion regions in the partner's own order, the rest as :attr:`channels`)."""
        if self.motion is None:
            return list(self.channels)
        mine = [f"motion_{r.name}" for r in self.regs if r.partner == partner]
        return mine + self.channels[len(mine):]

    def run(self, frame: np.ndarray, time_s: float) -> dict[str, np.ndarray]:
        cv2 = self.cv2
        gray = frame if frame.ndim == 2 else cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
        out = {p: [] for p in self.names}
        if self.motion is not None:
            counts = self.motion.update(gray)
            for p in self.names:
                mine = [c for c, r in zip(counts, self.regs, strict=True) if r.partner == p]
                out[p] += [*mine, float(np.sum(mine))]
        for p in self.names:
            if "face" not in self.feats:
                continue
            x0, y0, x1, y1 = self.boxes[p]
            tracker = self.trackers[p]
            rgb = cv2.cvtColor(frame[y0:y1, x0:x1], cv2.COLOR_BGR2RGB)
            face = tracker.process(rgb, time_s, offset=(x0, y0))
            if self.track_face:
                box = tracker.face_box()
                out[p].append(np.nan if box is None else self.motion.count_in_box(*box))
            out[p] += list(face)
            if self.affect is not None:
                out[p] += list(self.affect.classify(gray, tracker.points_px))
        return {p: np.asarray(v, dtype=float) for p, v in out.items()}


def _region_names(regs: Sequence[Region], names: Sequence[str]) -> list[str]:
    """Region names, which must be the same set for both partners (Session channels pair up)."""
    per = [[r.name for r in regs if r.partner == p] for p in names]
    if sorted(per[0]) != sorted(per[1]):
        raise ValueError(
            f"regions: both partners need the same region names so their channels pair up; "
            f"{names[0]} has {per[0]}, {names[1]} has {per[1]}."
        )
    return per[0]


def _to_session(path, info, fps, regs, names, feats, steps, times, rows, id, params) -> Session:
    slots, counts = frame_slots(times, fps)
    keep = slots >= 0
    arrays = []
    for p in names:
        values = np.vstack([row[p] for row in rows])
        if "motion" in feats:  # same column order for both partners
            order = [r.name for r in regs if r.partner == p]
            first = [r.name for r in regs if r.partner == names[0]]
            idx = [order.index(n) for n in first]
            values[:, : len(idx)] = values[:, idx]
        grid = np.full((counts["n_slots"], values.shape[1]), np.nan)
        grid[slots[keep]] = values[keep]
        arrays.append(grid)
    meta = {
        "source": str(path),
        "format": "video",
        "video": info.to_dict(),
        "frames": counts,
        "regions": [r.to_dict() for r in regs],
        "features": feats,
        "sampling_rate_from": "video" if fps == info.fps else "user",
        **{k: v for k, v in params.items()},
    }
    if "face" in feats:
        present = steps.channels.index("face_present")
        meta["face_found_fraction"] = {
            p: float(np.nanmean([row[p][present] for row in rows])) for p in names
        }
        tracker = steps.trackers[names[0]]
        meta["face_model"] = {"file": tracker.model_path.name, "sha256": tracker.model_sha256}
    if steps.affect is not None:
        meta["affect_model"] = {"file": steps.affect.model_path.name,
                                "sha256": steps.affect.model_sha256}
    logger.info("%s: %d frames decoded, %d dropped, %d duplicate", path.name,
                counts["n_frames_decoded"], counts["n_frames_dropped"],
                counts["n_frames_duplicate"])
    return Session.from_arrays(
        arrays[0], arrays[1], sampling_rate=fps, partners=names, channel=steps.channels,
        id=id if id is not None else path.stem, start_s=float(times[0]), meta=meta,
    )
