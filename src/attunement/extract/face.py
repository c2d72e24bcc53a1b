"""Face features per person with MediaPipe's Face Landmarker (Tasks API, VIDEO mode).

One landmarker per person, fed that person's part of the frame with strictly
increasing timestamps. Per frame it gives: whether a face was found, the 52
blendshape scores, head pitch/yaw/roll from the facial transformation matrix, a
gaze proxy from the iris landmarks, and the face box.

Blendshapes are not FACS action units. The ``auNN_*`` channels are documented
stand-ins (a blendshape or the mean of its left/right pair): ``smile`` =
mean(mouthSmileLeft, mouthSmileRight) ~ AU12, ``au06_cheek_squint`` ~ AU6,
``au01_brow_inner_up`` ~ AU1, ``au04_brow_down`` ~ AU4, ``au26_jaw_open`` ~ AU26.
"""

from __future__ import annotations

import os
import re

import numpy as np

from .._check import soft_import
from ._models import model_path, quiet_native_stderr

#: MediaPipe's 52 blendshape categories, in the model's output order.
BLENDSHAPES = (
    "_neutral", "browDownLeft", "browDownRight", "browInnerUp", "browOuterUpLeft",
    "browOuterUpRight", "cheekPuff", "cheekSquintLeft", "cheekSquintRight", "eyeBlinkLeft",
    "eyeBlinkRight", "eyeLookDownLeft", "eyeLookDownRight", "eyeLookInLeft", "eyeLookInRight",
    "eyeLookOutLeft", "eyeLookOutRight", "eyeLookUpLeft", "eyeLookUpRight", "eyeSquintLeft",
    "eyeSquintRight", "eyeWideLeft", "eyeWideRight", "jawForward", "jawLeft", "jawOpen",
    "jawRight", "mouthClose", "mouthDimpleLeft", "mouthDimpleRight", "mouthFrownLeft",
    "mouthFrownRight", "mouthFunnel", "mouthLeft", "mouthLowerDownLeft", "mouthLowerDownRight",
    "mouthPressLeft", "mouthPressRight", "mouthPucker", "mouthRight", "mouthRollLower",
    "mouthRollUpper", "mouthShrugLower", "mouthShrugUpper", "mouthSmileLeft", "mouthSmileRight",
    "mouthStretchLeft", "mouthStretchRight", "mouthUpperUpLeft", "mouthUpperUpRight",
    "noseSneerLeft", "noseSneerRight",
)
#: Derived channels: name -> blendshapes averaged (stand-ins for FACS action units).
STANDINS = {
    "smile": ("mouthSmileLeft", "mouthSmileRight"),
    "au01_brow_inner_up": ("browInnerUp",),
    "au04_brow_down": ("browDownLeft", "browDownRight"),
    "au06_cheek_squint": ("cheekSquintLeft", "cheekSquintRight"),
    "au26_jaw_open": ("jawOpen",),
}
POSE = ("head_pitch_deg", "head_yaw_deg", "head_roll_deg")
GAZE = ("gaze_x", "gaze_y")
BOX = ("face_x_px", "face_y_px", "face_width_px")
# Iris centre, eye corners and lids of the image-left eye, then the image-right eye.
_EYES = ((468, 33, 133, 159, 145), (473, 362, 263, 386, 374))


def blendshape_channel(name: str) -> str:
    """Channel name of a blendshape: ``bs_`` + snake_case.

    Examples
    --------
    >>> blendshape_channel("mouthSmileLeft"), blendshape_channel("_neutral")
    ('bs_mouth_smile_left', 'bs_neutral')
    """
    return "bs_" + re.sub(r"(?<!^)(?=[A-Z])", "_", name.lstrip("_")).lower()


def face_channels(blendshapes: bool = True) -> list[str]:
    """The channels :class:`FaceTracker` gives per frame, in order.

    Examples
    --------
    >>> face_channels(blendshapes=False)[:3]
    ['face_present', 'smile', 'au01_brow_inner_up']
    >>> len(face_channels())
    66
    """
    out = ["face_present", *STANDINS, *POSE, *GAZE, *BOX]
    if blendshapes:
        out += [blendshape_channel(b) for b in BLENDSHAPES]
    return out


def head_pose_deg(matrix: np.ndarray) -> tuple[float, float, float]:
    """Pitch, yaw and roll in degrees from a 4x4 facial transformation matrix.

    The rotation part (made orthonormal) is split as ``R = Rz(roll) Ry(yaw) Rx(pitch)``;
    all three are 0 for a face looking straight into the camera. Roll is positive
    for a head tilted counter-clockwise in the image.

    Examples
    --------
    >>> a = np.radians(20)
    >>> rz = np.array([[np.cos(a), -np.sin(a), 0, 0], [np.sin(a), np.cos(a), 0, 0],
    ...                [0, 0, 1, 0], [0, 0, 0, 1]])
    >>> np.round(head_pose_deg(rz), 6)
    array([ 0.,  0., 20.])
    """
    rot = np.asarray(matrix, dtype=float)[:3, :3]
    u, _, vt = np.linalg.svd(rot)
    rot = u @ vt
    pitch = np.degrees(np.arctan2(rot[2, 1], rot[2, 2]))
    yaw = np.degrees(np.arcsin(np.clip(-rot[2, 0], -1.0, 1.0)))
    roll = np.degrees(np.arctan2(rot[1, 0], rot[0, 0]))
    return float(pitch), float(yaw), float(roll)


