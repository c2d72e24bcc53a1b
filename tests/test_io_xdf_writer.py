"""write_xdf round trip: what is written, pyxdf (the reference XDF reader) reads back.

References: pyxdf.load_xdf on the written files; the values and stamps written (random, seed 0)
are the ground truth; ClockOffset semantics from the XDF specification (pyxdf adds the
measured offset to each stamp when synchronising clocks).
"""

from __future__ import annotations

import numpy as np
import pytest
import pyxdf

from attunement.io import read
from attunement.io.xdf_writer import CHUNK_SAMPLES, write_xdf


def _load(path, **kw):
    data, header = pyxdf.load_xdf(str(path), dejitter_timestamps=False, **kw)
    return {s["info"]["name"][0]: s for s in data}, header


def test_round_trip_is_exact(tmp_path):
    rng = np.random.default_rng(0)
    n = CHUNK_SAMPLES + 37  # more than one Samples chunk
    stamps = 1000.0 + np.arange(n) / 250 + rng.uniform(0, 1e-4, n)
    values = rng.normal(size=(n, 3))
    values[5, 1] = np.nan
    path = write_xdf(tmp_path / "r.xdf", [
        dict(name="caregiver-eeg", type="EEG", sampling_rate=250, stamps=stamps, values=values,
             labels=["Fz", "Cz", "Pz"], desc=dict(partner="caregiver")),
        dict(name="caregiver-hr", type="HR", sampling_rate=1, stamps=[1000.0, 1001.0],
             values=[[61], [62]], channel_format="int32"),
        dict(name="markers <&>", type="Markers", sampling_rate=0, stamps=[1000.5, 1002.0],
             values=["rupture", "répair"]),
    ])
    streams, header = _load(path, synchronize_clocks=False)
    assert header["info"]["version"] == ["1.0"]
    eeg = streams["caregiver-eeg"]
    np.testing.assert_array_equal(eeg["time_stamps"], stamps)
    np.testing.assert_array_equal(eeg["time_series"], values)  # double64: bit for bit
    info = eeg["info"]
    assert info["nominal_srate"] == ["250.0"] and info["channel_format"] == ["double64"]
    assert [c["label"][0] for c in info["desc"][0]["channels"][0]["channel"]] == ["Fz", "Cz",
                                                                                   "Pz"]
    assert info["desc"][0]["partner"] == ["caregiver"]
    assert eeg["footer"]["info"]["sample_count"] == [str(n)]
    np.testing.assert_array_equal(streams["caregiver-hr"]["time_series"], [[61], [62]])
    marks = streams["markers <&>"]  # the name's markup characters were escaped
    assert marks["time_series"] == [["rupture"], ["répair"]]


def test_clock_offsets_are_applied_by_pyxdf(tmp_path):
    stamps = np.arange(0, 10, 0.1)
    path = write_xdf(tmp_path / "o.xdf", [
        dict(name="late", type="Motion", sampling_rate=10, stamps=stamps,
             values=np.sin(stamps), channel_format="float32",
             clock_offsets=[(0.0, 0.25), (5.0, 0.25), (9.9, 0.25)]),
    ])
    streams, _ = _load(path, synchronize_clocks=True)
    np.testing.assert_allclose(streams["late"]["time_stamps"], stamps + 0.25, atol=1e-9)
    np.testing.assert_allclose(streams["late"]["time_series"][:, 0], np.sin(stamps), atol=1e-6)


def test_written_file_reads_as_a_session(tmp_path):
    t = np.arange(0, 20, 0.1)
    a, b = np.sin(t), np.cos(t)
    path = write_xdf(tmp_path / "dyad.xdf", [
        dict(name="mother", type="Motion", sampling_rate=10, stamps=t, values=a,
             labels=["motion"]),
        dict(name="infant", type="Motion", sampling_rate=10, stamps=t, values=b,
             labels=["motion"]),
    ])
    (s,) = read(path)
    assert s.partners == ("mother", "infant")
    np.testing.assert_allclose(s.signal("mother", "motion"), a, atol=1e-9)
    np.testing.assert_allclose(s.signal("infant", "motion"), b, atol=1e-9)


def test_bad_streams_name_the_problem(tmp_path):
    with pytest.raises(ValueError, match=r"streams\[0\]: expected a 'stamps' entry"):
        write_xdf(tmp_path / "x.xdf", [dict(name="a", type="b", sampling_rate=1, values=[1.0])])
    with pytest.raises(ValueError, match=r"streams\[0\]: 3 time stamps but 2 samples"):
        write_xdf(tmp_path / "x.xdf", [dict(name="a", type="b", sampling_rate=1,
                                            stamps=[0, 1, 2], values=[[1.0], [2.0]])])
    with pytest.raises(ValueError, match="channel_format: expected one of"):
        write_xdf(tmp_path / "x.xdf", [dict(name="a", type="b", sampling_rate=1, stamps=[0],
                                            values=[[1.0]], channel_format="float16")])
    with pytest.raises(ValueError, match="labels: expected 2 channel names"):
        write_xdf(tmp_path / "x.xdf", [dict(name="a", type="b", sampling_rate=1, stamps=[0],
                                            values=[[1.0, 2.0]], labels=["x"])])
