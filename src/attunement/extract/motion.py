"""Motion Energy Analysis (MEA): frame differencing in regions of interest.

As in Ramseyer's MEA (Ramseyer & Tschacher 2011, JCCP 79:284; Ramseyer 2020, J Couns
Psychol 67:536), the motion energy of a region at frame ``t`` is the number of its
pixels whose grey level changed by more than ``threshold`` between frames ``t - 1``
and ``t``. The first frame has no predecessor and is NaN. Counts are raw pixel
counts, as MEA writes them; rMEA-style scaling comes later (:func:`attunement.scale`).

OpenCV (``absdiff`` + ``threshold`` + ``countNonZero``) does the work; without it the
same counts come from NumPy, which the tests check against each other.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from .._check import check_option, check_positive
from ..session import Session
from .regions import Region, union_box

#: Default grey-level threshold (0-255). A choice, not a published value: it should sit
#: above the camera's noise; MGT-python's default of 0.05 of full scale is about 13.
DEFAULT_THRESHOLD = 10
#: Noise filters applied to the mask of changed pixels. ``median``: a 3x3 median that
#: removes isolated changed pixels (sensor noise), as MGT-python's ``filtertype``.
NOISE_FILTERS = ("none", "median")


class MotionEnergy:
    """Frame-by-frame motion energy for a fixed set of regions.

    Feed grey frames in order with :meth:`update`; each call returns one count per
    region. Only the box around all regions is differenced.

    Parameters
    ----------
    regions : sequence of Region
        Regions in pixels (:func:`~attunement.extract.resolve_regions`).
    threshold : int
        A pixel counts as changed when its grey level moved by more than this
        (0-255). Default :data:`DEFAULT_THRESHOLD`.
    noise_filter : {"none", "median"}
        Filter on the mask of changed pixels before counting.
    use_opencv : bool, optional
        Force OpenCV (True) or NumPy (False); by default OpenCV when installed.

    Examples
    --------
    >>> import numpy as np
    >>> r = [Region("a", "whole", 0, 0, 4, 4), Region("b", "whole", 4, 0, 8, 4)]
    >>> me = MotionEnergy(r, threshold=10, use_opencv=False)
    >>> me.update(np.zeros((4, 8), np.uint8))
    array([nan, nan])
    >>> frame = np.zeros((4, 8), np.uint8); frame[0, :3] = 50; frame[1, 5] = 5
    >>> me.update(frame)
    array([3., 0.])
    """

    def __init__(
        self,
        regions: Sequence[Region],
        threshold: float = DEFAULT_THRESHOLD,
        noise_filter: str = "none",
        use_opencv: bool | None = None,
    ):
        if not regions:
            raise ValueError("MotionEnergy: 'regions' is empty; expected at least one region.")
        self.regions = list(regions)
        self.threshold = _check_threshold(threshold)
        self.noise_filter = check_option(noise_filter, "noise_filter", NOISE_FILTERS)
        self.box = union_box(self.regions)
        x0, y0 = self.box[:2]
        self._slices = [
            (slice(r.y0 - y0, r.y1 - y0), slice(r.x0 - x0, r.x1 - x0)) for r in self.regions
        ]
        self._cv2 = _maybe_cv2(use_opencv)
        self._prev: np.ndarray | None = None
        self.mask: np.ndarray | None = None

    def update(self, gray: np.ndarray) -> np.ndarray:
        """Counts of changed pixels per region since the previous frame (NaN for the first)."""
        x0, y0, x1, y1 = self.box
        if gray.ndim != 2 or gray.shape[0] < y1 or gray.shape[1] < x1:
            raise ValueError(
                f"MotionEnergy.update: expected a 2-D grey frame of at least {x1}x{y1} "
                f"pixels, got an array of shape {gray.shape}."
            )
        cur = np.ascontiguousarray(gray[y0:y1, x0:x1], dtype=np.uint8)
        prev, self._prev = self._prev, cur
        if prev is None:
            self.mask = None
            return np.full(len(self.regions), np.nan)
        self.mask = self._changed(prev, cur)
        if self._cv2 is not None:
            count = self._cv2.countNonZero
            return np.array([count(self.mask[s]) for s in self._slices], dtype=float)
        return np.array([np.count_nonzero(self.mask[s]) for s in self._slices], dtype=float)

    def count_in_box(self, x0: int, y0: int, x1: int, y1: int) -> float:
        """Changed pixels of the last update inside a frame box (clipped to the regions' box)."""
        if self.mask is None:
            return np.nan
        bx0, by0, bx1, by1 = self.box
        xs = slice(max(x0, bx0) - bx0, max(min(x1, bx1) - bx0, 0))
        ys = slice(max(y0, by0) - by0, max(min(y1, by1) - by0, 0))
        return float(np.count_nonzero(self.mask[ys, xs]))

    def _changed(self, prev: np.ndarray, cur: np.ndarray) -> np.ndarray:
        cv2 = self._cv2
        if cv2 is not None:
            diff = cv2.absdiff(cur, prev)
            _, mask = cv2.threshold(diff, self.threshold, 255, cv2.THRESH_BINARY)
            return cv2.medianBlur(mask, 3) if self.noise_filter == "median" else mask
        diff = np.abs(cur.astype(np.int16) - prev.astype(np.int16))
        mask = (diff > self.threshold).astype(np.uint8) * 255
        if self.noise_filter == "median":
            from scipy.ndimage import median_filter

            mask = median_filter(mask, size=3, mode="nearest")
        return mask


def motion_energy(
    frames: Iterable[np.ndarray],
    regions: Sequence[Region],
    threshold: float = DEFAULT_THRESHOLD,
    noise_filter: str = "none",
) -> np.ndarray:
    """Motion energy per region for a sequence of grey frames.

    Parameters
    ----------
    frames : iterable of ndarray
        Grey ``uint8`` frames ``(height, width)``, in order.
    regions, threshold, noise_filter
        As in :class:`MotionEnergy`.

    Returns
    -------
    ndarray, shape (n_frames, n_regions)
        Changed-pixel counts; row 0 is NaN.

    Examples
    --------
    >>> frames = np.zeros((3, 2, 4), np.uint8); frames[2, :, :2] = 255
    >>> regions = [Region("a", "whole", 0, 0, 2, 2), Region("b", "whole", 2, 0, 4, 2)]
    >>> motion_energy(frames, regions)
    array([[nan, nan],
           [ 0.,  0.],
           [ 4.,  0.]])
    """
    me = MotionEnergy(regions, threshold, noise_filter)
    rows = [me.update(f) for f in frames]
    if not rows:
        raise ValueError("motion_energy: 'frames' is empty; expected at least one frame.")
    return np.vstack(rows)


def write_mea(session: Session, path: str | Path, prefix: str = "motion_") -> Path:
    """Write a Session's motion channels as a Motion Energy Analysis text file.

    One row per sample, whitespace-separated, a header line naming
    ``<partner>_<region>``, ``NA`` for missing values: partner 1's fixed regions first
    (``motion_<region>``; the face-following ``motion_face_tracked`` is left out),
    then partner 2's, in the same order. rMEA reads it with
    ``readMEA(sampRate = fps, s1Col = 1:k, s2Col = (k+1):(2*k), skip = 1)`` and so does
    :func:`attunement.read_mea` with ``s1_col=[1..k]`` and ``s2_col=[k+1..2k]``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> s = Session.from_arrays([np.nan, 3, 4], [np.nan, 1, 0], sampling_rate=25,
    ...                         channel="motion_whole")
    >>> f = write_mea(s, pathlib.Path(tempfile.mkdtemp()) / "dyad.txt")
    >>> print(f.read_text())
    partner_1_whole partner_2_whole
    NA NA
    3 1
    4 0
    <BLANKLINE>
    """
    from ..io.writers import write_text

    regions = [c for c in session.channels if c.startswith(prefix) and not c.endswith("_tracked")]
    if not regions:
        raise ValueError(
            f"session {session.id!r}: no channels named {prefix}<region> to write as MEA; "
            f"channels are {session.channels}."
        )
    columns = [(p, c) for p in session.partners for c in regions]
    values = np.column_stack([session.signal(p, c) for p, c in columns])
    header = " ".join(f"{p}_{c[len(prefix):]}" for p, c in columns)
    lines = [header] + [" ".join(_mea_number(v) for v in row) for row in values]
    return write_text("\n".join(lines) + "\n", path)


def _mea_number(value: float) -> str:
    if not np.isfinite(value):
        return "NA"
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _check_threshold(threshold) -> float:
    value = check_positive(threshold, "threshold", allow_zero=True)
    if value >= 255:
        raise ValueError(
            f"Invalid value for 'threshold': expected a grey-level change in [0, 255), "
            f"got {threshold!r}."
        )
    return value


def _maybe_cv2(use_opencv: bool | None):
    if use_opencv is False:
        return None
    try:
        import cv2
    except ImportError:
        if use_opencv:
            from .._check import soft_import

            soft_import("cv2", "Motion energy with OpenCV")
        return None
    return cv2
