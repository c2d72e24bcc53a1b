"""``score_against_truth``: detected ruptures and states against a simulation's ground truth."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._check import check_positive


@dataclass(frozen=True)
class TruthScore:
    """Detected episodes scored against simulator truth (one session).

    Attributes
    ----------
    n_detected, n_true : int
        Detected ruptures, and true ruptures with onsets inside the scored span.
    hits : list of (int, int)
        One-to-one matches, (detected row, true row): onsets within the tolerance, each
        detected onset taking the nearest true onset not yet taken.
    latencies : ndarray of shape (n, 2)
        True and detected repair latency (s) of the hits repaired in both.
    balanced_accuracy : float
        Mean of the attuned and non-attuned hit rates of the states, per window.
    """

    n_detected: int
    n_true: int
    hits: list[tuple[int, int]]
    latencies: np.ndarray
    balanced_accuracy: float


def score_against_truth(simulated, result, *, tolerance_s: float = 3.0) -> TruthScore:
    """Score :func:`detect_episodes` output against :func:`~attunement.simulate_dyad` truth.

    Parameters
    ----------
    simulated : SimulatedDyad
        Its ``episodes`` (true ruptures) and ``coupling`` (true ``attuned`` course).
    result : EpisodeResult
        Its ``ruptures`` and ``states``; only true ruptures with onsets within the span of
        ``states.time_s`` count.
    tolerance_s : float
        Largest distance between a detected and a true onset that counts as a hit (3 s).

    Examples
    --------
    >>> from attunement import simulate_dyad
    >>> from attunement.episodes import detect_episodes
    >>> sim = simulate_dyad("sensitive", duration_s=300, sampling_rate=10, seed=3)
    >>> channels = ["movement", "positive_affect", "negative_affect", "hr_bpm"]
    >>> score = score_against_truth(sim, detect_episodes(sim.session, channel=channels))
    >>> score.n_detected, score.n_true, score.hits, round(score.balanced_accuracy, 2)
    (3, 3, [(0, 0), (1, 1), (2, 2)], 0.98)
    """
    tol = check_positive(tolerance_s, "tolerance_s")
    t = result.states.time_s
    episodes = simulated.episodes
    truth = episodes[(episodes.kind == "rupture") & episodes.onset_s.between(t.min(), t.max())]
    truth = truth.reset_index(drop=True)
    found = result.ruptures
    hits = match_onsets(truth.onset_s.to_numpy(), found.onset_s, tol)
    latencies = np.array(
        [(truth.repair_latency_s[j], found.repair_latency_s[i]) for i, j in hits
         if truth.repaired[j] and found.repaired[i]],
        dtype=float,
    ).reshape(-1, 2)
    real = np.interp(t, simulated.coupling.time_s, simulated.coupling.attuned) > 0.5
    got = result.states.attuned.to_numpy()
    accuracy = 0.5 * (got[real].mean() + (~got[~real]).mean())
    return TruthScore(len(found), len(truth), hits, latencies, float(accuracy))


def match_onsets(true_onsets, detected_onsets, tolerance_s: float) -> list[tuple[int, int]]:
    """One-to-one hits (detected index, true index): onsets within ``tolerance_s``.

    Examples
    --------
    >>> match_onsets([10.0, 50.0], [11.0, 12.0, 49.0], 3.0)
    [(0, 0), (2, 1)]
    """
    onsets, used, hits = np.asarray(true_onsets, dtype=float), set(), []
    for i, onset in enumerate(detected_onsets):
        for j in np.argsort(np.abs(onsets - onset)):
            if abs(onsets[j] - onset) > tolerance_s:
                break
            if j not in used:
                used.add(j)
                hits.append((i, int(j)))
                break
    return hits
