"""XDF (LSL recordings) -> one aligned Session.

References: files written by :func:`attunement.io.xdf_writer.write_xdf` (from the XDF 1.0
specification; its round trip through pyxdf is tests/test_io_xdf_writer.py) with known
signals (ground truth: each partner's channel is a sine of known frequency and phase in true
time; partner 2's device clock runs 0.5 s behind the recorder, stated in ClockOffset chunks);
real files: Hybrid Harmony's MIT-licensed recordings in ../shared (skipped without it).
"""

from __future__ import annotations

import numpy as np
import pytest
import pyxdf

from attunement.io import read
from attunement.io.xdf import read_xdf
from attunement.io.xdf_writer import write_xdf

RATE = 100.0


def _dyad(tmp_path, offset=0.5):
    t = np.arange(0, 20, 1 / RATE)
    p1 = np.column_stack([np.sin(2 * np.pi * 1.0 * t), np.cos(2 * np.pi * 0.5 * t)])
    t2 = np.arange(0.3, 19.5, 1 / RATE)  # starts later, ends earlier
    p2 = np.column_stack([np.sin(2 * np.pi * 1.0 * t2 + 1.0), np.cos(2 * np.pi * 0.5 * t2)])
    return write_xdf(tmp_path / "dyad.xdf", [
        {"name": "mother: Movement", "type": "Motion", "sampling_rate": RATE, "stamps": t,
         "values": p1, "labels": ["head", "hands"], "channel_format": "float32"},
        {"name": "infant: Movement", "type": "Motion", "sampling_rate": RATE,
         "stamps": t2 - offset,
         "values": p2, "labels": ["head", "hands"], "channel_format": "float32",
         "clock_offsets": [(0.0, offset), (10.0, offset), (19.0, offset)]},
        {"name": "Events", "type": "Markers", "sampling_rate": 0, "stamps": np.array([1.0, 5.0]),
         "values": ["start", "still-face"]},
    ])


def test_clock_offsets_align_the_partners(tmp_path):
    f = _dyad(tmp_path)
    raw, _ = pyxdf.load_xdf(str(f), synchronize_clocks=False)
    assert raw[1]["time_stamps"][0] == pytest.approx(0.3 - 0.5)  # as the device stamped it
    s = read_xdf(f, stream_type="Motion", partners=("mother", "infant"))
    assert s.partners == ("mother", "infant") and s.channels == ["head", "hands"]
    assert s.sampling_rate == RATE and s.meta["dropped_streams"] == ["Events"]
    grid = s.times
    assert grid[0] == pytest.approx(0.3, abs=1e-6) and grid[-1] <= 19.5 - 1 / RATE + 1e-6
    np.testing.assert_allclose(s.signal("mother", "head"), np.sin(2 * np.pi * grid), atol=2e-3)
    np.testing.assert_allclose(s.signal("infant", "head"), np.sin(2 * np.pi * grid + 1.0),
                               atol=2e-3)
    assert not np.isnan(s.signals.to_numpy()).any()


def test_streams_mapped_by_name_and_read_dispatch(tmp_path):
    f = _dyad(tmp_path)
    s = read_xdf(f, streams={"infant: Movement": "baby", "mother: Movement": "mum"})
    assert s.partners == ("baby", "mum")
    (r,) = read(f, partners=("mother", "infant"))  # the marker stream is not a signal
    assert r.partners == ("mother", "infant") and r.channels == ["head", "hands"]


def test_bad_xdf_input_is_named(tmp_path):
    f = _dyad(tmp_path)
    with pytest.raises(ValueError, match=r"streams: no numeric stream named \['nope'\]"):
        read_xdf(f, streams={"nope": "a", "mother: Movement": "b"})
    with pytest.raises(ValueError, match="found 0 stream.*of type 'EEG'"):
        read_xdf(f, stream_type="EEG")
    broken = tmp_path / "broken.xdf"
    broken.write_bytes(b"XDF:\x01\x05\x02\x00abc")
    with pytest.raises(ValueError, match="broken.xdf: (not a readable XDF file|no numeric stream)"):
        read_xdf(broken)
    with pytest.raises(ValueError, match="Invalid value for the 'timing' parameter"):
        read_xdf(f, timing="wall")


def test_real_hybrid_harmony_headbands(shared_dir):
    f = shared_dir / "data" / "hybrid_harmony_xdf" / "session_4_Colors_15.xdf"
    pair = {"Purple-Muse-2265: EEG": "purple", "Blue-Muse-2265: EEG": "blue"}
    s = read_xdf(f, streams=pair)
    assert s.channels == ["eeg_1", "eeg_2", "eeg_3", "eeg_4"] and s.sampling_rate == 256
    assert s.meta["dropped_streams"] == ["Green-Muse-2265: EEG", "Orange-Muse-2265: EEG"]
    assert s.meta["xdf"]["Blue-Muse-2265: EEG"]["effective_srate"] > 900  # the known quirk
    nominal = read_xdf(f, streams=pair, timing="nominal")
    assert nominal.duration_s == pytest.approx(12456 / 256, abs=0.1)  # samples at 256 Hz
