"""Face exports (OpenFace 2.x, py-feat) read as Sessions.

References: the OpenFace files are written by ``tests/face_files.py`` from the column list of
OpenFace's published "Output Format" page, with known AU12 values (ground truth); the py-feat
files are py-feat's own output (tests/data/pyfeat_fex, MIT, see its PROVENANCE.txt).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from face_files import openface_frames, write_openface

from attunement.extract import face_channels
from attunement.io import read
from attunement.io.face_exports import read_face_export

FPS = 30.0


def _smile(n, phase=0.0):
    return np.round(2.5 + 2 * np.sin(2 * np.pi * 0.5 * np.arange(n) / FPS + phase), 3)


def test_openface_pair_maps_au12_to_smile_and_failed_frames_to_missing(tmp_path):
    n = 90
    success = np.ones(n)
    success[10:15] = 0  # tracker lost the face
    conf = np.full(n, 0.98)
    conf[40:43] = 0.5  # tracked, but below min_confidence
    a = write_openface(tmp_path / "mother.csv", openface_frames(n, FPS, _smile(n), success=success,
                                                                confidence=conf))
    b = write_openface(tmp_path / "infant.csv", openface_frames(n, FPS, _smile(n, 1.0), seed=1))
    s = read_face_export([a, b], partners=("mother", "infant"), fps=FPS)
    assert s.sampling_rate == FPS and s.partners == ("mother", "infant")
    assert s.times[0] == 0 and s.n_samples == n
    smile = s.signal("mother", "smile")
    ok = np.ones(n, bool)
    ok[10:15] = ok[40:43] = False
    np.testing.assert_allclose(smile[ok], _smile(n)[ok])
    assert np.isnan(smile[~ok]).all()  # missing, never zero
    np.testing.assert_allclose(s.signal("mother", "au06_cheek_squint")[ok], _smile(n)[ok] / 2,
                               atol=6e-4)
    np.testing.assert_array_equal(s.signal("mother", "face_present"), ok.astype(float))
    np.testing.assert_allclose(s.signal("mother", "head_pitch_deg")[ok], np.degrees(0.1),
                               atol=0.03)
    rep = s.meta["face_export"]["mother"]
    assert (rep["n_failed"], rep["n_low_confidence"], rep["n_frames"]) == (5, 3, n)
    assert "x_* (68)" in rep["dropped"]
    assert s.meta["face_export"]["infant"]["n_failed"] == 0


def test_two_faces_in_one_video_by_position_and_by_mapping(tmp_path):
    n = 60
    right = openface_frames(n, FPS, _smile(n), face_id=0, x_px=500)
    left = openface_frames(n, FPS, _smile(n, 2.0), face_id=1, x_px=100, seed=2)
    f = write_openface(tmp_path / "both.csv", right, left)
    s = read_face_export(f, partners=("left", "right"), fps=FPS)  # left face = partner 1
    np.testing.assert_allclose(s.signal("left", "smile"), _smile(n, 2.0))
    np.testing.assert_allclose(s.signal("right", "smile"), _smile(n))
    m = read_face_export(f, partners=("a", "b"), face_ids={0: "a", 1: "b"}, fps=FPS)
    np.testing.assert_allclose(m.signal("a", "smile"), _smile(n))
    with pytest.raises(ValueError, match="face_ids: expected two of the file's face_ids"):
        read_face_export(f, face_ids=[0, 7], fps=FPS)


def test_read_pairs_openface_files_in_a_folder(tmp_path):
    n = 30
    write_openface(tmp_path / "d1_a.csv", openface_frames(n, FPS, _smile(n)))
    write_openface(tmp_path / "d1_b.csv", openface_frames(n, FPS, _smile(n, 1.0)))
    write_openface(tmp_path / "d2.csv", openface_frames(n, FPS, _smile(n), face_id=0, x_px=9),
                   openface_frames(n, FPS, _smile(n), face_id=1, x_px=900))
    sessions = read(tmp_path, partners=("mother", "infant"))
    assert sorted(s.id for s in sessions) == ["d1_a__d1_b", "d2"]
    assert all(s.partners == ("mother", "infant") for s in sessions)
    (tmp_path / "d3.csv").write_text((tmp_path / "d1_a.csv").read_text())
    with pytest.raises(ValueError, match=r"d3.csv: face exports of one face pair up"):
        read(tmp_path)


def test_variable_frame_rate_needs_resample_hz(tmp_path):
    n = 50
    rows = [openface_frames(n, FPS, np.linspace(0, 4.9, n), seed=k) for k in range(2)]
    t = np.round(np.cumsum(np.r_[0, np.where(np.arange(n - 1) % 2, 0.02, 0.05)]), 3)
    for r in rows:
        r[:, 2] = t  # alternating 20 ms / 50 ms frame intervals
    files = [write_openface(tmp_path / f"p{k}.csv", r) for k, r in enumerate(rows)]
    with pytest.raises(ValueError, match="p0.csv: frames are not evenly spaced.*resample_hz"):
        read_face_export(files)
    with pytest.raises(ValueError, match=r"p0.csv: the timestamps do not follow.*fps = 25"):
        read_face_export(files, fps=25)
    s = read_face_export(files, resample_hz=25)
    # AU12 rises by 0.1 per frame: linear interpolation in time is the closed-form reference
    expected = np.interp(s.times, t, np.linspace(0, 4.9, n))
    np.testing.assert_allclose(s.signal("partner_1", "smile"), expected, atol=2e-3)


def test_pyfeat_fex_channels_match_attune_extract(data_dir):
    files = [data_dir / "pyfeat_fex" / f"{k}.csv" for k in ("001", "002")]
    s = read_face_export(files, fps=30)
    shared = {"smile", "au01_brow_inner_up", "au04_brow_down", "au06_cheek_squint",
              "au26_jaw_open", "head_pitch_deg", "head_yaw_deg", "head_roll_deg", "gaze_x",
              "gaze_y", "face_present"}
    assert shared <= set(face_channels()) and shared <= set(s.channels)
    assert {"affect_happy", "affect_angry", "valence"} <= set(s.channels)
    raw = pd.read_csv(files[0])
    assert s.sampling_rate == 15  # every second frame of a 30 fps video
    np.testing.assert_allclose(s.signal("partner_1", "smile"), raw["AU12"])
    np.testing.assert_allclose(s.signal("partner_1", "head_yaw_deg"), np.degrees(raw["Yaw"]))
    # the second clip is 14 frames: the rest of the common grid is missing, not zero
    assert np.isnan(s.signal("partner_2", "smile")[14:]).all()
    with pytest.raises(ValueError, match="001.csv: a py-feat Fex table.*'fps'"):
        read_face_export(files)


def test_bad_face_export_errors_name_file_and_parameter(tmp_path):
    f = tmp_path / "of.csv"
    f.write_text("frame, timestamp, confidence, success, AU12_r\n1, 0.0, x, 1, 0.5\n"
                 "2, 0.033, 0.9, 1, 0.4\n")
    with pytest.raises(ValueError, match=r"of.csv: column 'confidence' row 0 is not a number"):
        read_face_export([f, f])
    with pytest.raises(ValueError, match=r"min_confidence: expected a number in \[0, 1\]"):
        read_face_export([f, f], min_confidence=2)
    g = tmp_path / "plain.csv"
    g.write_text("time_s,a_x,b_x\n0,1,2\n")
    with pytest.raises(ValueError, match="plain.csv: not an OpenFace CSV"):
        read_face_export([g, g])
