"""Latent dynamics of the dyad: own processes, lagged coupling, the infant's distress.

The model is a bivariate autoregression in which each partner's state mixes their
own AR(1) process (a discretised Ornstein-Uhlenbeck process with time constant
``tau_s``) with the partner's state one response lag earlier::

    y2[t] = sqrt(1 - k12[t]^2) * u2[t] + k12[t] * y1[t - L12]    (partner 2 follows 1)
    y1[t] = sqrt(1 - k21[t]^2) * u1[t] + k21[t] * y2[t - L21]    (partner 1 follows 2)

This is the cross-lagged structure of Chow, Haltigan & Messinger (2010, Emotion
10:101) with time-varying, directed coupling and explicit lags: for one-way
coupling the cross-correlation peaks exactly at the lag, at about ``k``, and the
variance stays near 1. Substituting one line into the other gives a recursion of
partner 1 on its own past at the round-trip lag ``R = L12 + L21``, so the loop runs
over blocks of ``R`` samples (``n / R`` vector steps) rather than samples.
"""

from __future__ import annotations

import numpy as np
from scipy.signal import lfilter


def ar1(rng: np.random.Generator, shape: tuple[int, ...], tau_s: float, sampling_rate: float):
    """Unit-variance AR(1) noise along the last axis, stationary from the first sample.

    Examples
    --------
    >>> x = ar1(np.random.default_rng(0), (20000,), tau_s=1.0, sampling_rate=10)
    >>> round(float(x.std()), 1), round(float(np.corrcoef(x[:-10], x[10:])[0, 1]), 1)
    (1.0, 0.4)
    """
    a = np.exp(-1.0 / (tau_s * sampling_rate))
    e = rng.standard_normal(shape)
    e[..., 1:] *= np.sqrt(1.0 - a * a)
    return lfilter([1.0], [1.0, -a], e, axis=-1)


def coupled_pair(
    u1: np.ndarray, u2: np.ndarray, k12: np.ndarray, k21: np.ndarray, lag12: int, lag21: int
) -> tuple[np.ndarray, np.ndarray]:
    """Mix two own processes with directed, lagged, time-varying coupling.

    Parameters
    ----------
    u1, u2 : ndarray, shape (..., n)
        Each partner's own unit-variance process.
    k12, k21 : ndarray, shape (n,)
        Coupling 1 -> 2 and 2 -> 1 per sample, in ``[0, 1)``.
    lag12, lag21 : int
        Response lags in samples (>= 1): partner 2 responds to partner 1's state
        ``lag12`` samples ago, partner 1 to partner 2's ``lag21`` ago.

    Returns
    -------
    y1, y2 : ndarray, shape (..., n)
        The first ``lag12 + lag21`` samples are uncoupled; drop them as burn-in.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> u = rng.standard_normal((2, 50000))
    >>> k = np.full(50000, 0.6)
    >>> y1, y2 = coupled_pair(u[0], u[1], k, 0 * k, lag12=3, lag21=1)
    >>> round(float(np.corrcoef(y1[:-3], y2[3:])[0, 1]), 1)
    0.6
    """
    n = u1.shape[-1]
    lag = lag12 + lag21
    s1 = np.sqrt(1.0 - k21 * k21)
    s2 = np.sqrt(1.0 - k12 * k12)
    # y1[t] = c[t] + g[t] * y1[t - lag], with partner 2's own part fed through k21.
    c = s1 * u1
    c[..., lag21:] += k21[lag21:] * s2[: n - lag21] * u2[..., : n - lag21]
    g = np.zeros(n)
    g[lag:] = k21[lag:] * k12[lag12 : n - lag21]
    y1 = np.array(u1, dtype=float, copy=True)
    for start in range(lag, n, lag):
        stop = min(start + lag, n)
        y1[..., start:stop] = c[..., start:stop] + g[start:stop] * y1[..., start - lag : stop - lag]
    y2 = s2 * u2
    y2[..., lag12:] += k12[lag12:] * y1[..., : n - lag12]
    return y1, y2


def oscillation(
    rng: np.random.Generator,
    shape: tuple[int, ...],
    freq_hz: float,
    bandwidth_hz: float,
    sampling_rate: float,
) -> np.ndarray:
    """Complex narrow-band oscillation (a damped oscillator driven by noise), unit power.

    Its phase drifts at a rate set by ``bandwidth_hz``, so two independent ones lose
    phase locking; mixing one into the other (see :mod:`.observe`) restores it.

    Examples
    --------
    >>> z = oscillation(np.random.default_rng(0), (30000,), 6.0, 1.0, 30.0)
    >>> f = np.fft.fftfreq(z.size, 1 / 30)[np.argmax(np.abs(np.fft.fft(z)))]
    >>> round(float(np.mean(np.abs(z) ** 2)), 1), bool(5.5 < f < 6.5)
    (1.0, True)
    """
    r = np.exp(-np.pi * bandwidth_hz / sampling_rate)
    pole = r * np.exp(2j * np.pi * freq_hz / sampling_rate)
    e = rng.standard_normal(shape) + 1j * rng.standard_normal(shape)
    e *= np.sqrt((1.0 - r * r) / 2.0)
    e[..., 0] /= np.sqrt(1.0 - r * r)
    return lfilter([1.0], [1.0, -pole], e, axis=-1)


def distress(
    drive: np.ndarray, sampling_rate: float, rise_s: float, recovery_s: float
) -> np.ndarray:
    """The infant's distress: relaxes toward ``drive`` (0-1), faster up than down.

    When the caregiver's contingent responsiveness is lost (``drive`` > 0: a
    rupture, the still-face) distress rises with time constant ``rise_s``; once it
    returns, distress recovers with the slower ``recovery_s``, a carry-over into
    the reunion (Mesman et al. 2009, Dev Rev 29:120) and a rise within the
    still-face (Mattson et al. 2013). The drive is piecewise constant, so each
    stretch is solved in closed form.

    Examples
    --------
    >>> d = distress(np.r_[np.ones(30), np.zeros(30)], 1.0, rise_s=10, recovery_s=40)
    >>> round(float(d[29]), 2), round(float(d[59]), 2)
    (0.95, 0.45)
    """
    out = np.empty(drive.shape)
    edges = np.r_[0, np.flatnonzero(np.diff(drive)) + 1, drive.size]
    level = 0.0
    for i0, i1 in zip(edges[:-1], edges[1:], strict=True):
        target = drive[i0]
        tau = rise_s if target > level else recovery_s
        steps = np.arange(1, i1 - i0 + 1) / (tau * sampling_rate)
        out[i0:i1] = target + (level - target) * np.exp(-steps)
        level = out[i1 - 1]
    return out
