"""Spectral coherence of two partners: Welch coherence and wavelet coherence, in bands.

Welch coherence ``|S_xy|^2 / (S_xx S_yy)`` uses Hann windows with 50% overlap (Welch
1967). Wavelet coherence follows Torrence & Webster (1999, J Clim 12:2679) and Grinsted,
Moore & Jevrejeva (2004, Nonlin Processes Geophys 11:561), computed with the Morlet
arrays layer of :mod:`attunement.sync.wavelet` (``omega0 = 6``, 12 scales per octave,
Gaussian smoothing in time and a 0.6-octave boxcar across scales, and the cone of
influence of Torrence & Compo 1998, BAMS 79:61). Band summaries of wavelet coherence use
only cells outside the cone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import signal as sps

from .._pairs import as_pair, to_samples
from .wavelet import (
    DJ,
    OMEGA0,
    auto_spectrum,
    coi_valid,
    fourier_factor,
    morlet_cwt,
    period_grid,
    smooth,
    wtc,
)


def _bands(bands, sampling_rate) -> dict[str, tuple[float, float]]:
    if bands is None:
        return {"all": (0.0, sampling_rate / 2)}
    if not isinstance(bands, Mapping) or not bands:
        raise ValueError(
            "Invalid value for 'bands': expected a mapping of name to (low_hz, high_hz), "
            f"got {bands!r}."
        )
    out = {}
    for name, band in bands.items():
        try:
            low, high = (float(v) for v in band)
        except (TypeError, ValueError):
            raise ValueError(
                f"Invalid value for 'bands[{name!r}]': expected (low_hz, high_hz), got {band!r}."
            ) from None
        if not 0 <= low < high:
            raise ValueError(
                f"Invalid value for 'bands[{name!r}]': expected 0 <= low < high, got {band!r}."
            )
        out[str(name)] = (low, high)
    return out


@dataclass
class CoherenceResult:
    """Welch coherence per frequency and its mean and peak in each band."""

    frequency_hz: np.ndarray = field(repr=False)
    coherence: np.ndarray = field(repr=False)
    bands: pd.DataFrame
    params: dict = field(default_factory=dict)

    def summary(self) -> dict:
        """``coherence_mean_<band>`` and ``coherence_peak_hz_<band>`` per band."""
        out = {}
        for row in self.bands.itertuples():
            out[f"coherence_mean_{row.band}"] = row.mean_coherence
            out[f"coherence_peak_hz_{row.band}"] = row.peak_frequency_hz
        return out

    def to_frame(self) -> pd.DataFrame:
        """One row per frequency: ``frequency_hz``, ``coherence``."""
        return pd.DataFrame({"frequency_hz": self.frequency_hz, "coherence": self.coherence})


def _band_table(freq, values, bands, mask=None) -> pd.DataFrame:
    rows = []
    for name, (low, high) in bands.items():
        sel = (freq >= low) & (freq <= high)
        v = values[sel] if mask is None else np.where(mask[sel], np.nan, values[sel])
        if not sel.any() or np.all(np.isnan(v)):
            rows.append({"band": name, "low_hz": low, "high_hz": high,
                         "mean_coherence": np.nan, "peak_frequency_hz": np.nan})
            continue
        profile = v if v.ndim == 1 else np.nanmean(v, axis=1)
        rows.append({"band": name, "low_hz": low, "high_hz": high,
                     "mean_coherence": float(np.nanmean(v)),
                     "peak_frequency_hz": float(freq[sel][np.nanargmax(profile)])})
    return pd.DataFrame(rows)


def coherence(
    x1,
    x2=None,
    sampling_rate: float | None = None,
    *,
    channel: str | None = None,
    segment_s: float = 20.0,
    bands: Mapping[str, tuple[float, float]] | None = None,
) -> CoherenceResult:
    """Welch magnitude-squared coherence, with its mean and peak in bands of interest.

    Parameters
    ----------
    x1, x2 : array (n_times,), or a Session as ``x1``
    sampling_rate : float
    segment_s : float
        Welch segment length (choice: 20 s, a 0.05 Hz resolution).
    bands : mapping of name to (low_hz, high_hz), optional
        Bands to summarise; None gives one band ``all`` from 0 Hz to Nyquist.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> common = rng.normal(size=6000)
    >>> res = coherence(common + rng.normal(size=6000), common + rng.normal(size=6000), 10,
    ...                 bands={"slow": (0, 1)})
    >>> round(res.summary()["coherence_mean_slow"], 1)
    0.3
    """
    a1, a2, sr = as_pair(x1, x2, sampling_rate, channel)
    nperseg = to_samples(segment_s, sr, "segment_s", minimum=4)
    if nperseg > a1.size:
        raise ValueError(
            f"Invalid value for 'segment_s': {segment_s} s is longer than the series "
            f"({a1.size / sr:g} s)."
        )
    chosen = _bands(bands, sr)
    freq, coh = sps.coherence(a1, a2, fs=sr, nperseg=nperseg)
    return CoherenceResult(freq, coh, _band_table(freq, coh, chosen),
                           {"segment_s": nperseg / sr, "bands": chosen})


@dataclass
class WaveletCoherenceResult:
    """Wavelet coherence on a time x frequency grid.

    ``coherence`` and ``phase_rad`` (positive: partner 1 ahead) have shape
    ``(n_frequencies, n_times)``; ``inside_coi`` marks cells inside the cone of influence;
    ``coi_frequency_hz[t]`` is the lowest frequency outside it at each time.
    """

    times_s: np.ndarray = field(repr=False)
    frequency_hz: np.ndarray = field(repr=False)
    coherence: np.ndarray = field(repr=False)
    phase_rad: np.ndarray = field(repr=False)
    inside_coi: np.ndarray = field(repr=False)
    bands: pd.DataFrame
    params: dict = field(default_factory=dict)

    def summary(self) -> dict:
        """``wavelet_coherence_mean_<band>`` (outside the cone) per band."""
        return {f"wavelet_coherence_mean_{r.band}": r.mean_coherence
                for r in self.bands.itertuples()}

    def to_frame(self) -> pd.DataFrame:
        """Tidy rows: ``time_s``, ``frequency_hz``, ``coherence``, ``phase_rad``,
        ``inside_coi``."""
        n_f, n_t = self.coherence.shape
        return pd.DataFrame({
            "time_s": np.tile(self.times_s, n_f),
            "frequency_hz": np.repeat(self.frequency_hz, n_t),
            "coherence": self.coherence.ravel(),
            "phase_rad": self.phase_rad.ravel(),
            "inside_coi": self.inside_coi.ravel(),
        })


def wavelet_coherence(
    x1,
    x2=None,
    sampling_rate: float | None = None,
    *,
    channel: str | None = None,
    frequency_range_hz: tuple[float, float] | None = None,
    bands: Mapping[str, tuple[float, float]] | None = None,
) -> WaveletCoherenceResult:
    """Morlet wavelet coherence with the cone of influence (Grinsted et al. 2004).

    Parameters
    ----------
    frequency_range_hz : (low, high), optional
        Frequencies analysed, 12 per octave; None gives ``4 / duration`` to
        ``sampling_rate / 4`` (choice: the slowest rhythm seen four times, the fastest
        sampled four times per cycle).
    bands : mapping of name to (low_hz, high_hz), optional
        Bands summarised outside the cone; None gives one band ``all``.

    Examples
    --------
    >>> t = np.arange(3000) / 10
    >>> rng = np.random.default_rng(1)
    >>> x = np.sin(2 * np.pi * 0.2 * t)
    >>> res = wavelet_coherence(x + rng.normal(size=t.size), x + rng.normal(size=t.size), 10,
    ...                         bands={"rhythm": (0.15, 0.25), "fast": (1, 2)})
    >>> s = res.summary()
    >>> s["wavelet_coherence_mean_rhythm"] > 0.8 > s["wavelet_coherence_mean_fast"]
    True
    """
    a1, a2, sr = as_pair(x1, x2, sampling_rate, channel, min_samples=16)
    n = a1.size
    if frequency_range_hz is None:
        frequency_range_hz = (4 * sr / n, sr / 4)
    try:
        low, high = (float(f) for f in frequency_range_hz)
    except (TypeError, ValueError):
        low = high = np.nan
    if not 0 < low < high <= sr / 2:
        raise ValueError(
            f"Invalid value for 'frequency_range_hz': expected (low, high) with "
            f"0 < low < high <= {sr / 2:g} Hz, got {frequency_range_hz!r}."
        )
    periods, keep = period_grid((1 / high, 1 / low), DJ)
    w1, w2 = morlet_cwt(a1, sr, periods), morlet_cwt(a2, sr, periods)
    s1, s2 = auto_spectrum(w1, sr, periods), auto_spectrum(w2, sr, periods)
    coh = np.clip(wtc(w1, w2, s1, s2, sr, periods), 0, 1)[keep]
    scale = (periods / fourier_factor())[:, None]
    cross = smooth(w1 * np.conj(w2) / scale, sr, periods)[keep]
    inside = ~coi_valid(n, sr, periods)[keep]
    freq = 1 / periods[keep]
    chosen = _bands(bands, sr)
    return WaveletCoherenceResult(
        times_s=np.arange(n) / sr,
        frequency_hz=freq,
        coherence=coh,
        phase_rad=np.angle(cross),
        inside_coi=inside,
        bands=_band_table(freq, coh, chosen, mask=inside),
        params={"omega0": OMEGA0, "scales_per_octave": round(1 / DJ),
                "frequency_range_hz": (float(freq.min()), float(freq.max())), "bands": chosen},
    )
