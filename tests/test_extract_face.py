"""Face features (MediaPipe Face Landmarker) and affect (LiteRT) on a synthetic dyad.

Ground truth: ``write_synthetic_dyad`` draws a face per half whose roll follows a known
trajectory, partner 2 copying partner 1 ``LAG_FRAMES`` later. The extracted head roll
must match the drawn roll and recover the lag exactly.
"""

from __future__ import annotations

import numpy as np
import pytest

from attunement.extract import (
    EMOTIONS,
    extract_video,
    face_channels,
    write_synthetic_dyad,
)

pytest.importorskip("cv2", reason="the video extra (OpenCV) is not installed")
pytest.importorskip("mediapipe", reason="the video extra (MediaPipe) is not installed")

LAG_FRAMES = 5
N_FRAMES = 150


def peak_lag(x1: np.ndarray, x2: np.ndarray, max_lag: int) -> int:
    """Lag (frames) at which Pearson r of x1[t] with x2[t + lag] peaks; > 0: x2 follows."""
    rs = []
    for lag in range(-max_lag, max_lag + 1):
        a = x1[max(0, -lag): len(x1) - max(0, lag)]
        b = x2[max(0, lag): len(x2) - max(0, -lag)]
        ok = np.isfinite(a) & np.isfinite(b)
        rs.append(np.corrcoef(a[ok], b[ok])[0, 1])
    return int(np.argmax(rs)) - max_lag


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    path = tmp_path_factory.mktemp("video") / "faces.mp4"
    truth = write_synthetic_dyad(path, n_frames=N_FRAMES, fps=30, lag_frames=LAG_FRAMES, seed=11)
    session = extract_video(path, layout="split-lr", features="motion,face,affect")
    return session, truth


def test_every_drawn_face_is_found(extracted):
    session, _ = extracted
    assert session.meta["face_found_fraction"] == {"partner_1": 1.0, "partner_2": 1.0}
    assert set(face_channels()) <= set(session.channels)
    for p in session.partners:
        assert np.all(session.signal(p, "face_present") == 1.0)


def test_head_roll_matches_the_drawn_roll_and_recovers_the_lag(extracted):
    session, truth = extracted
    for i, p in enumerate(session.partners):
        roll = session.signal(p, "head_roll_deg")
        drawn = truth["roll_deg"][:, i]
        assert np.corrcoef(roll, drawn)[0, 1] > 0.98
        assert np.median(np.abs(roll - drawn)) < 2.0  # degrees
    lag = peak_lag(*session.pair("head_roll_deg"), max_lag=15)
    assert lag == LAG_FRAMES
    # the face-following motion box and the face position carry the lag too
    assert peak_lag(*session.pair("motion_face_tracked"), max_lag=15) == LAG_FRAMES
    assert peak_lag(*session.pair("face_x_px"), max_lag=15) == LAG_FRAMES


def test_face_box_follows_the_drawn_face(extracted):
    session, truth = extracted
    # partner 1's face is drawn at the centre of the left half (160, 240) plus the offset
    x = session.signal("partner_1", "face_x_px")
    assert np.corrcoef(x, 160 + truth["x_px"][:, 0])[0, 1] > 0.95
    assert np.all(session.signal("partner_2", "face_x_px") > 320)  # in the right half
    # the irises are drawn at the eye centres: the gaze proxy stays near 0 eye widths
    assert np.all(np.abs(np.median(session.pair("gaze_x"), axis=1)) < 0.05)


def test_affect_gives_probabilities_and_valence(extracted):
    session, _ = extracted
    for p in session.partners:
        probs = np.column_stack([session.signal(p, f"affect_{e}") for e in EMOTIONS])
        np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-3)
        valence = session.signal(p, "valence")
        assert np.all((valence >= -1) & (valence <= 1))
    assert session.meta["affect_model"]["sha256"].startswith("65e3961b")
    assert session.meta["face_model"]["sha256"].startswith("64184e22")

