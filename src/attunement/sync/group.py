"""Group synchrony of more than two signals (several channels of a dyad, families, teams).

The measures and their definitions follow multiSyncPy 0.1.2 (Hudson, Wiltshire & Atzmueller
2023, Behav Res Methods 55:932), with which they agree to floating precision:

- cluster-phase rho (Richardson et al. 2012, Front Physiol 3:405),
- Kuramoto order parameter (Kuramoto 1984; Frank & Richardson 2010, Physica D 239:2084),
- team coherence: mean Welch coherence over pairs and frequencies (Reinero, Dikker & Van
  Bavel 2021, SCAN 16:43),
- sum-normalised cross-spectral density (multiSyncPy),
- symbolic entropy of the joint low/middle/high tercile pattern (multiSyncPy),
- multidimensional recurrence quantification (MdRQA; Wallot et al. 2016, Front Psychol
  7:1835).

``signals`` is an array of shape ``(n_signals, n_times)`` or a Session (every partner's
every channel, labelled ``partner/channel``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations

import numpy as np
import pandas as pd
from scipy import signal as sps

from .._check import check_positive
from .._pairs import check_finite, check_int, to_samples
from ..session import Session
from ._rqa_engine import embed_length, recurrence_counts
from .phase import hilbert_phase
from .recurrence import RQAResult, n_cells_outside, rqa_measures


def as_signals(signals, sampling_rate=None) -> tuple[np.ndarray, list[str], float]:
    """Return ``(n_signals, n_times)`` floats, their labels and the sampling rate."""
    if isinstance(signals, Session):
        labels = [f"{p}/{c}" for p, c in signals.signals.columns]
        data = signals.signals.to_numpy(dtype=float).T
        sampling_rate = signals.sampling_rate
    else:
        data = np.asarray(signals, dtype=float)
        if data.ndim != 2:
            raise ValueError(
                "Invalid value for 'signals': expected shape (n_signals, n_times), got "
                f"{data.shape}."
            )
        labels = [f"signal_{i + 1}" for i in range(data.shape[0])]
    if data.shape[0] < 2 or data.shape[1] < 4:
        raise ValueError(
            "Invalid value for 'signals': expected at least 2 signals of at least 4 samples "
            f"(shape (n_signals, n_times)), got {data.shape}."
        )
    check_finite(data, "signals")
    if sampling_rate is None:
        raise ValueError("Invalid value for 'sampling_rate': expected a number (Hz), got None.")
    return data, labels, check_positive(sampling_rate, "sampling_rate")


@dataclass
class GroupResult:
    """One group measure: ``value`` and, in ``detail``, its parts as a tidy table."""

    name: str
    value: float
    detail: pd.DataFrame = field(repr=False)
    params: dict = field(default_factory=dict)

    def summary(self) -> dict:
        """``{name: value}``."""
        return {self.name: self.value}

    def to_frame(self) -> pd.DataFrame:
        """The detail table (per signal, pair or time point)."""
        return self.detail.copy()


def _phases(signals, sampling_rate, is_phase, band_hz):
    data, labels, sr = as_signals(signals, sampling_rate)
    return (data if is_phase else hilbert_phase(data, sr, band_hz)), labels, sr


def cluster_phase(signals, sampling_rate: float | None = None, *, is_phase: bool = False,
                  band_hz: tuple[float, float] | None = None) -> GroupResult:
    """Cluster-phase synchrony rho (Richardson et al. 2012), averaged over time.

    The group phase ``q(t)`` is the angle of the mean unit phasor; each signal's phase
    relative to it is averaged over time to its mean relative phase; ``rho(t)`` is the
    length of the mean phasor of the deviations from those means. ``detail`` holds
    ``rho`` per time point (``time_s``).

    Parameters
    ----------
    signals : array (n_signals, n_times) or Session
    sampling_rate : float
    is_phase : bool
        True when ``signals`` already holds phases in radians.
    band_hz : (low, high), optional
        Band-pass before the Hilbert transform (see :func:`~attunement.sync.phase.hilbert_phase`).

    Examples
    --------
    >>> t = np.arange(1000) / 10
    >>> res = cluster_phase(np.vstack([np.sin(t), np.sin(t + 1), np.sin(t - 1)]), 10)
    >>> round(res.value, 3)
    1.0
    """
    phases, _, sr = _phases(signals, sampling_rate, is_phase, band_hz)
    # one complex exponential: rotating by an angle is a product with its unit phasor
    phasors = np.exp(1j * phases)
    relative = phasors * _unit(phasors.mean(axis=0)).conj()
    rho_t = np.abs((relative * _unit(relative.mean(axis=1)).conj()[:, None]).mean(axis=0))
    detail = pd.DataFrame({"time_s": np.arange(rho_t.size) / sr, "rho": rho_t})
    return GroupResult("cluster_phase_rho", float(rho_t.mean()), detail,
                       {"band_hz": band_hz, "is_phase": is_phase})


def _unit(z: np.ndarray) -> np.ndarray:
    """``exp(1j * angle(z))``: 1 where ``z`` is 0, as ``np.angle(0) = 0``."""
    size = np.abs(z)
    return np.where(size > 0, z / np.where(size > 0, size, 1.0), 1.0)


def kuramoto_order(signals, sampling_rate: float | None = None, *, is_phase: bool = False,
                   band_hz: tuple[float, float] | None = None) -> GroupResult:
    """Kuramoto order parameter ``r(t) = |mean_k exp(i phi_k(t))|``, averaged over time.

    ``detail`` holds ``r`` per time point (``time_s``, ``order``).

    Examples
    --------
    >>> t = np.arange(1000) / 10
    >>> round(kuramoto_order(np.vstack([np.sin(t), np.sin(t + np.pi)]), 10).value, 3)
    0.0
    """
    phases, _, sr = _phases(signals, sampling_rate, is_phase, band_hz)
    order = np.abs(np.exp(1j * phases).mean(axis=0))
    detail = pd.DataFrame({"time_s": np.arange(order.size) / sr, "order": order})
    return GroupResult("kuramoto_order", float(order.mean()), detail,
                       {"band_hz": band_hz, "is_phase": is_phase})


def _segment(n_times: int, sampling_rate: float, segment_s: float | None) -> int:
    """Welch segment length: multiSyncPy's rule when None (256, or N // 4 if N < 1024)."""
    if segment_s is None:
        return 256 if n_times // 256 >= 4 else n_times // 4
    return to_samples(segment_s, sampling_rate, "segment_s", minimum=4)


