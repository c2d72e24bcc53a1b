"""A synthetic split-screen dyad video with a known lag: ground truth for the extractors.

Each half shows a drawn face (skin, hair, eyes with irises, brows, nose, mouth) that
moves and tilts. Partner 1 follows smooth random trajectories; partner 2 copies them
``lag_frames`` later, so every signal extracted from the video should show partner 2
following partner 1 by that lag. MediaPipe's Face Landmarker finds these faces and
recovers their roll.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .._check import check_random_state, soft_import

_FOURCC = {".avi": "MJPG", ".mp4": "mp4v"}


def synthetic_trajectories(
    n_frames: int, lag_frames: int, seed: int | np.random.Generator | None = 0,
    smooth_frames: float = 6.0,
) -> dict[str, np.ndarray]:
    """Head offsets (px) and roll (degrees) per frame for both partners.

    Returns ``x_px``, ``y_px``, ``roll_deg``, each of shape ``(n_frames, 2)``;
    column 1 is column 0 delayed by ``lag_frames``.

    Examples
    --------
    >>> t = synthetic_trajectories(50, lag_frames=4, seed=1)
    >>> bool(np.allclose(t["roll_deg"][4:, 1], t["roll_deg"][:-4, 0]))
    True
    """
    from scipy.ndimage import gaussian_filter1d

    if lag_frames < 0 or int(lag_frames) != lag_frames:
        raise ValueError(f"Invalid value for 'lag_frames': expected an integer >= 0, got "
                         f"{lag_frames!r}.")
    rng = check_random_state(seed)
    total = n_frames + lag_frames
    out = {}
    for name, amplitude in (("x_px", 30.0), ("y_px", 15.0), ("roll_deg", 15.0)):
        walk = gaussian_filter1d(rng.standard_normal(total), smooth_frames)
        walk *= amplitude / (np.abs(walk).max() + 1e-12)
        out[name] = np.column_stack([walk[lag_frames:], walk[:n_frames]])
    return out


def draw_face(height: int, width: int, dx: float = 0.0, dy: float = 0.0,
              roll_deg: float = 0.0) -> np.ndarray:
    """One BGR picture of a drawn face, moved by ``(dx, dy)`` px and tilted by ``roll_deg``.

    Positive roll tilts the face counter-clockwise in the image.

    Examples
    --------
    >>> draw_face(480, 320, dx=10, roll_deg=15).shape  # doctest: +SKIP
    (480, 320, 3)
    """
    cv2 = soft_import("cv2", "Drawing a synthetic face")
    img = np.full((height, width, 3), (90, 110, 120), np.uint8)
    cx, cy = int(round(width / 2 + dx)), int(round(height / 2 + dy))
    aa = cv2.LINE_AA
    cv2.ellipse(img, (cx, cy), (80, 105), 0, 0, 360, (140, 170, 215), -1, aa)
    cv2.ellipse(img, (cx, cy - 70), (85, 50), 0, 180, 360, (40, 50, 60), -1, aa)
    for ex in (-32, 32):
        cv2.ellipse(img, (cx + ex, cy - 15), (18, 9), 0, 0, 360, (245, 245, 245), -1, aa)
        cv2.circle(img, (cx + ex, cy - 15), 7, (60, 40, 30), -1, aa)
        cv2.circle(img, (cx + ex, cy - 15), 3, (10, 10, 10), -1, aa)
        cv2.line(img, (cx + ex - 20, cy - 35), (cx + ex + 20, cy - 37), (40, 50, 60), 4, aa)
    cv2.line(img, (cx, cy - 10), (cx - 8, cy + 25), (110, 135, 180), 3, aa)
    cv2.ellipse(img, (cx, cy + 50), (30, 8), 0, 0, 180, (60, 60, 160), -1, aa)
    rot = cv2.getRotationMatrix2D((float(cx), float(cy)), roll_deg, 1.0)
    return cv2.warpAffine(img, rot, (width, height), borderMode=cv2.BORDER_REPLICATE)


def write_synthetic_dyad(
    path: str | Path,
    n_frames: int = 300,
    fps: float = 30.0,
    lag_frames: int = 6,
    width: int = 640,
    height: int = 480,
    noise_sd: float = 2.0,
    seed: int | np.random.Generator | None = 0,
) -> dict[str, np.ndarray]:
    """Write a split-screen (``split-lr``) dyad video whose partner 2 lags partner 1.

    Parameters
    ----------
    path : str or Path
        ``.avi`` (MJPG) or ``.mp4`` (MPEG-4 part 2).
    n_frames, fps, width, height
        Length, rate and size of the video; each partner gets one half.
    lag_frames : int
        Partner 2 repeats partner 1's movement this many frames later.
    noise_sd : float
        Standard deviation of Gaussian pixel noise (grey levels), like a camera's.
    seed : int or Generator
        Seeds the trajectories and the noise.

    Returns
    -------
    dict
        The ground truth: :func:`synthetic_trajectories` plus ``lag_frames`` and ``fps``.

    Examples
    --------
    >>> truth = write_synthetic_dyad("dyad.mp4", n_frames=90, lag_frames=5)  # doctest: +SKIP
    >>> truth["roll_deg"].shape  # doctest: +SKIP
    (90, 2)
    """
    cv2 = soft_import("cv2", "Writing a synthetic video")
    path = Path(path)
    fourcc = _FOURCC.get(path.suffix.lower())
    if fourcc is None:
        raise ValueError(f"{path}: expected a .avi or .mp4 file name, got {path.suffix!r}.")
    rng = check_random_state(seed)
    truth = synthetic_trajectories(n_frames, lag_frames, rng)
    half = width // 2
    size = (2 * half, height)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*fourcc), fps, size)
    if not writer.isOpened():
        raise ValueError(f"{path}: OpenCV could not open a {fourcc} video writer.")
    # A bank of noise frames, drawn at random per frame: camera-like noise at low cost.
    bank = None
    if noise_sd > 0:
        bank = np.rint(rng.normal(0.0, noise_sd, (8, height, size[0], 1))).astype(np.int16)
    try:
        for t in range(n_frames):
            halves = [
                draw_face(height, half, truth["x_px"][t, p], truth["y_px"][t, p],
                          truth["roll_deg"][t, p])
                for p in (0, 1)
            ]
            frame = np.hstack(halves)
            if bank is not None:
                frame = np.clip(frame + bank[rng.integers(len(bank))], 0, 255).astype(np.uint8)
            writer.write(frame)
    finally:
        writer.release()
    return {**truth, "lag_frames": lag_frames, "fps": fps}
