"""Timestamped physiology exports and Movesense folders (attunement.io.physio_io).

Files are written here in the Movesense layout described in
../shared/data/movesense_ecg/PROVENANCE.txt (a title line, then ``Timestamp,Sample``);
the reference is the signal written into them.
"""

from __future__ import annotations

import numpy as np
import pytest

from attunement import read_movesense, read_movesense_intervals, read_physio_pair
from attunement.io.physio_io import read_movesense_annotations, read_stamped_csv

TITLE = " " * 80 + "ECG" + " " * 77 + "25.01.2516.42.59200 \n"


def write_stream(path, times, values, title=TITLE):
    rows = "".join(f"{t:.7f},{v:.6g}\n" for t, v in zip(times, values, strict=True))
    path.write_text(title + "Timestamp,Sample\n" + rows)
    return path


def wave(t):
    return np.sin(2 * np.pi * 1.3 * t) + 0.5 * np.sin(2 * np.pi * 0.17 * t)


@pytest.fixture
def pair_files(tmp_path):
    """Two 100 Hz devices on one clock: 2 starts 3 s later; 1 loses 0.5 s at 1000+10 s."""
    t1 = 1000 + np.arange(0, 30, 0.01)
    t1 = t1[(t1 < 1010) | (t1 >= 1010.5)]
    t2 = 1003 + np.arange(0, 30, 0.01)
    return (write_stream(tmp_path / "a.csv", t1, wave(t1)),
            write_stream(tmp_path / "b.csv", t2, wave(t2)))


def test_stamped_csv_skips_title(pair_files):
    t, x = read_stamped_csv(pair_files[0], "Timestamp", "Sample")
    assert t[0] == 1000.0 and len(t) == 2950


def test_pair_on_one_clock(pair_files):
    s = read_physio_pair(pair_files, "Timestamp", "Sample", channel="ecg",
                         partners=("a", "b"))
    assert s.sampling_rate == 100.0
    assert s.times[0] == 0.0 and s.duration_s == pytest.approx(27.0, abs=0.02)
    a, b = s.pair("ecg")
    both = np.isfinite(a) & np.isfinite(b)
    np.testing.assert_allclose(a[both], b[both], atol=1e-5)  # same wave, same clock
    assert s.meta["clock"]["a"]["trimmed_start_s"] == pytest.approx(3.0)
    assert s.meta["clock"]["a"]["samples_missing"] == 50  # the 0.5 s lost
    assert s.meta["clock"]["b"]["samples_missing"] == 0
    assert s.meta["start_clock_s"] == pytest.approx(1003.0)


def test_pair_clock_offset_realigns(tmp_path):
    t = 50 + np.arange(0, 20, 0.01)
    files = (write_stream(tmp_path / "a.csv", t, wave(t)),
             write_stream(tmp_path / "b.csv", t + 2.5, wave(t)))  # device b runs 2.5 s fast
    s = read_physio_pair(files, "Timestamp", "Sample", channel="ecg",
                         clock_offsets_s=(0.0, -2.5))
    a, b = s.pair("ecg")
    np.testing.assert_allclose(a, b, atol=1e-5)
    assert s.meta["clock"]["partner_2"]["offset_s"] == -2.5


def test_clocks_that_do_not_overlap(tmp_path):
    t = np.arange(0, 5, 0.01)
    files = (write_stream(tmp_path / "a.csv", t, wave(t)),
             write_stream(tmp_path / "b.csv", t + 100, wave(t)))
    with pytest.raises(ValueError, match="do not overlap in time: .*a.csv covers 0.000-4.990"):
        read_physio_pair(files, "Timestamp", "Sample", channel="ecg")


def test_rates_must_agree(tmp_path):
    t = np.arange(0, 5, 0.01)
    files = (write_stream(tmp_path / "a.csv", t, wave(t)),
             write_stream(tmp_path / "b.csv", t[::2], wave(t[::2])))
    with pytest.raises(ValueError, match="step at different rates \\(100 and 50 Hz\\)"):
        read_physio_pair(files, "Timestamp", "Sample", channel="ecg")
    with pytest.raises(ValueError, match="timestamps step at 100 Hz, but sampling_rate is 200"):
        read_physio_pair(files, "Timestamp", "Sample", channel="ecg", sampling_rate=200)


