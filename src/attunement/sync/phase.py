"""Phase synchrony of behavioural signals: Hilbert phase, phase locking, relative phase.

Each signal's instantaneous phase is the angle of its analytic signal (Hilbert
transform of the mean-removed, optionally band-passed series). The relative phase
``phi_1 - phi_2`` is summarised by the phase-locking value (PLV, the length of the mean
resultant vector; Lachaux et al. 1999, Hum Brain Mapp 8:194) over the session and in
sliding windows, and by its distribution over nine 20-degree regions of ``|phi_1 - phi_2|``
from 0 to 180 degrees (Schmidt & O'Brien 1997, Ecol Psychol 9:189; Richardson et al.
2007, Hum Mov Sci 26:867). Positive relative phase means partner 1 is ahead.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import signal as sps

from .._check import check_positive
from .._pairs import as_pair, check_finite, window_samples

#: Regions of |relative phase| in degrees (published: nine 20-degree regions).
PHASE_REGIONS_DEG = np.arange(0, 181, 20)


def hilbert_phase(x, sampling_rate: float, band_hz: tuple[float, float] | None = None,
                  *, order: int = 4) -> np.ndarray:
    """Instantaneous phase (radians, in ``(-pi, pi]``) of one signal.

    Parameters
    ----------
    x : array of shape (n_times,) or (n_signals, n_times)
        Signal(s) without gaps; the mean is removed first.
    sampling_rate : float
        Samples per second (Hz).
    band_hz : (low, high), optional
        Zero-phase Butterworth band-pass before the transform (``low = 0`` gives a
        low-pass). None (default) keeps the signal as it is. ``order = 4`` is a choice.

    Examples
    --------
    >>> t = np.arange(200) / 20
    >>> phase = hilbert_phase(np.cos(2 * np.pi * t), 20)
    >>> round(float(phase[100]), 6)
    0.0
    """
    sr = check_positive(sampling_rate, "sampling_rate")
    a = np.asarray(x, dtype=float)
    if a.ndim not in (1, 2) or a.shape[-1] < 3:
        raise ValueError(
            f"Invalid value for 'x': expected shape (n_times,) or (n_signals, n_times) with "
            f"at least 3 samples, got {a.shape}."
        )
    check_finite(a, "x")
    a = a - a.mean(axis=-1, keepdims=True)
    if band_hz is not None:
        a = bandpass(a, sr, band_hz, order=order)
    return np.angle(sps.hilbert(a, axis=-1))


def bandpass(a: np.ndarray, sampling_rate: float, band_hz, *, order: int = 4) -> np.ndarray:
    """Zero-phase Butterworth band-pass (or low-pass when ``band_hz[0] == 0``)."""
    try:
        low, high = (float(v) for v in band_hz)
    except (TypeError, ValueError):
        raise ValueError(
            f"Invalid value for 'band_hz': expected (low, high) in Hz, got {band_hz!r}."
        ) from None
    nyquist = sampling_rate / 2
    if not 0 <= low < high < nyquist:
        raise ValueError(
            f"Invalid value for 'band_hz': expected 0 <= low < high < {nyquist:g} Hz "
            f"(the Nyquist frequency), got {band_hz!r}."
        )
    if low == 0:
        sos = sps.butter(order, high, btype="lowpass", fs=sampling_rate, output="sos")
    else:
        sos = sps.butter(order, [low, high], btype="bandpass", fs=sampling_rate, output="sos")
    return sps.sosfiltfilt(sos, a, axis=-1)


def wrap(angle: np.ndarray) -> np.ndarray:
    """Wrap angles to ``(-pi, pi]``."""
    return np.angle(np.exp(1j * np.asarray(angle)))


@dataclass
class PhaseSyncResult:
    """Relative phase of two partners and its summaries.

    ``relative_phase`` is per sample (radians); ``window_onset_s`` / ``window_plv`` give
    the PLV in sliding windows; ``distribution`` the share of samples per region of
    ``|relative phase|`` (``region_low_deg``, ``region_high_deg``, ``proportion``).
    """

    times_s: np.ndarray = field(repr=False)
    relative_phase: np.ndarray = field(repr=False)
    plv: float
    mean_relative_phase_rad: float
    window_onset_s: np.ndarray = field(repr=False)
    window_plv: np.ndarray = field(repr=False)
    distribution: pd.DataFrame = field(repr=False)
    params: dict = field(default_factory=dict)

    def summary(self) -> dict:
        """PLV, mean relative phase, mean windowed PLV, in-phase and anti-phase shares."""
        share = self.distribution["proportion"].to_numpy()
        return {
            "phase_plv": self.plv,
            "phase_mean_relative_phase_rad": self.mean_relative_phase_rad,
            "phase_window_mean_plv": float(np.mean(self.window_plv)),
            "phase_inphase_proportion": float(share[0]),
            "phase_antiphase_proportion": float(share[-1]),
        }

    def to_frame(self) -> pd.DataFrame:
        """One row per window: ``onset_s``, ``duration_s``, ``plv``."""
        return pd.DataFrame({"onset_s": self.window_onset_s,
                             "duration_s": self.params["window_s"], "plv": self.window_plv})


def phase_sync(
    x1,
    x2=None,
    sampling_rate: float | None = None,
    *,
    channel: str | None = None,
    band_hz: tuple[float, float] | None = None,
    window_s: float = 30.0,
    step_s: float | None = None,
) -> PhaseSyncResult:
    """Phase synchrony of two partners' signals.

    Parameters
    ----------
    x1, x2 : array of shape (n_times,), or a Session as ``x1``
        The two partners' signals (``channel`` picks one from a Session).
    sampling_rate : float
        Samples per second (Hz).
    band_hz : (low, high), optional
        Band-pass applied before the Hilbert transform; None keeps the signals whole.
    window_s, step_s : float
        Sliding windows for the PLV time course (choice: 30 s, moved by half a window).

    Examples
    --------
    >>> t = np.arange(3000) / 10
    >>> res = phase_sync(np.sin(t), np.sin(t - 0.5), 10)
    >>> round(res.plv, 2), round(res.mean_relative_phase_rad, 2)
    (1.0, 0.5)
    """
    a1, a2, sr = as_pair(x1, x2, sampling_rate, channel)
    width, step = window_samples(window_s, step_s, sr, a1.size)
    phases = hilbert_phase(np.vstack([a1, a2]), sr, band_hz)
    rel = wrap(phases[0] - phases[1])
    unit = np.exp(1j * rel)
    starts = np.arange(0, a1.size - width + 1, step)
    csum = np.concatenate([[0], np.cumsum(unit)])
    window_plv = np.abs(csum[starts + width] - csum[starts]) / width
    counts, _ = np.histogram(np.degrees(np.abs(rel)), bins=PHASE_REGIONS_DEG)
    distribution = pd.DataFrame({"region_low_deg": PHASE_REGIONS_DEG[:-1],
                                 "region_high_deg": PHASE_REGIONS_DEG[1:],
                                 "proportion": counts / rel.size})
    return PhaseSyncResult(
        times_s=np.arange(a1.size) / sr,
        relative_phase=rel,
        plv=float(np.abs(unit.mean())),
        mean_relative_phase_rad=float(np.angle(unit.mean())),
        window_onset_s=starts / sr,
        window_plv=window_plv,
        distribution=distribution,
        params={"band_hz": None if band_hz is None else tuple(band_hz),
                "window_s": width / sr, "step_s": step / sr},
    )

