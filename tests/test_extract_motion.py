"""Motion Energy Analysis from video.

Ground truth: a synthetic split-screen dyad (``write_synthetic_dyad``) whose partner 2
repeats partner 1's movement a known number of frames later; the lag of the
extracted motion energy must be exactly that number. Counts are checked against a
pure-NumPy reimplementation of frame differencing and against hand-made frames.
"""

from __future__ import annotations

import numpy as np
import pytest

import attunement
from attunement.extract import (
    MotionEnergy,
    Region,
    extract_video,
    frame_slots,
    motion_energy,
    probe_video,
    write_mea,
    write_synthetic_dyad,
)

cv2 = pytest.importorskip("cv2", reason="the video extra (OpenCV) is not installed")

LAG_FRAMES = 7
N_FRAMES = 300
FPS = 30.0


@pytest.fixture(scope="module")
def dyad(tmp_path_factory):
    path = tmp_path_factory.mktemp("video") / "dyad.mp4"
    truth = write_synthetic_dyad(path, n_frames=N_FRAMES, fps=FPS, lag_frames=LAG_FRAMES, seed=7)
    return path, truth


def peak_lag(x1: np.ndarray, x2: np.ndarray, max_lag: int) -> tuple[int, float]:
    """Lag (frames) at which Pearson r of x1[t] with x2[t + lag] peaks; > 0: x2 follows."""
    best = (0, -np.inf)
    for lag in range(-max_lag, max_lag + 1):
        a = x1[max(0, -lag): len(x1) - max(0, lag)]
        b = x2[max(0, lag): len(x2) - max(0, -lag)]
        ok = np.isfinite(a) & np.isfinite(b)
        r = np.corrcoef(a[ok], b[ok])[0, 1]
        if r > best[1]:
            best = (lag, float(r))
    return best


def test_motion_energy_recovers_the_known_lag(dyad):
    path, truth = dyad
    session = extract_video(path, layout="split-lr", features="motion")
    assert session.sampling_rate == pytest.approx(FPS)
    assert session.n_samples == N_FRAMES
    assert session.meta["frames"]["n_frames_dropped"] == 0
    m1, m2 = session.pair("motion")
    assert np.isnan(m1[0]) and np.isnan(m2[0])  # no frame before the first
    assert np.nanmin(m1) >= 0 and np.nanmax(m1) <= 320 * 480
    lag, r = peak_lag(m1, m2, max_lag=20)
    assert lag == truth["lag_frames"] == LAG_FRAMES
    assert r > 0.8
    # the truth's own movement: motion energy follows head speed
    speed = np.hypot(np.diff(truth["x_px"][:, 0]), np.diff(truth["y_px"][:, 0]))
    assert np.corrcoef(speed, m1[1:])[0, 1] > 0.5


def test_opencv_counts_equal_a_numpy_reference():
    rng = np.random.default_rng(0)
    frames = rng.integers(0, 256, (6, 48, 64), dtype=np.uint8)
    frames[3] = frames[2]  # a still frame: zero motion
    regions = [Region("a", "head", 0, 0, 32, 20), Region("a", "body", 0, 20, 32, 48),
               Region("b", "whole", 32, 0, 64, 48)]
    for noise_filter in ("none", "median"):
        fast = MotionEnergy(regions, threshold=40, noise_filter=noise_filter, use_opencv=True)
        slow = MotionEnergy(regions, threshold=40, noise_filter=noise_filter, use_opencv=False)
        a = np.vstack([fast.update(f) for f in frames])
        b = np.vstack([slow.update(f) for f in frames])
        np.testing.assert_array_equal(a, b)
        assert np.all(a[3] == 0)
    # the plain count, written out: pixels whose grey level moved by more than 40
    diff = np.abs(frames[2].astype(int) - frames[1].astype(int))
    assert a[2, 2] != 0
    plain = MotionEnergy(regions, 40)
    counts = np.vstack([plain.update(f) for f in frames])
    assert counts[2, 2] == np.count_nonzero(diff[:, 32:] > 40)


def test_threshold_and_median_filter_remove_noise():
    frames = np.zeros((2, 40, 40), np.uint8)
    frames[1, 5, 5] = 200  # one isolated changed pixel: noise
    frames[1, 20:30, 20:30] = 200  # a 10x10 moving patch
    frames[1, 0:40, 39] = 8  # a small change, below the threshold
    region = [Region("a", "whole", 0, 0, 40, 40)]
    assert motion_energy(frames, region, threshold=10)[1, 0] == 1 + 100
    assert motion_energy(frames, region, threshold=5)[1, 0] == 1 + 100 + 40
    # a 3x3 median removes the lone pixel and the patch's 4 corners
    assert motion_energy(frames, region, threshold=10, noise_filter="median")[1, 0] == 96


def test_bad_motion_parameters():
    region = [Region("a", "whole", 0, 0, 4, 4)]
    with pytest.raises(ValueError, match=r"'threshold': expected a grey-level change in \[0, 255"):
        MotionEnergy(region, threshold=300)
    with pytest.raises(ValueError, match=r"'noise_filter' parameter.*but got 'gauss'"):
        MotionEnergy(region, noise_filter="gauss")
    with pytest.raises(ValueError, match=r"expected a 2-D grey frame of at least 4x4 pixels, "
                                         r"got an array of shape \(2, 2\)"):
        MotionEnergy(region).update(np.zeros((2, 2), np.uint8))
    with pytest.raises(ValueError, match="'frames' is empty"):
        motion_energy([], region)


