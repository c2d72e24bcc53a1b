"""Raw ECG / PPG / EDA processing (attunement.physio.process and .rate).

Ground truth: NeuroKit2's own seeded simulators (``nk.ecg_simulate``, ``nk.ppg_simulate``,
``nk.eda_simulate``), whose heart rate and number of skin conductance responses are set;
HRV against ``nk.hrv_time`` run directly on the same intervals.
"""

from __future__ import annotations

import numpy as np
import pytest

nk = pytest.importorskip("neurokit2")

from attunement import Session  # noqa: E402
from attunement.physio import (  # noqa: E402
    beats_from_intervals,
    heart_rate,
    hrv_windows,
    process_ecg,
    process_eda,
    process_ppg,
    process_session,
)

SR = 200


@pytest.fixture(scope="module")
def ecg70():
    return nk.ecg_simulate(duration=60, sampling_rate=SR, heart_rate=70, random_state=7)


@pytest.mark.parametrize(("bpm", "method"), [(60, "ecgsyn"), (120, "simple"), (160, "simple")])
def test_ecg_mean_heart_rate_matches_simulated(bpm, method):
    # ecgsyn (realistic waveform and HRV) loops forever for some seeds and rates in
    # NeuroKit2 0.2.13; 'simple' gives regular beats at the set rate
    ecg = nk.ecg_simulate(duration=60, sampling_rate=SR, heart_rate=bpm, random_state=1,
                          method=method)
    summary = process_ecg(ecg, SR).summary()
    assert summary["mean_hr_bpm"] == pytest.approx(bpm, abs=1.0)
    assert summary["n_gaps"] == 0 and summary["n_out_of_range"] == 0
    assert summary["n_beats"] == pytest.approx(bpm, abs=3)  # one minute


def test_ecg_start_offsets_beat_times(ecg70):
    a = process_ecg(ecg70, SR)
    b = process_ecg(ecg70, SR, start_s=100.0)
    np.testing.assert_allclose(b.peaks_s, a.peaks_s + 100.0)


def test_ecg_gap_is_reported_and_never_bridged(ecg70):
    x = ecg70.copy()
    x[4000:5000] = np.nan  # 20-25 s missing
    beats = process_ecg(x, SR)
    assert beats.gaps.to_dict("records") == [
        {"onset_s": 20.0, "duration_s": 5.0, "reason": "missing"}
    ]
    # no interval ends after the gap that started before it
    first_after = np.flatnonzero(beats.peaks_s > 25.0)[0]
    assert np.isnan(beats.ibi_ms[first_after]) and not beats.valid[first_after]
    assert np.all(np.diff(beats.peaks_s)[beats.valid[1:]] < 1.0)
    t, hr = heart_rate(beats, sampling_rate=4)
    assert np.isnan(hr[(t > 20.5) & (t < 24.5)]).all()
    assert np.nanmean(hr) == pytest.approx(70, abs=1.5)


def test_ecg_short_stretch_between_gaps_is_counted(ecg70):
    x = ecg70.copy()
    x[2000:2200] = np.nan
    x[3000:3200] = np.nan  # leaves 4 s recorded between the gaps
    reasons = process_ecg(x, SR).gaps["reason"].tolist()
    assert reasons == ["missing", "short_segment", "missing"]


def test_ecg_sampling_rate_too_low():
    ecg = nk.ecg_simulate(duration=20, sampling_rate=50, heart_rate=70, random_state=0)
    with pytest.raises(ValueError, match="ECG processing needs at least 100 Hz, got 50 Hz"):
        process_ecg(ecg, 50)


@pytest.mark.parametrize("signal", [np.zeros(SR * 30), np.full(SR * 30, np.nan)])
def test_ecg_without_beats_raises(signal):
    with pytest.raises(ValueError, match="ECG: no (beats found|recorded stretch)"):
        process_ecg(signal, SR)


def test_ecg_noise_gives_no_beats():
    # NeuroKit2 "finds" about 70 peaks a minute in white noise; their intervals jump
    noise = np.random.default_rng(0).normal(size=SR * 30)
    with pytest.raises(ValueError, match="no beats found .* change by less than 20%"):
        process_ecg(noise, SR)


def test_ecg_unreadable_stretch_becomes_a_gap(ecg70):
    x = ecg70.copy()
    x[: SR * 20] = np.random.default_rng(1).normal(size=SR * 20)
    x[SR * 20] = np.nan  # a one-sample loss separates the noise from the ECG
    beats = process_ecg(x, SR)
    assert beats.gaps["reason"].tolist() == ["unreadable", "missing"]
    assert beats.peaks_s.min() > 20.0
    assert beats.summary()["mean_hr_bpm"] == pytest.approx(70, abs=1.5)


