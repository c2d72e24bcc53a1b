"""Band-limited analytic signals for inter-brain synchrony (the arrays layer).

As HyPyP's ``compute_freq_bands`` (HyPyP 0.6.2, ``hypyp/analyses.py``): each band is band-passed
with MNE's FIR filter at its default options (``mne.filter.filter_data``: firwin design, Hamming
window, zero phase, 'auto' length and transition bands, 'reflect_limited' edge padding), then
turned into an analytic signal with ``scipy.signal.hilbert``. Here MNE's overlap-add runs over
all rows at once instead of one row at a time, with the same arithmetic.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache

import numpy as np
from scipy import fft as sp_fft
from scipy.signal import hilbert

from .._check import check_positive, soft_import
from .._log import logger

#: Bytes of input per block of rows: keeps temporaries small enough to be reused, not re-mapped.
ROW_BLOCK_BYTES = 2**23

#: Adult EEG bands in Hz (HyPyP's tutorial bands; SCIENCE.md, inter-brain synchrony).
EEG_BANDS: dict[str, tuple[float, float]] = {
    "theta": (4.0, 7.0),
    "alpha_low": (7.5, 11.0),
    "alpha_high": (11.5, 13.0),
    "beta": (13.5, 29.5),
    "gamma": (30.0, 48.0),
}


def check_bands(
    bands: Mapping[str, Sequence[float]] | Sequence[str] | str | None,
    sampling_rate: float | None = None,
) -> dict[str, tuple[float, float]]:
    """Return ``bands`` as ``{name: (fmin_hz, fmax_hz)}``, checked against the Nyquist frequency.

    ``None`` gives :data:`EEG_BANDS`; names (a list or a comma-separated string) pick from it.

    Examples
    --------
    >>> check_bands("theta,alpha_low")
    {'theta': (4.0, 7.0), 'alpha_low': (7.5, 11.0)}
    >>> check_bands({"slow": [1, 3]}, sampling_rate=100)
    {'slow': (1.0, 3.0)}
    """
    if bands is None:
        bands = dict(EEG_BANDS)
    if isinstance(bands, str):
        bands = [b.strip() for b in bands.split(",") if b.strip()]
    if not isinstance(bands, Mapping):
        unknown = [b for b in bands if b not in EEG_BANDS]
        if unknown or not bands:
            raise ValueError(
                f"Invalid value for the 'bands' parameter. Allowed names are "
                f"{', '.join(EEG_BANDS)} (or a mapping name -> (fmin, fmax)), but got "
                f"{unknown or list(bands)!r}."
            )
        bands = {b: EEG_BANDS[b] for b in bands}
    out: dict[str, tuple[float, float]] = {}
    for name, edges in bands.items():
        try:
            lo, hi = (float(e) for e in edges)
        except (TypeError, ValueError):
            raise ValueError(
                f"Invalid band {name!r}: expected (fmin, fmax) in Hz, got {edges!r}."
            ) from None
        if not 0 < lo < hi:
            raise ValueError(f"Invalid band {name!r}: expected 0 < fmin < fmax, got {edges!r}.")
        if sampling_rate is not None and hi >= sampling_rate / 2:
            raise ValueError(
                f"Invalid band {name!r} ({lo:g}-{hi:g} Hz): fmax must lie below the Nyquist "
                f"frequency (sampling_rate / 2 = {sampling_rate / 2:g} Hz)."
            )
        out[str(name)] = (lo, hi)
    if not out:
        raise ValueError("Invalid value for the 'bands' parameter: no band given.")
    return out


@lru_cache(maxsize=64)
def fir_kernel(sampling_rate: float, l_freq: float, h_freq: float) -> np.ndarray:
    """MNE's default zero-phase FIR band-pass kernel (``mne.filter.create_filter``).

    Examples
    --------
    >>> h = fir_kernel(500.0, 8.0, 12.0)
    >>> len(h), len(h) % 2
    (825, 1)
    """
    mne = soft_import("mne", "Inter-brain synchrony (band-pass filters)")
    h = mne.filter.create_filter(None, sampling_rate, l_freq, h_freq, verbose=False)
    h = np.asarray(h, dtype=float)
    h.setflags(write=False)
    return h


def _reflect_limited(x: np.ndarray, pad: int) -> np.ndarray:
    """Odd reflection about each end, ``pad`` samples (``pad < n_times``; MNE's padding)."""
    if pad == 0:
        return x
    left = 2 * x[..., :1] - x[..., pad:0:-1]
    right = 2 * x[..., -1:] - x[..., -2 : -pad - 2 : -1]
    return np.concatenate([left, x, right], axis=-1)


def _next_5_smooth(target: int) -> int:
    """Smallest n >= target whose prime factors are 2, 3 and 5 (MNE's FFT sizes)."""
    n = max(int(target), 1)
    while True:
        m = n
        for p in (2, 3, 5):
            while m % p == 0:
                m //= p
        if m == 1:
            return n
        n += 1


def _block_length(n_h: int, n_x: int) -> int:
    """MNE's overlap-add FFT length: the power of two that minimises multiplications plus a
    penalty on long FFTs, or one 5-smooth block when the padded signal is shorter."""
    min_fft = 2 * n_h - 1
    if n_x < min_fft:
        return _next_5_smooth(min_fft)
    sizes = 2 ** np.arange(np.ceil(np.log2(min_fft)), np.ceil(np.log2(n_x)) + 1, dtype=int)
    cost = np.ceil(n_x / (sizes - n_h + 1).astype(float)) * sizes * (np.log2(sizes) + 1)
    return int(sizes[np.argmin(cost + 4e-5 * sizes * n_x)])


def fir_filter(data: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Zero-phase FIR filtering along the last axis, as ``mne.filter.filter_data``.

    The signal is padded by ``min(len(kernel), n_times) - 1`` odd-reflected samples at each
    end ('reflect_limited'), filtered by overlap-add with MNE's FFT block length and cropped.
    The arithmetic is MNE's, in the same order, over all rows at once, so the results agree
    with MNE's to the last bit (which matters for sign-based measures such as PLI: the first
    and last samples of an odd-reflected, band-passed epoch are zero up to rounding).

    Examples
    --------
    >>> x = np.random.default_rng(0).normal(size=(2, 50))
    >>> np.allclose(fir_filter(x, np.array([1.0])), x)
    True
    """
    x = np.asarray(data, dtype=float)
    n, n_h = x.shape[-1], len(kernel)
    n_edge = max(min(n_h, n) - 1, 0)
    x_ext = _reflect_limited(x, n_edge)
    n_x = x_ext.shape[-1]
    n_fft = _block_length(n_h, n_x)
    h_fft = sp_fft.rfft(kernel, n=n_fft)
    n_seg = n_fft - n_h + 1
    shift = (n_h - 1) // 2 + n_edge
    out = np.zeros_like(x_ext)
    for start in range(0, n_x, n_seg):
        prod = sp_fft.irfft(sp_fft.rfft(x_ext[..., start : start + n_seg], n_fft) * h_fft, n_fft)
        lo, hi = max(0, start - shift), min(start - shift + n_fft, n_x)
        first = max(0, shift - start)
        out[..., lo:hi] += prod[..., first : first + hi - lo]
    return out[..., :n]


def band_analytic(
    data: np.ndarray,
    sampling_rate: float,
    bands: Mapping[str, Sequence[float]] | Sequence[str] | None = None,
) -> np.ndarray:
    """Band-pass ``data`` in each band and return the analytic signals.

    Parameters
    ----------
    data : ndarray, shape (..., n_times)
        Real signals, e.g. (n_epochs, n_channels, n_times); each row is filtered on its own.
    sampling_rate : float
        Hz.
    bands : mapping, list of names or None
        ``{name: (fmin, fmax)}`` in Hz; None gives :data:`EEG_BANDS` (see :func:`check_bands`).

    Returns
    -------
    ndarray, complex, shape (n_bands, ..., n_times)
        As HyPyP's ``compute_freq_bands`` (MNE FIR band-pass at default options per band, then
        ``scipy.signal.hilbert``), with the band axis first.

    Examples
    --------
    >>> t = np.arange(1000) / 250
    >>> z = band_analytic(np.sin(2 * np.pi * 10 * t)[None], 250, {"alpha": (8, 12)})
    >>> z.shape, round(float(np.abs(z[0, 0, 500])), 2)
    ((1, 1, 1000), 1.0)
    """
    sampling_rate = check_positive(sampling_rate, "sampling_rate")
    bands = check_bands(bands, sampling_rate)
    x = np.asarray(data, dtype=float)
    if x.ndim < 1 or x.shape[-1] < 2:
        raise ValueError(f"'data': expected shape (..., n_times) with n_times >= 2, got {x.shape}.")
    if not np.isfinite(x).all():
        raise ValueError("'data': holds NaN or infinite values; filtering needs finite data.")
    kernels = [fir_kernel(sampling_rate, lo, hi) for lo, hi in bands.values()]
    for (name, (lo, hi)), h in zip(bands.items(), kernels, strict=True):
        if len(h) > x.shape[-1]:
            logger.warning(
                "band %r (%g-%g Hz): the FIR filter (%d samples) is longer than the signal "
                "(%d samples); the filter's edges distort the band (as in HyPyP/MNE).",
                name, lo, hi, len(h), x.shape[-1],
            )
    rows = x.reshape(-1, x.shape[-1])
    out = np.empty((len(kernels),) + rows.shape, dtype=complex)
    step = max(1, ROW_BLOCK_BYTES // (8 * rows.shape[-1]))
    for start in range(0, len(rows), step):
        block = rows[start : start + step]
        for k, h in enumerate(kernels):
            out[k, start : start + step] = hilbert(fir_filter(block, h), axis=-1)
    return out.reshape((len(kernels),) + x.shape)
