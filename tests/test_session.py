"""Session construction, validation messages and round trips."""

import numpy as np
import pandas as pd
import pytest

from attunement import Session


def make(n=10, sr=5.0, **kw):
    return Session.from_arrays(np.arange(n, dtype=float), np.ones(n), sampling_rate=sr, **kw)


def test_from_arrays_builds_time_axis_and_partners():
    s = make(partners=("caregiver", "infant"), channel="smile", start_s=2.0)
    assert s.partners == ("caregiver", "infant")
    assert s.channels == ["smile"]
    np.testing.assert_allclose(s.times, 2.0 + np.arange(10) / 5.0)
    assert s.duration_s == 2.0


@pytest.mark.parametrize("rate", [0, -1, float("nan"), float("inf"), "abc"])
def test_bad_sampling_rate_named(rate):
    with pytest.raises(ValueError, match="'sampling_rate'"):
        make(sr=rate)


def test_partners_of_different_lengths():
    with pytest.raises(ValueError, match="partners differ in length: partner_1 has 3 samples"):
        Session.from_arrays([1, 2, 3], [1, 2], sampling_rate=1)


def test_exactly_two_partners():
    cols = pd.MultiIndex.from_tuples([("a", "x"), ("b", "x"), ("c", "x")])
    with pytest.raises(ValueError, match="expected exactly two distinct partners"):
        Session(pd.DataFrame(np.zeros((3, 3)), columns=cols), 1)


def test_time_must_increase():
    cols = pd.MultiIndex.from_tuples([("a", "x"), ("b", "x")])
    df = pd.DataFrame(np.zeros((3, 2)), columns=cols, index=[0.0, 2.0, 1.0])
    with pytest.raises(ValueError, match="time must increase; row 2"):
        Session(df, 1)


def test_uneven_time_rejected():
    cols = pd.MultiIndex.from_tuples([("a", "x"), ("b", "x")])
    df = pd.DataFrame(np.zeros((3, 2)), columns=cols, index=[0.0, 1.0, 3.0])
    with pytest.raises(ValueError, match="not evenly spaced"):
        Session(df, 1)


def test_non_numeric_cell_named():
    cols = pd.MultiIndex.from_tuples([("a", "x"), ("b", "x")])
    df = pd.DataFrame([[1, 2], ["oops", 3]], columns=cols)
    with pytest.raises(ValueError, match=r"non-numeric value 'oops' at row 1"):
        Session(df, 1)


def test_missing_values_counted_not_filled():
    s = Session.from_arrays([1, np.nan, np.nan, 4, np.nan], [1, 2, 3, 4, 5], sampling_rate=2)
    rep = s.missing_report()
    assert rep.n_missing.tolist() == [3, 0]
    assert rep.longest_gap_s.tolist() == [1.0, 0.0]
    assert np.isnan(s.pair()[0]).sum() == 3
    assert s.missing_fraction == pytest.approx(0.3)


def test_channel_resolution_messages():
    s = Session.from_arrays(np.zeros((4, 2)), np.zeros((4, 2)), 1, channel=["smile", "gaze"])
    with pytest.raises(ValueError, match="several channels"):
        s.pair()
    with pytest.raises(ValueError, match="channel 'voice' is not recorded for both"):
        s.pair("voice")
    with pytest.raises(ValueError, match="unknown partner 'x'"):
        s.signal("x", "smile")


def test_parquet_round_trip_keeps_everything(tmp_path):
    phases = pd.DataFrame({"onset_s": [0.0], "duration_s": [1.0], "label": ["play"]})
    s = make(partners=("mother", "infant_1"), phases=phases, meta={"style": "sensitive"})
    s = s.replace(id="dyad 7")
    from attunement import read_table

    back = read_table(s.to_parquet(tmp_path / "s.parquet"))
    assert back.id == "dyad 7" and back.partners == ("mother", "infant_1")
    assert back.meta == {"style": "sensitive"}
    pd.testing.assert_frame_equal(back.signals, s.signals)
    pd.testing.assert_frame_equal(back.phases, s.phases)


def test_crop_clips_phases():
    phases = pd.DataFrame({"onset_s": [0.0, 1.0], "duration_s": [1.0, 1.0], "label": ["a", "b"]})
    s = make(phases=phases).crop(0.4, 1.4)
    assert s.n_samples == 5
    assert s.phases.label.tolist() == ["a", "b"]
    np.testing.assert_allclose(s.phases.duration_s, [0.6, 0.4])


def test_phases_validation():
    bad = pd.DataFrame({"onset_s": [0.0], "duration_s": [-1.0], "label": ["x"]})
    with pytest.raises(ValueError, match="'duration_s' must be >= 0"):
        make(phases=bad)
    with pytest.raises(ValueError, match=r"missing column\(s\) \['label'\]"):
        make(phases=pd.DataFrame({"onset_s": [0.0], "duration_s": [1.0]}))
