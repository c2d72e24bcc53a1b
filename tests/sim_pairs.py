"""Small simulated dyads with known coupling, for the synchrony-measure tests."""

from __future__ import annotations

import numpy as np


def coupled_ar1(n, *, phi=0.8, c12=0.0, c21=0.0, seed=0, burn=200):
    """Bivariate AR(1): ``x1[t] = phi x1[t-1] + c21 x2[t-1] + e``, ``x2`` likewise with ``c12``.

    ``c12`` is partner 1's influence on partner 2 (1 leads 2); ``c21`` the reverse.
    """
    rng = np.random.default_rng(seed)
    e = rng.normal(size=(n + burn, 2))
    x = np.zeros((n + burn, 2))
    for t in range(1, n + burn):
        x[t, 0] = phi * x[t - 1, 0] + c21 * x[t - 1, 1] + e[t, 0]
        x[t, 1] = phi * x[t - 1, 1] + c12 * x[t - 1, 0] + e[t, 1]
    return x[burn:, 0], x[burn:, 1]


def oscillators(n, sampling_rate, *, coupling, freqs=(0.5, 0.55), noise=0.3, seed=0):
    """Phases of noisy Kuramoto oscillators (Euler-Maruyama); returns their cosines."""
    rng = np.random.default_rng(seed)
    k = len(freqs)
    dt = 1 / sampling_rate
    omega = 2 * np.pi * np.asarray(freqs)
    theta = np.zeros((k, n))
    theta[:, 0] = rng.uniform(0, 2 * np.pi, size=k)
    for t in range(1, n):
        prev = theta[:, t - 1]
        pull = coupling * np.sin(prev[None, :] - prev[:, None]).mean(axis=1)
        theta[:, t] = prev + dt * (omega + pull) + noise * np.sqrt(dt) * rng.normal(size=k)
    return np.cos(theta)


def circular_shift_p(measure, x1, x2, *, n_surrogates=19, seed=0, min_shift=0.1):
    """One-sided p of ``measure(x1, x2)`` against circular shifts of ``x2``."""
    rng = np.random.default_rng(seed)
    n = len(x2)
    observed = measure(x1, x2)
    shifts = rng.integers(int(min_shift * n), int((1 - min_shift) * n), size=n_surrogates)
    null = np.array([measure(x1, np.roll(x2, s)) for s in shifts])
    return (1 + np.sum(null >= observed)) / (1 + n_surrogates)
