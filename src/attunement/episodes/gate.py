"""Attuned states only where synchrony exceeds the null: a surrogate-calibrated gate.

The hidden Markov model (:mod:`.segment`) finds the most probable segmentation of a
synchrony score into two states, but it always finds two states: on a pair of people who
never met it still calls the upper tail of chance "attuned", and every such stretch then
ends in a false "rupture" (on rMEA pseudo-dyads, 5.4 % attuned time and 0.20 ruptures per
minute; SCIENCE.md). The gate is a fixed-sequence (gatekeeping) test against the session's
own circular-shift surrogates (partner 2 shifted against partner 1: the same two signals
with their timing to each other destroyed):

1. the session: its mean score against each surrogate's mean score
   (:func:`session_p_value`). Only a session whose synchrony exceeds its surrogates
   overall can hold an attuned state, so the attuned share agrees with the session test;
2. then its stretches: a run's statistic is its evidence, the mean score times the square
   root of the number of independent windows it spans (``duration / evidence_s``); each
   surrogate's score series is segmented the same way and its largest run statistic kept
   (a max statistic, so the test holds for the whole session, however many runs); a run's
   p-value is ``(1 + #{surrogate max >= stat}) / (n_gate_surrogates + 1)``.

A run's reported p-value is the larger of the two (the adjusted p-value of a fixed-sequence
procedure), and a run is attuned when it is at most ``alpha``. Testing in this order at the
same ``alpha`` keeps the family-wise error at ``alpha``: a session without synchrony beyond
its surrogates keeps an attuned run in at most ``alpha`` of cases, and the rate of false
ruptures is bounded by that of false attuned runs.
"""

from __future__ import annotations

import math

import numpy as np

from .table import state_runs


def run_statistics(attuned: np.ndarray, score: np.ndarray, step_s: float,
                   evidence_s: float) -> list[tuple[int, int, float]]:
    """``(start, stop, statistic)`` of each attuned run: mean score x sqrt(independent windows).

    Examples
    --------
    >>> run_statistics(np.array([0, 1, 1, 0], bool), np.array([0, 2.0, 4.0, 0]), 1.0, 1.0)
    [(1, 3, 4.242640687119285)]
    """
    out = []
    for a, b, value in state_runs(np.asarray(attuned, dtype=np.int8)):
        if value != 1:
            continue
        part = score[a:b]
        ok = np.isfinite(part)
        if not ok.any():
            out.append((a, b, -math.inf))
            continue
        n_eff = max(1.0, ok.sum() * step_s / evidence_s)
        out.append((a, b, float(part[ok].mean() * math.sqrt(n_eff))))
    return out


def session_p_value(score: np.ndarray, null_score: np.ndarray | None) -> float:
    """Permutation p-value of the mean score against the surrogates' mean scores.

    ``(1 + #{surrogate mean >= real mean}) / (n_gate_surrogates + 1)``; NaN without surrogates or
    finite scores; a surrogate without a finite window counts as below.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> session_p_value(rng.normal(2, 1, 100), rng.normal(0, 1, (19, 100)))
    0.05
    """
    if null_score is None or not np.isfinite(score).any():
        return float("nan")
    real = np.nanmean(score)
    null = np.array([np.nanmean(row) if np.isfinite(row).any() else -np.inf
                     for row in np.atleast_2d(null_score)])
    return float((1 + np.sum(null >= real)) / (null.size + 1))


def gate_attuned(
    attuned: np.ndarray,
    score: np.ndarray,
    null_score: np.ndarray,
    segment,
    *,
    step_s: float,
    evidence_s: float,
    alpha: float = 0.05,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Keep the attuned runs of a session that exceeds its surrogates, whose evidence
    exceeds the surrogates' largest run (gatekeeping: the session first, then the runs).

    Parameters
    ----------
    attuned : array of bool
        The decoded states of the real score.
    score : array
        The real score (surrogate SDs above chance).
    null_score : array of shape (n_gate_surrogates, n_windows)
        The surrogates' scores, in the same units.
    segment : callable
        ``segment(score) -> attuned`` (bool array): the segmentation, run on each surrogate.
    step_s, evidence_s : float
        Window spacing and seconds per independent observation.
    alpha : float
        Largest permutation p-value of an attuned run (0.05, choice: the conventional
        level, per session); at least ``1 / (n_gate_surrogates + 1)``.

    Returns
    -------
    attuned : array of bool
        The gated states.
    p_value : array
        Each window's adjusted run p-value, the larger of the session's and the run's (NaN
        outside decoded attuned runs).
    null_max : array
        Each surrogate's largest run statistic (-inf: no attuned run).
    session_p : float
        The session test's p-value (:func:`session_p_value`).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> score = np.r_[rng.normal(0, 1, 40), rng.normal(4, 1, 40)]
    >>> null = rng.normal(0, 1, (19, 80))
    >>> decode = lambda s: s > 1.5
    >>> kept, p, _, session_p = gate_attuned(decode(score), score, null, decode, step_s=1,
    ...                                      evidence_s=1)
    >>> int(kept[:40].sum()), int(kept[40:].sum()), session_p
    (0, 40, 0.05)
    >>> flat = rng.normal(0, 1, 80)  # no synchrony beyond the null: nothing is attuned
    >>> int(gate_attuned(decode(flat), flat, null, decode, step_s=1, evidence_s=1)[0].sum())
    0
    """
    if not 0 < alpha < 1:
        raise ValueError(f"Invalid value for 'alpha': expected a number in (0, 1), got {alpha!r}.")
    null_score = np.atleast_2d(np.asarray(null_score, dtype=float))
    k = null_score.shape[0]
    if 1.0 / (k + 1) > alpha + 1e-12:
        raise ValueError(
            f"Invalid value for 'n_gate_surrogates': the gate at alpha = {alpha:g} needs at least "
            f"{math.ceil(1 / alpha) - 1} surrogates, got {k}."
        )
    null_max = np.array([
        max((stat for *_, stat in run_statistics(segment(row), row, step_s, evidence_s)),
            default=-math.inf)
        for row in null_score
    ])
    session_p = session_p_value(score, null_score)
    gate_p = session_p if np.isfinite(session_p) else 1.0
    kept = np.zeros_like(np.asarray(attuned, dtype=bool))
    p_value = np.full(kept.shape, np.nan)
    for a, b, stat in run_statistics(attuned, score, step_s, evidence_s):
        p = max(gate_p, (1 + np.sum(null_max >= stat)) / (k + 1))
        p_value[a:b] = p
        kept[a:b] = p <= alpha + 1e-12
    return kept, p_value, null_max, session_p
