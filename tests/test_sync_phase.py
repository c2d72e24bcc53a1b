"""Phase synchrony: Hilbert phase, PLV, relative-phase regions; recovery and calibration."""

from __future__ import annotations

import numpy as np
import pytest
from sim_pairs import circular_shift_p, coupled_ar1, oscillators

from attunement import Session
from attunement.sync.phase import hilbert_phase, phase_sync


def test_hilbert_phase_of_a_cosine_is_its_argument():
    t = np.arange(2000) / 50
    arg = 2 * np.pi * 1.0 * t
    phase = hilbert_phase(np.cos(arg) + 3.0, 50)  # the mean is removed
    inner = slice(200, 1800)  # away from the transform's edge effects
    err = np.angle(np.exp(1j * (phase[inner] - arg[inner])))
    assert np.max(np.abs(err)) < 1e-3


def test_bandpass_keeps_the_band_of_interest():
    t = np.arange(5000) / 50
    slow, fast = np.sin(2 * np.pi * 0.5 * t), np.sin(2 * np.pi * 8 * t + 1)
    phase = hilbert_phase(slow + fast, 50, band_hz=(0.2, 1.0))
    inner = slice(500, 4500)
    expected = np.angle(np.exp(1j * (2 * np.pi * 0.5 * t - np.pi / 2)))
    err = np.angle(np.exp(1j * (phase[inner] - expected[inner])))
    assert np.max(np.abs(err)) < 0.05


def test_known_phase_lag_is_recovered():
    t = np.arange(6000) / 20
    rng = np.random.default_rng(0)
    x1 = np.sin(2 * np.pi * 0.3 * t) + 0.2 * rng.normal(size=t.size)
    x2 = np.sin(2 * np.pi * 0.3 * t - np.pi / 2) + 0.2 * rng.normal(size=t.size)
    res = phase_sync(x1, x2, 20, band_hz=(0.1, 0.6))
    assert res.mean_relative_phase_rad == pytest.approx(np.pi / 2, abs=0.05)  # 1 ahead
    assert res.plv > 0.95
    dist = res.distribution
    assert dist["proportion"].sum() == pytest.approx(1.0)
    assert dist.loc[dist["proportion"].idxmax(), "region_low_deg"] == 80


def test_coupled_oscillators_lock_and_independent_ones_do_not():
    coupled = oscillators(3000, 10, coupling=1.5, seed=3)
    independent = oscillators(3000, 10, coupling=0.0, seed=3)
    locked = phase_sync(coupled[0], coupled[1], 10, window_s=20)
    free = phase_sync(independent[0], independent[1], 10, window_s=20)
    assert locked.plv > 0.9 > 0.3 > free.plv
    assert locked.summary()["phase_window_mean_plv"] > free.summary()["phase_window_mean_plv"]


def test_plv_stays_calibrated_on_independent_pairs():
    """Independent AR(1) pairs against circular shifts: false positives near alpha."""
    def measure(a, b):
        return phase_sync(a, b, 10, window_s=20).plv

    p = [circular_shift_p(measure, *coupled_ar1(1500, phi=0.9, seed=s), seed=s)
         for s in range(40)]
    assert np.mean(np.array(p) <= 0.05) <= 0.15
    coupled = [circular_shift_p(measure, *coupled_ar1(1500, phi=0.9, c12=0.4, seed=s), seed=s)
               for s in range(10)]
    assert np.mean(np.array(coupled) <= 0.05) >= 0.8


def test_windows_and_session_wrapper():
    rng = np.random.default_rng(4)
    x1, x2 = rng.normal(size=(2, 1000))
    res = phase_sync(Session.from_arrays(x1, x2, sampling_rate=10), window_s=20, step_s=10)
    frame = res.to_frame()
    assert list(frame.columns) == ["onset_s", "duration_s", "plv"]
    assert list(frame.onset_s) == [0.0, 10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 80.0]
    assert res.summary() == phase_sync(x1, x2, 10, window_s=20, step_s=10).summary()


def test_bad_inputs_are_named():
    x = np.random.default_rng(0).normal(size=(2, 200))
    with pytest.raises(ValueError, match=r"'band_hz': expected 0 <= low < high < 5 Hz"):
        phase_sync(x[0], x[1], 10, band_hz=(1, 6), window_s=10)
    with pytest.raises(ValueError, match=r"'band_hz': expected \(low, high\)"):
        hilbert_phase(x[0], 10, band_hz=3)
    with pytest.raises(ValueError, match=r"'window_s': 300 s is longer than the series \(200 s\)"):
        phase_sync(x[0], x[1], 1, window_s=300)
    with pytest.raises(ValueError, match="'x2': expected a 1-D array"):
        phase_sync(x[0], x, 10)