def gaze_proxy(points_px: np.ndarray) -> tuple[float, float]:
    """Iris offset from the eye centre, in eye widths, averaged over both eyes.

    ``gaze_x`` > 0: irises toward image right; ``gaze_y`` > 0: toward image bottom.
    A proxy for gaze direction relative to the head, not a calibrated gaze angle.

    Examples
    --------
    >>> pts = np.zeros((478, 2))
    >>> pts[[33, 362], 0], pts[[133, 263], 0] = [0, 20], [10, 30]  # eye corners
    >>> pts[[468, 473]] = [[7, 0], [27, 0]]  # both irises 2 px right of the eye centres
    >>> gaze_proxy(pts)
    (0.2, 0.0)
    """
    xs, ys = [], []
    for iris, c1, c2, top, bottom in _EYES:
        width = np.linalg.norm(points_px[c2] - points_px[c1])
        if width <= 0:
            continue
        centre_x = (points_px[c1, 0] + points_px[c2, 0]) / 2
        centre_y = (points_px[top, 1] + points_px[bottom, 1]) / 2
        xs.append((points_px[iris, 0] - centre_x) / width)
        ys.append((points_px[iris, 1] - centre_y) / width)
    if not xs:
        return np.nan, np.nan
    return float(np.mean(xs)), float(np.mean(ys))


class FaceTracker:
    """One person's MediaPipe Face Landmarker in VIDEO mode.

    Parameters
    ----------
    model : path, optional
        A ``face_landmarker.task`` file; by default the vendored one, whose SHA-256
        is checked before loading.
    min_confidence : float
        Minimum face detection, presence and tracking confidence (MediaPipe's
        default 0.5).
    blendshapes : bool
        Also return the 52 blendshape channels (the stand-ins are always given).

    Use as a context manager, or call :meth:`close`.

    Examples
    --------
    >>> with FaceTracker(blendshapes=False) as tracker:  # doctest: +SKIP
    ...     values = tracker.process(rgb_crop, time_s=0.0)
    >>> dict(zip(tracker.channels, values))["face_present"]  # doctest: +SKIP
    1.0
    """

    def __init__(self, model=None, min_confidence: float = 0.5, blendshapes: bool = True):
        os.environ.setdefault("GLOG_minloglevel", "2")
        self._mp = soft_import("mediapipe", "Face features")
        vision = soft_import("mediapipe.tasks.python.vision", "Face features")
        tasks = soft_import("mediapipe.tasks.python", "Face features")
        self.model_path, self.model_sha256 = model_path("face_landmarker", model)
        options = vision.FaceLandmarkerOptions(
            base_options=tasks.BaseOptions(model_asset_path=str(self.model_path)),
            running_mode=vision.RunningMode.VIDEO,
            num_faces=1,
            min_face_detection_confidence=min_confidence,
            min_face_presence_confidence=min_confidence,
            min_tracking_confidence=min_confidence,
            output_face_blendshapes=True,
            output_facial_transformation_matrixes=True,
        )
        with quiet_native_stderr():
            self._landmarker = vision.FaceLandmarker.create_from_options(options)
        self.channels = face_channels(blendshapes)
        self._blendshapes = blendshapes
        self._last_ms = -1
        self.points_px: np.ndarray | None = None

    def process(self, rgb: np.ndarray, time_s: float, offset=(0, 0)) -> np.ndarray:
        """Features of one RGB image (one person's crop) at ``time_s``.

        Returns one value per channel in :attr:`channels`; NaN (and
        ``face_present`` 0) when no face is found. ``offset`` (x, y) of the crop in
        the frame makes the face box and :attr:`points_px` frame coordinates.
        """
        mp = self._mp
        stamp = max(int(round(time_s * 1000)), self._last_ms + 1)
        self._last_ms = stamp
        image = mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(rgb))
        result = self._landmarker.detect_for_video(image, stamp)
        out = np.full(len(self.channels), np.nan)
        if not result.face_landmarks:
            out[0] = 0.0
            self.points_px = None
            return out
        height, width = rgb.shape[:2]
        pts = np.array([(p.x * width, p.y * height) for p in result.face_landmarks[0]])
        pts += np.asarray(offset, dtype=float)
        self.points_px = pts
        scores = {c.category_name: c.score for c in result.face_blendshapes[0]}
        lo, hi = pts.min(axis=0), pts.max(axis=0)
        values = [1.0]
        values += [float(np.mean([scores[b] for b in names])) for names in STANDINS.values()]
        values += head_pose_deg(np.asarray(result.facial_transformation_matrixes[0]))
        values += gaze_proxy(pts)
        values += [(lo[0] + hi[0]) / 2, (lo[1] + hi[1]) / 2, hi[0] - lo[0]]
        if self._blendshapes:
            values += [scores.get(b, np.nan) for b in BLENDSHAPES]
        out[:] = values
        return out

    def face_box(self, margin: float = 0.25) -> tuple[int, int, int, int] | None:
        """Box ``(x0, y0, x1, y1)`` around the last face found, widened by ``margin``."""
        if self.points_px is None:
            return None
        lo, hi = self.points_px.min(axis=0), self.points_px.max(axis=0)
        pad = (hi - lo) * margin
        x0, y0 = np.floor(lo - pad).astype(int)
        x1, y1 = np.ceil(hi + pad).astype(int)
        return int(x0), int(y0), int(x1), int(y1)

    def close(self) -> None:
        if self._landmarker is not None:
            self._landmarker.close()
            self._landmarker = None

    def __enter__(self) -> FaceTracker:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
