"""When are episodes meaningful? A session-level verdict the report shows instead of drawing.

Episodes are states of synchrony beyond chance. Two conditions make them meaningless, and
both were measured on the simulator (``benchmarks/episodes_detectability.py``, figure
``docs/episodes_detectability.png``: precision and recall of rupture onsets against
coupling strength and session length):

- too short: less observed time than :data:`MIN_CYCLES` expected cycles of the paradigm's
  states (attuned dwell + rupture dwell; 90 s per cycle for infant face-to-face, 180 s for
  psychotherapy movement). A rupture is framed by attuned stretches and needs several
  windows of evidence on each side; a session shorter than two cycles holds at most one
  episode of each kind, and its rates per minute are not estimates of anything.
- too weakly coupled: neither the session's overall synchrony (the mean score over windows
  against the surrogates' means, permutation p > ``alpha``) nor any stretch of it (no
  attuned run survives the gate, :mod:`.gate`) exceeds the surrogates.
"""

from __future__ import annotations

import numpy as np

#: Fewest expected state cycles (attuned + rupture dwell) of observed data (choice).
MIN_CYCLES = 2


def session_p_value(score: np.ndarray, null_score: np.ndarray | None) -> float:
    """Permutation p-value of the mean score against the surrogates' mean scores.

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


def detectability(series, *, dwell_s: float, step_s: float, any_attuned: bool,
                  alpha: float = 0.05) -> dict:
    """``session_p_value``, ``detectable`` and the reason (``detectability``) for a series.

    ``dwell_s``: one expected cycle of the states (attuned + rupture dwell, s);
    ``any_attuned``: whether an attuned state survived the gate.

    Examples
    --------
    >>> from attunement.episodes import synchrony_series
    >>> rng = np.random.default_rng(0)
    >>> a, b = rng.normal(size=(2, 600))
    >>> s = synchrony_series(a, b, 10, seed=0)
    >>> detectability(s, dwell_s=45, step_s=0.5, any_attuned=False)["detectability"].split(";")[0]
    'too short: 54 s of data, episodes need at least 90 s (2 cycles of 45 s)'
    """
    observed_s = float(np.isfinite(series.score).sum() * step_s)
    p = session_p_value(series.score, series.null_score)
    reasons = []
    if observed_s < MIN_CYCLES * dwell_s:
        reasons.append(
            f"too short: {observed_s:.0f} s of data, episodes need at least "
            f"{MIN_CYCLES * dwell_s:.0f} s ({MIN_CYCLES} cycles of {dwell_s:g} s)"
        )
    if np.isfinite(p) and p > alpha and not any_attuned:
        reasons.append(
            f"too weakly coupled: synchrony exceeds its surrogates neither overall "
            f"(p = {p:.2f}) nor in any stretch"
        )
    note = "; ".join(reasons) if reasons else "episodes are meaningful here"
    return dict(session_p_value=p, detectable=not reasons, detectability=note)