def test_mea_text_round_trip(dyad, tmp_path):
    path, _ = dyad
    spec = {"units": "fraction", "partners": {
        "left": {"head": [0.0, 0.0, 0.5, 0.5], "body": [0.0, 0.5, 0.5, 1.0]},
        "right": {"body": [0.5, 0.5, 1.0, 1.0], "head": [0.5, 0.0, 1.0, 0.5]}}}
    session = extract_video(path, regions=spec, max_frames=60)
    assert session.channels == ["motion_head", "motion_body", "motion"]
    head, body = session.signal("right", "motion_head"), session.signal("right", "motion_body")
    np.testing.assert_array_equal(session.signal("right", "motion"), head + body)
    mea = write_mea(session, tmp_path / "dyad.txt")
    assert mea.read_text().splitlines()[0] == "left_head left_body right_head right_body"
    back = attunement.read_mea(mea, sampling_rate=FPS, s1_col=[1, 2], s2_col=[3, 4])
    np.testing.assert_array_equal(back.pair()[0], session.signal("left", "motion"))
    np.testing.assert_array_equal(back.pair()[1], session.signal("right", "motion"))


def test_session_parquet_round_trip(dyad, tmp_path):
    path, _ = dyad
    session = extract_video(path, layout="split-lr", partners=("therapist", "client"),
                            max_frames=30)
    out = session.to_parquet(tmp_path / "s.parquet")
    (back,) = attunement.read(out)
    assert back.partners == ("therapist", "client")
    np.testing.assert_array_equal(back.signals.to_numpy(), session.signals.to_numpy())
    assert back.meta["frames"]["n_frames_decoded"] == 30
    assert back.meta["regions"][1]["box_px"] == [320, 0, 640, 480]


def test_dropped_frames_are_counted_on_the_true_time_axis(tmp_path):
    av = pytest.importorskip("av", reason="PyAV is not installed")
    from fractions import Fraction

    path = tmp_path / "gaps.mp4"
    missing = {10, 11, 30}
    with av.open(str(path), "w") as container:
        stream = container.add_stream("mpeg4", rate=25)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        stream.codec_context.time_base = Fraction(1, 25)
        for i in sorted(set(range(50)) - missing):
            frame = av.VideoFrame.from_ndarray(np.full((48, 64, 3), i * 5, np.uint8), "rgb24")
            frame.pts, frame.time_base = i, Fraction(1, 25)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    info = probe_video(path)
    assert info.backend == "pyav" and info.variable_frame_rate and info.fps == 25
    session = extract_video(path, layout="split-lr")
    assert session.meta["frames"] == {"n_frames_decoded": 47, "n_slots": 50,
                                      "n_frames_dropped": 3, "n_frames_duplicate": 0}
    motion = session.signal("partner_1", "motion")
    assert np.flatnonzero(np.isnan(motion)).tolist() == [0, 10, 11, 30]


def test_frame_slots_counts_duplicates_and_gaps():
    slots, counts = frame_slots(np.array([0.0, 0.04, 0.04, 0.16, 0.2]), fps=25)
    assert slots.tolist() == [0, 1, -1, 4, 5]
    assert counts == {"n_frames_decoded": 5, "n_slots": 6, "n_frames_dropped": 2,
                      "n_frames_duplicate": 1}


def test_bad_videos_name_the_file(tmp_path):
    with pytest.raises(ValueError, match=r"nope\.mp4: no such video file"):
        extract_video(tmp_path / "nope.mp4", layout="split-lr")
    (tmp_path / "empty.mp4").write_bytes(b"")
    with pytest.raises(ValueError, match=r"empty\.mp4: the video file is empty \(0 bytes\)"):
        extract_video(tmp_path / "empty.mp4", layout="split-lr")
    text = tmp_path / "notes.mp4"
    text.write_text("not a video\n")
    with pytest.raises(ValueError, match=r"notes\.mp4: could not be opened as a video"):
        extract_video(text, layout="split-lr", backend="opencv")
    no_frames = tmp_path / "no_frames.avi"
    cv2.VideoWriter(str(no_frames), cv2.VideoWriter_fourcc(*"MJPG"), 25, (64, 48)).release()
    with pytest.raises(ValueError, match=r"no_frames\.avi: no frames could be decoded"):
        extract_video(no_frames, layout="split-lr", backend="opencv")


def test_regions_outside_the_video_frame(dyad):
    path, _ = dyad
    spec = {"units": "pixel", "partners": {"a": {"head": [0, 0, 320, 480]},
                                           "b": {"head": [320, 0, 700, 480]}}}
    with pytest.raises(ValueError, match=r"b\.head: box \[320, 0, 700, 480\] \(pixels\) lies "
                                         r"outside the 640x480 frame"):
        extract_video(path, regions=spec)
    with pytest.raises(ValueError, match=r"'max_frames': expected an integer >= 1, got 0"):
        extract_video(path, layout="split-lr", max_frames=0)