def test_ecg_bad_ibi_range(ecg70):
    with pytest.raises(ValueError, match="'ibi_range_ms': expected 0 <= low < high"):
        process_ecg(ecg70, SR, ibi_range_ms=(900, 300))


def test_implausible_intervals_are_marked():
    beats = beats_from_intervals([800, 800, 150, 600, 800, 3000, 790], start_s=0.0)
    assert beats.valid.tolist() == [False, True, True, False, False, True, False, True]
    assert beats.artefacts == {"out_of_range": 2, "abrupt": 1}
    assert np.isnan(beats.hr_bpm[3]) and beats.hr_bpm[1] == 75.0


def test_ppg_mean_heart_rate():
    ppg = nk.ppg_simulate(duration=60, sampling_rate=50, heart_rate=90, random_state=3)
    assert process_ppg(ppg, 50).summary()["mean_hr_bpm"] == pytest.approx(90, abs=2.0)
    with pytest.raises(ValueError, match="PPG processing needs at least 25 Hz"):
        process_ppg(ppg[::5], 10)


def test_eda_responses_and_level():
    eda = nk.eda_simulate(duration=120, sampling_rate=20, scr_number=6, drift=0.0,
                          random_state=5)
    res = process_eda(eda, 20)
    assert len(res.scr) == 6
    assert res.summary()["mean_scl_us"] == pytest.approx(np.mean(eda), rel=0.2)
    assert list(res.to_frame().columns) == ["time_s", "eda_clean_us", "scl_us", "phasic_us"]
    with pytest.raises(ValueError, match="EDA processing needs at least 4 Hz"):
        process_eda(eda[::10], 2)


def test_heart_rate_grid_and_values():
    beats = beats_from_intervals([1000] * 5 + [500] * 10, start_s=2.0)
    t, hr = heart_rate(beats, sampling_rate=4)
    assert t[0] == 2.0 and np.allclose(np.diff(t), 0.25)
    assert hr[t < 6.0] == pytest.approx(60.0)
    assert hr[(t > 7.5) & (t < 9.5)] == pytest.approx(120.0)
    with pytest.raises(ValueError, match="'stop_s'"):
        heart_rate(beats, 4, start_s=5, stop_s=5)


def test_hrv_windows_match_neurokit(ecg70):
    beats = process_ecg(ecg70, SR)
    table = hrv_windows(beats, window_s=30)
    assert table["onset_s"].tolist() == [0.0, 30.0]
    inside = beats.valid & (beats.peaks_s < 30)
    ref = nk.hrv_time(
        {"RRI": beats.ibi_ms[inside], "RRI_Time": beats.peaks_s[inside]}).iloc[0]
    assert table.loc[0, "rmssd_ms"] == pytest.approx(ref["HRV_RMSSD"])
    assert table.loc[0, "sdnn_ms"] == pytest.approx(ref["HRV_SDNN"])
    assert table.loc[0, "mean_hr_bpm"] == pytest.approx(70, abs=1.5)


def test_hrv_windows_low_coverage_gives_nan(ecg70):
    x = ecg70.copy()
    x[: SR * 25] = np.nan
    table = hrv_windows(process_ecg(x, SR), window_s=30)
    assert np.isnan(table.loc[0, "rmssd_ms"]) and table.loc[0, "coverage"] < 0.5
    assert np.isfinite(table.loc[1, "rmssd_ms"])
    with pytest.raises(ValueError, match="'window_s': 90 s is longer than the recording"):
        hrv_windows(process_ecg(ecg70, SR), window_s=90)


def test_eda_session_to_skin_conductance_level():
    e1 = nk.eda_simulate(duration=90, sampling_rate=20, scr_number=3, random_state=1)
    e2 = nk.eda_simulate(duration=90, sampling_rate=20, scr_number=5, random_state=2)
    res = process_session(Session.from_arrays(e1, e2, 20, channel="eda"), "eda")
    assert res.session.sampling_rate == 4.0 and res.session.channels == ["scl_us", "phasic_us"]
    assert res.session.n_samples == 360
    assert res.to_frame()["n_scr"].tolist() == [3, 5]
    assert set(res.events_frame().columns) >= {"partner", "onset_s", "amplitude_us"}


def test_session_kind_and_channel_errors(ecg70):
    s = Session.from_arrays(ecg70, ecg70, SR, channel="ecg")
    with pytest.raises(ValueError, match="'kind' parameter. Allowed values are 'ecg', 'ppg'"):
        process_session(s, "emg")
    with pytest.raises(ValueError, match="channel 'ppg' is not recorded for both partners"):
        process_session(s, "ppg", channel="ppg")