def _pairwise(name, signals, sampling_rate, segment_s, func) -> GroupResult:
    """``func(spectra_i, spectra_j)`` for every pair, from each signal's Welch segment
    spectra computed once (:func:`_segment_spectra`)."""
    data, labels, sr = as_signals(signals, sampling_rate)
    nperseg = _segment(data.shape[1], sr, segment_s)
    spectra, weight = _segment_spectra(data, nperseg)
    power = (spectra.real ** 2 + spectra.imag ** 2).mean(axis=1)  # (n_signals, n_freq)
    pairs = list(combinations(range(len(data)), 2))
    values = [func(np.einsum("sf,sf->f", spectra[i].conj(), spectra[j]) / spectra.shape[1],
                   power[i], power[j], weight) for i, j in pairs]
    detail = pd.DataFrame({"channel_1": [labels[i] for i, _ in pairs],
                           "channel_2": [labels[j] for _, j in pairs],
                           "value": np.asarray(values, dtype=float)})
    return GroupResult(name, float(detail["value"].mean()), detail,
                       {"segment_s": nperseg / sr})


def _segment_spectra(data: np.ndarray, nperseg: int) -> tuple[np.ndarray, np.ndarray]:
    """Each signal's Welch segments as scipy's ``csd`` makes them (Hann window, 50 %
    overlap, each segment's mean removed, no padding), Fourier transformed once:
    (n_signals, n_segments, n_freq), and the one-sided doubling of each frequency (1 at 0
    and at Nyquist, else 2) that scipy applies to every spectrum; the common density scale
    cancels in both measures."""
    step = nperseg - nperseg // 2
    segments = np.lib.stride_tricks.sliding_window_view(data, nperseg, axis=-1)[:, ::step]
    segments = segments - segments.mean(axis=-1, keepdims=True)
    spectra = np.fft.rfft(segments * sps.get_window("hann", nperseg), axis=-1)
    weight = np.full(spectra.shape[-1], 2.0)
    weight[0] = 1.0
    if nperseg % 2 == 0:
        weight[-1] = 1.0
    return spectra, weight


def team_coherence(signals, sampling_rate: float | None = None, *,
                   segment_s: float | None = None) -> GroupResult:
    """Mean magnitude-squared Welch coherence over all pairs and all frequencies.

    Welch with a Hann window and 50% overlap; ``segment_s = None`` takes multiSyncPy's
    segment of 256 samples (N // 4 for series under 1,024 samples). ``detail`` has one
    row per pair (``channel_1``, ``channel_2``, ``value``). Each signal's segment spectra
    are computed once and shared by its pairs (equal to ``scipy.signal.coherence`` per
    pair, which multiSyncPy calls).

    Examples
    --------
    >>> x = np.random.default_rng(0).normal(size=(3, 2048))
    >>> res = team_coherence(x + x[0], 10)
    >>> len(res.to_frame()), res.value > 0.3
    (3, True)
    """
    def coh(sxy, sxx, syy, weight):
        # the doubling of one-sided spectra cancels in each frequency's ratio
        return float(((sxy.real ** 2 + sxy.imag ** 2) / (sxx * syy)).mean())

    return _pairwise("team_coherence", signals, sampling_rate, segment_s, coh)


