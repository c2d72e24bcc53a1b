"""Welch and wavelet coherence: scipy agreement, bands, cone of influence, recovery."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import signal as sps
from sim_pairs import circular_shift_p, coupled_ar1

from attunement import Session
from attunement.sync.coherence import coherence, wavelet_coherence
from attunement.sync.wavelet import fourier_factor


def test_welch_coherence_is_scipys_with_band_summaries():
    rng = np.random.default_rng(0)
    x1, x2 = rng.normal(size=(2, 4000))
    res = coherence(x1, x2, 20, welch_segment_s=10, bands={"low": (0, 2), "high": (5, 10)})
    freq, coh = sps.coherence(x1, x2, fs=20, nperseg=200)
    np.testing.assert_array_equal(res.coherence, coh)
    low = (freq >= 0) & (freq <= 2)
    assert res.summary()["coherence_mean_low"] == pytest.approx(coh[low].mean())
    assert list(res.bands.band) == ["low", "high"]
    assert list(res.to_frame().columns) == ["frequency_hz", "coherence"]


def test_welch_coherence_finds_the_shared_rhythm():
    t = np.arange(6000) / 10
    rng = np.random.default_rng(1)
    rhythm = np.sin(2 * np.pi * 0.5 * t)
    res = coherence(rhythm + rng.normal(size=t.size), rhythm + rng.normal(size=t.size), 10)
    assert res.summary()["coherence_peak_hz_all"] == pytest.approx(0.5)


def test_welch_coherence_calibrated_and_sensitive():
    def measure(a, b):
        return coherence(a, b, 10, welch_segment_s=10).summary()["coherence_mean_all"]

    null = [circular_shift_p(measure, *coupled_ar1(1200, phi=0.9, seed=s), seed=s)
            for s in range(20)]
    assert np.mean(np.array(null) <= 0.05) <= 0.15
    coupled = [circular_shift_p(measure, *coupled_ar1(1200, phi=0.5, c12=0.6, seed=s), seed=s)
               for s in range(6)]
    assert np.mean(np.array(coupled) <= 0.05) >= 0.8


def test_wavelet_coherence_localises_coupling_in_time_and_frequency():
    """A shared 0.25 Hz rhythm only in the second half of a 400 s record."""
    sr, n = 5, 2000
    t = np.arange(n) / sr
    rng = np.random.default_rng(2)
    shared = np.sin(2 * np.pi * 0.25 * t) * (t >= 200)
    x1 = shared + 0.7 * rng.normal(size=n)
    x2 = shared + 0.7 * rng.normal(size=n)
    res = wavelet_coherence(x1, x2, sr, frequency_range_hz=(0.05, 1))
    row = np.argmin(np.abs(res.frequency_hz - 0.25))
    first, second = res.coherence[row, 200:800].mean(), res.coherence[row, 1200:1800].mean()
    assert second > 0.85 and first < 0.6
    assert res.coherence.shape == (res.frequency_hz.size, n)


def test_cone_of_influence_follows_torrence_and_compo():
    x = np.random.default_rng(3).normal(size=(2, 1000))
    res = wavelet_coherence(x[0], x[1], 10, frequency_range_hz=(0.05, 2))
    # at the centre, periods beyond fourier_factor / sqrt(2) * 49.9 s are inside the cone
    centre = 499
    limit = fourier_factor() / np.sqrt(2) * res.times_s[centre]
    np.testing.assert_array_equal(res.inside_coi[:, centre], 1 / res.frequency_hz > limit)
    assert res.inside_coi[:, 0].all() and not res.inside_coi[0, centre]
    assert res.frequency_hz.max() == pytest.approx(2) and res.frequency_hz.min() >= 0.05
    frame = res.to_frame()
    assert len(frame) == res.frequency_hz.size * 1000 and frame.inside_coi.dtype == bool


def test_wavelet_phase_sign_partner_one_ahead():
    t = np.arange(3000) / 10
    res = wavelet_coherence(np.sin(2 * np.pi * 0.2 * t), np.sin(2 * np.pi * 0.2 * t - 1.0), 10,
                            frequency_range_hz=(0.15, 0.3))
    row = np.argmin(np.abs(res.frequency_hz - 0.2))
    assert np.median(res.phase_rad[row, 500:2500]) == pytest.approx(1.0, abs=0.05)


def test_session_wrapper_and_bad_inputs():
    x = np.random.default_rng(4).normal(size=(2, 600))
    session = Session.from_arrays(x[0], x[1], sampling_rate=10)
    assert coherence(session).summary() == coherence(x[0], x[1], 10).summary()
    with pytest.raises(ValueError, match="'welch_segment_s': 100 s is longer than the series"):
        coherence(x[0], x[1], 10, welch_segment_s=100)
    with pytest.raises(ValueError, match=r"'bands\['a'\]': expected 0 <= low < high"):
        coherence(x[0], x[1], 10, bands={"a": (2, 1)})
    with pytest.raises(ValueError, match="'bands': expected a mapping"):
        coherence(x[0], x[1], 10, bands=[(0, 1)])
    with pytest.raises(ValueError, match=r"'frequency_range_hz': expected \(low, high\)"):
        wavelet_coherence(x[0], x[1], 10, frequency_range_hz=(8.0, 1.0))
