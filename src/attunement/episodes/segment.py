"""Attuned vs non-attuned states from a synchrony score: a two-state hidden Markov model.

Why an HMM. Windowed synchrony over a few seconds is noisy: a single window says little, so a
per-window threshold flickers, and hysteresis or smoothing only hides that with ad-hoc
constants. A two-state HMM weighs the evidence of successive windows against an explicit
prior on how long states last, and Viterbi decoding returns the most probable segmentation
as a whole (equivalently, penalised change-point detection whose penalty is the log of the
switching probabilities). The states are anchored to the surrogate null rather than fitted
freely, so a dyad whose coupling never drops is not split in two:

- non-attuned: score near chance, mean in ``[0, rupture_fraction x attuned mean]``;
- attuned: mean at least ``min_effect`` surrogate SDs above chance;

both Gaussian with SD >= 1 (no state varies less than chance does), fitted per session by EM
(Baum-Welch on the emissions; transitions stay at their priors). Overlapping windows share
data, so each window's log-likelihood is weighted by ``step_s / evidence_s`` (one independent
observation per ``evidence_s`` seconds; a composite likelihood). Runs shorter than
``min_episode_s`` (one window: a shorter episode is not resolved by the measure) are merged
into their neighbours, shortest first.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .._check import check_positive


@dataclass
class StateFit:
    """The decoded states of one synchrony score series.

    Attributes
    ----------
    attuned : ndarray of bool
        The state of each window after merging short runs (missing windows included: the
        model carries the state across them).
    p_attuned : ndarray
        Posterior probability of the attuned state (before merging).
    threshold : float
        Score at which the two fitted emission densities are equal (the per-window decision
        boundary, before the temporal prior).
    emissions : dict
        ``rupture_mean``, ``rupture_sd``, ``attuned_mean``, ``attuned_sd`` (score units).
    params : dict
        The segmentation parameters.
    """

    attuned: np.ndarray
    p_attuned: np.ndarray
    threshold: float
    emissions: dict = field(default_factory=dict)
    params: dict = field(default_factory=dict)


def segment_states(
    score,
    step_s: float,
    *,
    window_s: float = 4.0,
    attuned_dwell_s: float = 30.0,
    rupture_dwell_s: float = 15.0,
    evidence_s: float | None = None,
    min_effect: float = 1.0,
    rupture_fraction: float = 0.15,
    min_episode_s: float | None = None,
    n_iter: int = 20,
) -> StateFit:
    """Segment a synchrony score (surrogate SDs above chance) into attuned / non-attuned.

    Parameters
    ----------
    score : array of shape (n_windows,)
        Evidence of synchrony per window, regularly spaced; NaN for missing windows.
    step_s : float
        Spacing of the windows (s).
    window_s : float
        Window length (s) the score was computed over.
    attuned_dwell_s, rupture_dwell_s : float
        Prior mean durations of the states (30 s and 15 s, choice, set on simulator seeds
        1-3; ruptures there last 8-90 s). They set the switching penalty.
    evidence_s : float, optional
        Seconds of series per independent observation (default ``window_s / 2``, choice).
    min_effect : float
        Smallest attuned mean, in surrogate SDs (1, choice).
    rupture_fraction : float
        Largest non-attuned mean as a fraction of the attuned mean (0.15, choice: a rupture
        is a drop to chance or near it, not a dip within the dyad's usual range).
    min_episode_s : float, optional
        Shortest state run kept (default ``window_s``).
    n_iter : int
        EM iterations (20, choice: the means settle within a few).

    Returns
    -------
    StateFit

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> score = np.r_[rng.normal(4, 1, 80), rng.normal(0, 1, 40), rng.normal(4, 1, 80)]
    >>> fit = segment_states(score, step_s=0.5)
    >>> np.flatnonzero(np.diff(fit.attuned.astype(int))).tolist()
    [79, 119]
    """
    s = np.asarray(score, dtype=float)
    if s.ndim != 1 or not np.isfinite(s).any():
        raise ValueError(
            "Invalid value for 'score': expected a 1-D series with at least one finite value, "
            f"got shape {s.shape} with {int(np.isfinite(s).sum())} finite value(s)."
        )
    step = check_positive(step_s, "step_s")
    window = check_positive(window_s, "window_s")
    evidence = window / 2 if evidence_s is None else check_positive(evidence_s, "evidence_s")
    weight = min(1.0, step / evidence)
    stay = np.exp(-step / np.array([check_positive(rupture_dwell_s, "rupture_dwell_s"),
                                    check_positive(attuned_dwell_s, "attuned_dwell_s")]))
    trans = np.array([[stay[0], 1 - stay[0]], [1 - stay[1], stay[1]]])
    init = np.array([1 - stay[1], 1 - stay[0]])
    init /= init.sum()
    ok = np.isfinite(s)
    x = np.where(ok, s, 0.0)
    em = _fit_emissions(x, ok, trans, init, weight, min_effect, rupture_fraction, n_iter)
    ll = _loglik(x, ok, em, weight)
    post = _posterior(ll, trans, init)
    path = _viterbi(ll, np.log(trans), np.log(init)).astype(bool)
    min_len = window if min_episode_s is None else check_positive(
        min_episode_s, "min_episode_s", allow_zero=True)
    attuned = merge_short_runs(path, int(math.ceil(min_len / step - 1e-9)))
    params = dict(attuned_dwell_s=float(attuned_dwell_s), rupture_dwell_s=float(rupture_dwell_s),
                  evidence_s=float(evidence), min_effect=float(min_effect),
                  rupture_fraction=float(rupture_fraction), min_episode_s=float(min_len))
    return StateFit(attuned, post, _crossing(em), em, params)


def merge_short_runs(states: np.ndarray, min_len: int) -> np.ndarray:
    """Flip runs shorter than ``min_len`` samples into their neighbours, shortest first.

    Examples
    --------
    >>> merge_short_runs(np.array([1, 1, 1, 0, 1, 1, 0, 0, 0, 0], bool), 2).astype(int).tolist()
    [1, 1, 1, 1, 1, 1, 0, 0, 0, 0]
    """
    out = np.asarray(states, dtype=bool).copy()
    while min_len > 1:
        edges = np.r_[0, np.flatnonzero(np.diff(out.astype(np.int8))) + 1, out.size]
        lengths = np.diff(edges)
        if lengths.size < 2 or lengths.min() >= min_len:
            break
        i = int(np.argmin(lengths))
        out[edges[i] : edges[i + 1]] = ~out[edges[i]]
    return out


def _fit_emissions(x, ok, trans, init, weight, min_effect, fraction, n_iter) -> dict:
    upper = float(np.percentile(x[ok], 75))
    em = dict(rupture_mean=0.0, rupture_sd=1.0,
              attuned_mean=max(upper, min_effect), attuned_sd=max(float(x[ok].std()), 1.0))
    for _ in range(int(n_iter)):
        g1 = _posterior(_loglik(x, ok, em, weight), trans, init) * ok
        g0 = (1.0 - g1) * ok
        mu1 = max(_wmean(x, g1, em["attuned_mean"]), min_effect)
        mu0 = float(np.clip(_wmean(x, g0, 0.0), 0.0, fraction * mu1))
        em = dict(rupture_mean=mu0, rupture_sd=max(_wsd(x, g0, mu0), 1.0),
                  attuned_mean=mu1, attuned_sd=max(_wsd(x, g1, mu1), 1.0))
    return em


def _wmean(x, w, default) -> float:
    total = w.sum()
    return float((w * x).sum() / total) if total > 1e-9 else float(default)


def _wsd(x, w, mu) -> float:
    total = w.sum()
    return float(np.sqrt((w * (x - mu) ** 2).sum() / total)) if total > 1e-9 else 1.0


def _loglik(x, ok, em, weight) -> np.ndarray:
    """Tempered Gaussian log-likelihoods (n, 2): column 0 non-attuned, 1 attuned."""
    out = np.empty((x.size, 2))
    for j, name in enumerate(("rupture", "attuned")):
        mu, sd = em[f"{name}_mean"], em[f"{name}_sd"]
        out[:, j] = -0.5 * ((x - mu) / sd) ** 2 - math.log(sd)
    out *= weight
    out[~ok] = 0.0
    return out


def _posterior(ll, trans, init) -> np.ndarray:
    """P(attuned) per window by the scaled forward-backward algorithm."""
    n = ll.shape[0]
    lik = np.exp(ll - ll.max(axis=1, keepdims=True))
    fwd = np.empty((n, 2))
    p = init * lik[0]
    fwd[0] = p / p.sum()
    t00, t01, t10, t11 = trans.ravel().tolist()
    l0, l1 = lik[:, 0].tolist(), lik[:, 1].tolist()
    f0, f1 = fwd[0].tolist()
    for i in range(1, n):
        a = (f0 * t00 + f1 * t10) * l0[i]
        b = (f0 * t01 + f1 * t11) * l1[i]
        f0, f1 = a / (a + b), b / (a + b)
        fwd[i] = f0, f1
    post = np.empty(n)
    b0 = b1 = 1.0
    post[-1] = fwd[-1, 1]
    for i in range(n - 1, 0, -1):
        c0, c1 = b0 * l0[i], b1 * l1[i]
        b0, b1 = t00 * c0 + t01 * c1, t10 * c0 + t11 * c1
        total = b0 + b1
        b0, b1 = b0 / total, b1 / total
        u0, u1 = fwd[i - 1, 0] * b0, fwd[i - 1, 1] * b1
        post[i - 1] = u1 / (u0 + u1)
    return post


def _viterbi(ll, log_trans, log_init) -> np.ndarray:
    n = ll.shape[0]
    back = np.zeros((n, 2), dtype=np.int8)
    (a00, a01), (a10, a11) = log_trans.tolist()
    d0, d1 = (log_init + ll[0]).tolist()
    l0, l1 = ll[:, 0].tolist(), ll[:, 1].tolist()
    for i in range(1, n):
        s00, s10 = d0 + a00, d1 + a10
        s01, s11 = d0 + a01, d1 + a11
        back[i, 0] = s10 > s00
        back[i, 1] = s11 > s01
        d0 = max(s00, s10) + l0[i]
        d1 = max(s01, s11) + l1[i]
    path = np.empty(n, dtype=np.int8)
    path[-1] = d1 > d0
    for i in range(n - 1, 0, -1):
        path[i - 1] = back[i, path[i]]
    return path


def _crossing(em) -> float:
    """Score between the two means where the emission densities are equal."""
    m0, s0, m1, s1 = (em[k] for k in ("rupture_mean", "rupture_sd", "attuned_mean", "attuned_sd"))
    if abs(s0 - s1) < 1e-12:
        return (m0 + m1) / 2
    a = 1 / (2 * s1**2) - 1 / (2 * s0**2)
    b = m0 / s0**2 - m1 / s1**2
    c = m1**2 / (2 * s1**2) - m0**2 / (2 * s0**2) + math.log(s1 / s0)
    disc = b * b - 4 * a * c
    if disc < 0:
        return (m0 + m1) / 2
    roots = [(-b + sign * math.sqrt(disc)) / (2 * a) for sign in (1, -1)]
    inside = [r for r in roots if m0 <= r <= m1]
    return float(inside[0]) if inside else (m0 + m1) / 2