def sum_normalized_csd(signals, sampling_rate: float | None = None, *,
                       segment_s: float | None = None) -> GroupResult:
    """Sum-normalised cross-spectral density, averaged over pairs (multiSyncPy).

    Per pair ``sum_f |S_xy(f)|^2 / sum_f S_xx(f) S_yy(f)`` with Welch spectra as in
    :func:`team_coherence`; less affected by broadband noise than mean coherence.

    Examples
    --------
    >>> x = np.random.default_rng(0).normal(size=(2, 2048))
    >>> sum_normalized_csd(x, 10).value < sum_normalized_csd(x + x[0], 10).value
    True
    """
    def csd(sxy, sxx, syy, weight):
        w2 = weight * weight  # scipy's one-sided doubling, squared by both products
        return float((w2 * (sxy.real ** 2 + sxy.imag ** 2)).sum() / (w2 * sxx * syy).sum())

    return _pairwise("sum_normalized_csd", signals, sampling_rate, segment_s, csd)


def symbolic_entropy(signals, sampling_rate: float | None = None) -> GroupResult:
    """Shannon entropy (nats) of the joint tercile pattern across signals (multiSyncPy).

    Each signal is coded 0/1/2 below its first tercile, below its second, or above;
    the patterns across signals at each time point are counted. Low entropy means the
    group visits few joint states. ``detail`` lists each pattern's ``proportion``.

    Examples
    --------
    >>> x = np.random.default_rng(0).normal(size=1000)
    >>> round(symbolic_entropy(np.vstack([x, x]), 1).value, 3)  # 3 joint states
    1.099
    """
    data, labels, _ = as_signals(signals, sampling_rate)
    cuts = np.quantile(data, [1 / 3, 2 / 3], axis=1)
    codes = np.where(data < cuts[0][:, None], 0, np.where(data < cuts[1][:, None], 1, 2))
    patterns, counts = np.unique(codes.T, axis=0, return_counts=True)
    p = counts / counts.sum()
    detail = pd.DataFrame({"pattern": ["".join(map(str, row)) for row in patterns],
                           "proportion": p})
    return GroupResult("symbolic_entropy", float(-(p * np.log(p)).sum()), detail, {})


def mdrqa(
    signals,
    sampling_rate: float | None = None,
    *,
    radius: float = 0.5,
    dimension: int = 1,
    delay_s: float | None = None,
    normalize: bool = True,
    theiler_s: float | None = None,
    min_diagonal_line: int = 2,
    min_vertical_line: int = 2,
) -> RQAResult:
    """Multidimensional recurrence quantification of the group's joint state.

    The signals at each time point (and, with ``dimension > 1``, at the delays) form
    one state vector; two time points recur when their Euclidean distance is below
    ``radius``. Cells within ``theiler_s`` of the line of identity are left out of every
    measure; the recurrence rate is over the remaining cells. Defaults follow
    multiSyncPy: z-scored signals, radius 0.5 (its examples), only the line of identity
    left out (``theiler_s = None``: one sample), lines of at least 2 points.

    multiSyncPy's ``rqa_metrics`` reports the mean line over *all* diagonal lines,
    single points included: that is ``average_diagonal_line_s`` with
    ``min_diagonal_line=1``.

    Examples
    --------
    >>> t = np.arange(400) / 10
    >>> res = mdrqa(np.vstack([np.sin(t), np.cos(t), np.sin(2 * t)]), 10)
    >>> round(res.recurrence_rate, 3), round(res.determinism, 3)
    (0.071, 0.995)
    """
    data, _, sr = as_signals(signals, sampling_rate)
    dimension = check_int(dimension, "dimension", 1)
    delay = 1 if delay_s is None else to_samples(delay_s, sr, "delay_s")
    theiler = 1 if theiler_s is None else to_samples(theiler_s, sr, "theiler_s", minimum=0)
    check_positive(radius, "radius")
    check_int(min_diagonal_line, "min_diagonal_line", 1)
    check_int(min_vertical_line, "min_vertical_line", 1)
    if normalize:
        sd = data.std(axis=1, keepdims=True)
        if np.any(sd == 0):
            raise ValueError("Invalid value for 'signals': a signal is constant; it cannot be "
                             "normalised (pass normalize=False).")
        data = (data - data.mean(axis=1, keepdims=True)) / sd
    n = embed_length(data.shape[1], dimension, delay)
    if n < 2:
        raise ValueError(f"Invalid input: {data.shape[1]} samples leave fewer than 2 delay "
                         f"vectors with dimension={dimension} and delay {delay} sample(s).")
    counts = recurrence_counts(data.T, data.T, dimension=dimension, delay=delay,
                               radius=float(radius), theiler=theiler)
    n_cells = n_cells_outside(n, theiler)
    params = dict(radius=float(radius), dimension=dimension, delay_s=delay / sr,
                  normalize=normalize, theiler_s=theiler / sr,
                  min_diagonal_line=min_diagonal_line, min_vertical_line=min_vertical_line)
    return rqa_measures(counts, n_cells, sr, min_diagonal_line, min_vertical_line,
                        params=params, prefix="mdrqa")