def test_missing_header_and_bad_times(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("time,value\n1,2\n")
    with pytest.raises(ValueError, match="no header row with columns \\['Timestamp', 'Sample'\\]"):
        read_stamped_csv(bad, "Timestamp", "Sample")
    bad.write_text("Timestamp,Sample\n1,2\nx,3\n")
    with pytest.raises(ValueError, match="column 'Timestamp' must hold numbers.*row 1"):
        read_stamped_csv(bad, "Timestamp", "Sample")


@pytest.fixture
def movesense_folder(tmp_path):
    for k, sensor in enumerate(["111", "222"]):
        (tmp_path / sensor).mkdir()
        t = 1000 + k * 0.4 + np.arange(0, 20, 0.005)
        write_stream(tmp_path / sensor / "ECG-X.csv", t, wave(t))
        (tmp_path / sensor / "HR-X.csv").write_text(
            "HeartRate title\nAverage,RRData\n75.0,800\n74.2,816\n")
    (tmp_path / "Annotations-X.csv").write_text(
        "Timestamp,Type,Content\n999.5,RecordingStart,\n1005,RecordingPause,\n"
        "1008,RecordingResume,\n1010,VideoAnnotationStart,\n1020.1,RecordingStop,\n")
    return tmp_path


def test_movesense_folder(movesense_folder):
    s = read_movesense(movesense_folder, partners=["experimenter", "subject"])
    assert s.partners == ("experimenter", "subject") and s.channels == ["ecg"]
    assert s.sampling_rate == 200.0 and s.id == movesense_folder.name
    assert s.meta["sensors"] == {"experimenter": "111", "subject": "222"}
    phases = s.phases.set_index("label")
    assert phases.loc["recording_paused", "onset_s"] == pytest.approx(4.6)
    assert phases.loc["recording_paused", "duration_s"] == pytest.approx(3.0)
    assert phases.loc["video_annotation_start", "duration_s"] == 0.0
    device = read_movesense_intervals(movesense_folder)
    assert list(device) == ["111", "222"]
    assert device["111"]["ibi_ms"].tolist() == [800, 816]


def test_movesense_sensor_choice(movesense_folder):
    (movesense_folder / "333").mkdir()
    (movesense_folder / "333" / "ECG-X.csv").write_text("Timestamp,Sample\n1,2\n")
    with pytest.raises(ValueError, match="expected two sensor folders.*'111', '222', '333'"):
        read_movesense(movesense_folder)
    assert read_movesense(movesense_folder, sensors=["222", "111"]).partners == ("222", "111")
    with pytest.raises(ValueError, match="'sensors' must name two of the sensor folders"):
        read_movesense(movesense_folder, sensors=["111", "999"])


def test_annotations_unpaired_events(tmp_path):
    f = tmp_path / "Annotations-Y.csv"
    f.write_text("Timestamp,Type,Content\n10,Marker,hello\n12,VideoAnnotationStop,\n")
    phases = read_movesense_annotations(f, zero_s=10)
    assert phases.to_dict("list") == {"onset_s": [0.0, 2.0], "duration_s": [0.0, 0.0],
                                      "label": ["marker", "video_annotation_stop"]}


def test_real_movesense_clock(shared_dir):
    """The real Movesense recording's clock: effective rate about 199 Hz and the recording
    pause found."""
    s = read_movesense(shared_dir / "data" / "movesense_ecg")
    clock = s.meta["clock"]
    # 16-sample packets at 5 ms with a longer step between packets: the "200 Hz"
    # sensors run at about 199 Hz by the phone's timestamps
    for partner in s.partners:
        assert 198.5 < clock[partner]["effective_rate_hz"] < 199.5
    pause = s.phases.set_index("label").loc["recording_paused"]
    assert pause["duration_s"] == pytest.approx(165.8, abs=0.1)
    missing = s.missing_report().set_index("partner")
    assert (missing["longest_gap_s"] > 166).all()
