"""Morlet wavelet transform and wavelet transform coherence (the arrays layer).

Continuous wavelet transform with the Morlet wavelet by FFT (Torrence & Compo 1998, Bull Am
Meteorol Soc 79:61), its cone of influence, and wavelet transform coherence with the smoothing
of Torrence & Webster (1999) as implemented by Grinsted et al. (2004, Nonlin Processes Geophys
11:561): a Gaussian in time (SD = scale) and a boxcar of 0.6 octaves in scale.
SciPy has no CWT any more; numpy's FFT suffices.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy import fft as sp_fft

from .._check import check_positive

#: Morlet centre frequency (Torrence & Compo 1998; Grinsted et al. 2004).
OMEGA0 = 6.0
#: Scale resolution, octaves per step (Torrence & Compo 1998 use 1/4 to 1/12; Grinsted 1/12).
DJ = 1 / 12
#: Width of the scale-smoothing boxcar in octaves (Torrence & Webster 1999 for Morlet).
SCALE_SMOOTH_OCTAVES = 0.6


def fourier_factor(omega0: float = OMEGA0) -> float:
    """Period / scale of the Morlet wavelet, 4 pi / (omega0 + sqrt(2 + omega0^2)).

    Examples
    --------
    >>> round(fourier_factor(6.0), 4)
    1.0330
    """
    return 4 * math.pi / (omega0 + math.sqrt(2 + omega0**2))


def _smoothing_half_width(dj: float) -> int:
    return int(round(SCALE_SMOOTH_OCTAVES / (2 * dj)))


def period_grid(band_s: Sequence[float], dj: float = DJ) -> tuple[np.ndarray, np.ndarray]:
    """Log-spaced periods (s) covering ``band_s`` plus a margin for the scale smoothing.

    Returns the periods and a boolean mask of those inside the band.

    Examples
    --------
    >>> periods, inside = period_grid((10, 20))
    >>> inside.sum(), round(float(periods[inside][0]), 3), round(float(periods[inside][-1]), 3)
    (np.int64(13), 10.0, 20.0)
    """
    lo, hi = (check_positive(p, "periods_s") for p in band_s)
    if not lo < hi:
        raise ValueError(f"'periods_s': expected (shortest, longest) with shortest < longest, "
                         f"got {tuple(band_s)!r}.")
    n_band = int(math.floor(math.log2(hi / lo) / dj + 1e-9)) + 1
    margin = _smoothing_half_width(dj)
    steps = np.arange(-margin, n_band + margin)
    periods = lo * 2.0 ** (steps * dj)
    return periods, (steps >= 0) & (steps < n_band)


def morlet_cwt(x: np.ndarray, sampling_rate: float, periods_s: np.ndarray,
               omega0: float = OMEGA0) -> np.ndarray:
    """Continuous wavelet transform with the Morlet wavelet, by FFT.

    Parameters
    ----------
    x : ndarray, shape (..., n_times)
        Real signals (the mean is removed; zero padding avoids wrap-around).
    sampling_rate : float
        Hz.
    periods_s : ndarray
        Fourier periods in seconds (scale = period / :func:`fourier_factor`).

    Returns
    -------
    ndarray, complex, shape (..., n_periods, n_times)

    Examples
    --------
    >>> t = np.arange(2000) / 10
    >>> w = morlet_cwt(np.sin(2 * np.pi * t / 8), 10, np.array([4.0, 8.0, 16.0]))
    >>> int(np.argmax(np.abs(w[:, 1000])))
    1
    """
    x = np.asarray(x, dtype=float)
    dt = 1 / check_positive(sampling_rate, "sampling_rate")
    n = x.shape[-1]
    n_pad = sp_fft.next_fast_len(2 * n)
    spectrum = sp_fft.fft(x - x.mean(-1, keepdims=True), n_pad, axis=-1)
    omega = 2 * np.pi * sp_fft.fftfreq(n_pad, dt)
    scales = np.asarray(periods_s, dtype=float) / fourier_factor(omega0)
    arg = scales[:, None] * omega[None, :]
    daughter = np.where(omega > 0, np.pi**-0.25 * np.exp(-0.5 * (arg - omega0) ** 2), 0.0)
    daughter *= np.sqrt(2 * np.pi * scales[:, None] / dt)
    w = sp_fft.ifft(spectrum[..., None, :] * daughter, axis=-1)
    return w[..., :n]


def coi_valid(n_times: int, sampling_rate: float, periods_s: np.ndarray,
              omega0: float = OMEGA0) -> np.ndarray:
    """True where a (period, time) cell lies outside the cone of influence.

    A cell is edge-affected when its e-folding time (sqrt(2) x scale; Torrence & Compo 1998)
    reaches past either end of the recording.

    Examples
    --------
    >>> coi_valid(100, 1.0, np.array([10.0, 80.0])).sum(axis=1).tolist()
    [72, 0]
    """
    dt = 1 / check_positive(sampling_rate, "sampling_rate")
    edge = np.minimum(np.arange(n_times), np.arange(n_times)[::-1]) * dt
    coi_period = fourier_factor(omega0) / math.sqrt(2) * edge
    return np.asarray(periods_s, dtype=float)[:, None] <= coi_period[None, :]


def smooth(w: np.ndarray, sampling_rate: float, periods_s: np.ndarray, dj: float = DJ,
           omega0: float = OMEGA0) -> np.ndarray:
    """Smooth wavelet-domain values in time (Gaussian, SD = scale) and in scale (boxcar).

    ``w`` has shape (..., n_periods, n_times); the periods are log-spaced by ``dj`` octaves.

    Examples
    --------
    >>> periods = 10 * 2.0 ** (np.arange(13) / 12)
    >>> s = smooth(np.ones((13, 300)), 1, periods)
    >>> round(float(s[6, 150]), 6), round(float(s[0, 150]), 2)
    (1.0, 0.56)
    """
    dt = 1 / check_positive(sampling_rate, "sampling_rate")
    n = w.shape[-1]
    scales = np.asarray(periods_s, dtype=float) / fourier_factor(omega0) / dt
    n_pad = sp_fft.next_fast_len(n + int(math.ceil(4 * scales.max())))
    k = 2 * np.pi * sp_fft.fftfreq(n_pad)
    gauss = np.exp(-0.5 * (scales[:, None] * k[None, :]) ** 2)
    timed = sp_fft.ifft(sp_fft.fft(w, n_pad, axis=-1) * gauss, axis=-1)[..., :n]
    if not np.iscomplexobj(w):
        timed = timed.real
    return _scale_boxcar(timed, dj)


def _scale_boxcar(w: np.ndarray, dj: float) -> np.ndarray:
    """Boxcar over the period axis (-2), zero beyond the grid (Grinsted's ``conv2 'same'``)."""
    steps = SCALE_SMOOTH_OCTAVES / (2 * dj)
    half = int(round(steps))
    frac = steps % 1
    kernel = np.r_[frac, np.ones(2 * half - 1), frac] / (2 * half - 1 + 2 * frac)
    pad = [(0, 0)] * w.ndim
    pad[-2] = (half, half)
    padded = np.pad(w, pad)
    n = w.shape[-2]
    return sum(c * padded[..., i : i + n, :] for i, c in enumerate(kernel) if c != 0)


def wtc(w1: np.ndarray, w2: np.ndarray, s1: np.ndarray, s2: np.ndarray, sampling_rate: float,
        periods_s: np.ndarray, dj: float = DJ, omega0: float = OMEGA0) -> np.ndarray:
    """Wavelet transform coherence from two transforms and their smoothed auto-spectra.

    ``s1 = smooth(|w1|^2 / scale)``, likewise ``s2``; WTC = |smooth(w1 conj(w2) / scale)|^2 /
    (s1 s2), in [0, 1].

    Examples
    --------
    >>> t = np.arange(1500) / 5
    >>> p = period_grid((10, 20))[0]
    >>> w1 = morlet_cwt(np.sin(2 * np.pi * t / 15), 5, p)
    >>> w2 = morlet_cwt(np.sin(2 * np.pi * t / 15 + 1), 5, p)
    >>> a1, a2 = (auto_spectrum(w, 5, p) for w in (w1, w2))
    >>> round(float(wtc(w1, w2, a1, a2, 5, p)[8, 750]), 3)
    1.0
    """
    scale = (np.asarray(periods_s, dtype=float) / fourier_factor(omega0))[:, None]
    cross = smooth(w1 * np.conj(w2) / scale, sampling_rate, periods_s, dj, omega0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (cross.real**2 + cross.imag**2) / (s1 * s2)


def auto_spectrum(w: np.ndarray, sampling_rate: float, periods_s: np.ndarray, dj: float = DJ,
                  omega0: float = OMEGA0) -> np.ndarray:
    """``smooth(|w|^2 / scale)``, the normaliser of :func:`wtc`.

    Examples
    --------
    >>> p = period_grid((10, 20))[0]
    >>> float(auto_spectrum(morlet_cwt(np.ones(300), 5, p), 5, p).max())
    0.0
    """
    scale = (np.asarray(periods_s, dtype=float) / fourier_factor(omega0))[:, None]
    return smooth((w.real**2 + w.imag**2) / scale, sampling_rate, periods_s, dj, omega0)
