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
- too weakly coupled: the session's overall synchrony (the mean score over windows
  against the surrogates' means, permutation p > ``alpha``) does not exceed the surrogates,
  so the gate (:mod:`.gate`) tests no stretch of it; or the attuned
  state stands less than :data:`MIN_SEPARATION` surrogate SDs above the non-attuned one per
  window (the fitted state means), too little to place an onset. On the simulator
  (4 seeds per cell, 2-8 min): coupling 0.1-0.15 gave separations of 1.0-1.3 and precision
  and recall of 0-0.5; coupling 0.25 about 2.6-2.9 and 0.25-0.58; coupling 0.4 about
  5.3-5.9 and 0.6-1.0; coupling 0.6 about 9-10 and 0.9-1.0. Overall synchrony was
  significant in all of them: a significant session is not enough for episodes. The same
  threshold holds on the psychotherapy time scale (``--paradigm psychotherapy-movement`` of
  the benchmark: states lasting minutes, 20-min sessions, movement alone, hits within the
  window's blur of 17.5 s, 3 seeds): coupling 0.15 gave separation 1.2 and precision and
  recall 0 / 0; 0.25 gave 2.3 and .57 / .44; 0.4 gave 5.1 and .89 / .89; 0.6 gave 9.9 and
  1 / 1. Separation is in surrogate SDs per window in both paradigms, so one threshold
  serves both; on real data it lies above every pseudo-dyad's (rMEA, 40 pseudo-dyads:
  largest 2.0 with 30 s windows).
"""

from __future__ import annotations

import numpy as np

from .gate import session_p_value

#: Fewest expected state cycles (attuned + rupture dwell) of observed data (choice).
MIN_CYCLES = 2
#: Smallest separation of the attuned from the non-attuned state, in surrogate SDs per
#: window (choice, between the simulator's couplings 0.25 and 0.4; see above).
MIN_SEPARATION = 4.0


def detectability(series, *, dwell_s: float, step_s: float, any_attuned: bool,
                  separation: float = np.inf, alpha: float = 0.05) -> dict:
    """``session_p_value``, ``separation``, ``detectable`` and the reason (``detectability``).

    ``dwell_s``: one expected cycle of the states (attuned + rupture dwell, s);
    ``any_attuned``: whether an attuned state survived the gate; ``separation``: attuned
    minus non-attuned state mean (surrogate SDs per window).

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
            f"too weakly coupled: synchrony does not exceed its surrogates over the session "
            f"(p = {p:.2f}), so no stretch of it is attuned"
        )
    elif separation < MIN_SEPARATION:
        reasons.append(
            f"too weakly coupled: the attuned state stands {separation:.1f} surrogate SDs "
            f"above the non-attuned one per window, episodes need {MIN_SEPARATION:g} to "
            "place their onsets"
        )
    note = "; ".join(reasons) if reasons else "episodes are meaningful here"
    return dict(session_p_value=p, separation=float(separation), detectable=not reasons,
                detectability=note)
