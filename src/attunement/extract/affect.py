"""Discrete facial affect: a 7-class expression classifier run on face crops.

The model is ``emotion_model_quantized.tflite`` from the ``fer`` package (MIT), run
with LiteRT (``ai-edge-litert``); ``fer`` itself is not needed. As in ``fer``, the
face is cut out as a square, turned grey, resized to 64x64 and scaled to [-1, 1];
here the square comes from the face landmarks rather than a Haar cascade.

``valence`` = P(happy) - [P(angry) + P(disgust) + P(fear) + P(sad)], in [-1, 1]; surprise
and neutral count as 0. This weighting is a choice, not a published scale.
"""

from __future__ import annotations

import numpy as np

from .._check import soft_import
from ._models import model_path, quiet_native_stderr

#: The classifier's classes, in its output order (fer's ``_get_labels``).
EMOTIONS = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")
VALENCE_WEIGHTS = np.array([-1.0, -1.0, -1.0, 1.0, -1.0, 0.0, 0.0])
INPUT_SIZE = 64


def affect_channels() -> list[str]:
    """Channels :class:`AffectClassifier` gives per frame.

    Examples
    --------
    >>> affect_channels()[-2:]
    ['affect_neutral', 'valence']
    """
    return [f"affect_{e}" for e in EMOTIONS] + ["valence"]


def valence(probabilities: np.ndarray) -> np.ndarray:
    """Valence from class probabilities (last axis in :data:`EMOTIONS` order).

    Examples
    --------
    >>> valence(np.array([0, 0, 0, 0.8, 0.1, 0, 0.1]))
    np.float64(0.7)
    """
    return np.asarray(probabilities, dtype=float) @ VALENCE_WEIGHTS


def face_crop(gray: np.ndarray, points_px: np.ndarray, padding: float = 0.1) -> np.ndarray | None:
    """The square grey face crop the classifier takes, from landmark points in pixels.

    The square is centred on the landmarks' box, its side the longer box side
    widened by ``padding`` on each side, and clipped to the frame.

    Examples
    --------
    >>> img = np.arange(100, dtype=np.uint8).reshape(10, 10)
    >>> face_crop(img, np.array([[2.0, 2.0], [6.0, 4.0]]), padding=0).shape
    (4, 4)
    """
    lo, hi = points_px.min(axis=0), points_px.max(axis=0)
    centre = (lo + hi) / 2
    half = (hi - lo).max() * (0.5 + padding)
    x0, y0 = np.maximum(np.floor(centre - half).astype(int), 0)
    x1 = min(int(np.ceil(centre[0] + half)), gray.shape[1])
    y1 = min(int(np.ceil(centre[1] + half)), gray.shape[0])
    if x1 - x0 < 2 or y1 - y0 < 2:
        return None
    return gray[y0:y1, x0:x1]


class AffectClassifier:
    """The vendored 7-class expression model under LiteRT.

    Parameters
    ----------
    model : path, optional
        A compatible ``.tflite`` file; by default the vendored one, whose SHA-256
        is checked before loading.

    Examples
    --------
    >>> clf = AffectClassifier()  # doctest: +SKIP
    >>> probs_and_valence = clf.classify(gray_frame, tracker.points_px)  # doctest: +SKIP
    """

    def __init__(self, model=None):
        self._cv2 = soft_import("cv2", "Affect classification")
        litert = soft_import("ai_edge_litert.interpreter", "Affect classification")
        self.model_path, self.model_sha256 = model_path("emotion", model)
        with quiet_native_stderr():
            self._interp = litert.Interpreter(model_path=str(self.model_path), num_threads=1)
            self._interp.allocate_tensors()
        self._input = self._interp.get_input_details()[0]["index"]
        self._output = self._interp.get_output_details()[0]["index"]
        self.channels = affect_channels()

    def classify(self, gray: np.ndarray, points_px: np.ndarray | None) -> np.ndarray:
        """Class probabilities and valence for the face at ``points_px`` (NaN if none)."""
        out = np.full(len(self.channels), np.nan)
        if points_px is None:
            return out
        crop = face_crop(gray, points_px)
        if crop is None:
            return out
        small = self._cv2.resize(crop, (INPUT_SIZE, INPUT_SIZE))  # as fer: bilinear
        x = (small.astype(np.float32) / 255.0 - 0.5) * 2.0
        self._interp.set_tensor(self._input, x[None, :, :, None])
        self._interp.invoke()
        probs = self._interp.get_tensor(self._output)[0].astype(float)
        out[:-1] = probs
        out[-1] = valence(probs)
        return out
