"""OpenFace 2.x CSV files written for tests, column for column as OpenFace writes them.

The column list and order follow the OpenFace wiki page "Output Format"
(github.com/TadasBaltrusaitis/OpenFace/wiki/Output-Format) for FeatureExtraction and
FaceLandmarkVidMulti: ``frame, face_id, timestamp, confidence, success``, eye gaze vectors and
angles, 2D/3D eye landmarks, head pose, 2D/3D face landmarks, shape parameters, then 17 AU
intensities ``AUnn_r`` and 18 presences ``AUnn_c``; names separated by ``", "`` as OpenFace
2.0-2.2 write them, timestamps rounded to 1 ms.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

AUS_R = [1, 2, 4, 5, 6, 7, 9, 10, 12, 14, 15, 17, 20, 23, 25, 26, 45]
AUS_C = [1, 2, 4, 5, 6, 7, 9, 10, 12, 14, 15, 17, 20, 23, 25, 26, 28, 45]


def openface_columns() -> list[str]:
    cols = ["frame", "face_id", "timestamp", "confidence", "success"]
    cols += [f"gaze_{e}_{a}" for e in (0, 1) for a in "xyz"] + ["gaze_angle_x", "gaze_angle_y"]
    cols += [f"eye_lmk_{a}_{i}" for a in "xyXYZ" for i in range(56)]
    cols += [f"pose_{a}" for a in ("Tx", "Ty", "Tz", "Rx", "Ry", "Rz")]
    cols += [f"{a}_{i}" for a in "xyXYZ" for i in range(68)]
    cols += ["p_scale", "p_rx", "p_ry", "p_rz", "p_tx", "p_ty"] + [f"p_{i}" for i in range(34)]
    cols += [f"AU{n:02d}_r" for n in AUS_R] + [f"AU{n:02d}_c" for n in AUS_C]
    return cols


def openface_frames(n: int, fps: float, smile: np.ndarray, face_id: int = 0, x_px: float = 100,
                    success=None, confidence=None, seed: int = 0) -> np.ndarray:
    """Rows of one face: AU12_r = ``smile``, AU06_r = smile / 2, other values random."""
    rng = np.random.default_rng(seed)
    cols = openface_columns()
    rows = rng.uniform(0, 1, (n, len(cols)))
    at = {c: i for i, c in enumerate(cols)}
    rows[:, at["frame"]] = np.arange(1, n + 1)
    rows[:, at["face_id"]] = face_id
    rows[:, at["timestamp"]] = np.round(np.arange(n) / fps, 3)
    rows[:, at["confidence"]] = 0.98 if confidence is None else confidence
    rows[:, at["success"]] = 1 if success is None else success
    rows[:, [at[f"x_{i}"] for i in range(68)]] = x_px + rng.normal(0, 5, (n, 68))
    rows[:, at["AU12_r"]] = smile
    rows[:, at["AU06_r"]] = smile / 2
    rows[:, at["pose_Rx"]] = 0.1
    return rows


def write_openface(path: Path, *faces: np.ndarray) -> Path:
    """Write the rows of one or more faces, frame by frame, as OpenFace does."""
    rows = np.vstack(faces)
    rows = rows[np.lexsort((rows[:, 1], rows[:, 0]))]
    ints = {"frame", "face_id", "success"}
    lines = [", ".join(openface_columns())]
    for row in rows:
        lines.append(", ".join(str(int(v)) if c in ints else f"{v:.3f}"
                               for c, v in zip(openface_columns(), row)))
    path.write_text("\n".join(lines) + "\n")
    return path
