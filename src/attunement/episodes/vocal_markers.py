"""Vocal rupture markers: candidate moments for the episode detector and for coders.

Withdrawal ruptures in psychotherapy show in the voice as pause patterns and speaker turns
(Künsch et al. 2023 report an AUC of 0.89 against observer-rated ruptures); mother-infant
vocal disengagement as long silences between turns. From the vocal states
(:mod:`attunement.sync.vocal_states`) three markers are listed, each a screening aid,
never a rupture by itself:

- ``long_switching_pause``: a switching pause longer than ``long_pause_s`` (default: twice
  the session's median switching pause, and at least 2 s; a choice);
- ``minimal_response``: a turn whose vocalization adds up to less than
  ``minimal_response_s`` (default 1 s: "mm", "yes"; a choice);
- ``overlap``: simultaneous speech of at least ``overlap_s`` (default 0.5 s; a choice).

Partners who never talked to each other also leave long silences and talk over each
other, so rates mean something only against pseudo-dyads (:func:`vocal_marker_rates`:
partner 1 of one session with partner 2 of another, as for the episodes).
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from .._check import check_positive
from ..session import Session
from ..sync.vocal_states import VocalStates, code_vocal_states, vocal_states
from .pseudo import pseudo_pairs, pseudo_session

MARKERS = ("long_switching_pause", "minimal_response", "overlap")
MARKER_COLUMNS = ["onset_s", "offset_s", "partner", "marker", "duration_s"]
RATE_COLUMNS = ["session_1", "session_2", "kind", "observed_min", "n_turns",
                *(f"{m}_per_min" for m in MARKERS), *(f"{m}_per_turn" for m in MARKERS)]


def vocal_markers(states: VocalStates, *, long_pause_s: float | None = None,
                  minimal_response_s: float = 1.0, overlap_s: float = 0.5) -> pd.DataFrame:
    """Candidate rupture markers from vocal states, one row each (:data:`MARKER_COLUMNS`).

    The partner of a long switching pause is the one who fell silent (the turn-holder);
    of a minimal response, the one whose turn it was; of an overlap, the one who spoke
    into the other's turn.

    Examples
    --------
    >>> import numpy as np
    >>> a = np.r_[np.ones(30), np.zeros(50), np.zeros(5), np.zeros(20), np.ones(30)]
    >>> b = np.r_[np.zeros(30), np.zeros(50), np.ones(5), np.zeros(20), np.zeros(30)]
    >>> m = vocal_markers(vocal_states(a, b, 10), long_pause_s=3)
    >>> m[["onset_s", "partner", "marker"]].to_numpy().tolist()
    [[3.0, 1, 'long_switching_pause'], [8.0, 2, 'minimal_response']]
    """
    ev = states.events
    check_positive(minimal_response_s, "minimal_response_s")
    check_positive(overlap_s, "overlap_s")
    sp = ev[ev.state == "switching_pause"]
    if long_pause_s is None:
        median = float(sp.duration_s.median()) if len(sp) else 0.0
        long_pause_s = max(2.0, 2 * median)
    check_positive(long_pause_s, "long_pause_s")
    rows = [(r.onset_s, r.offset_s, r.partner, "long_switching_pause", r.duration_s)
            for r in sp[sp.duration_s > long_pause_s].itertuples()]
    voc = ev[ev.state == "vocalization"]
    for turn in ev[ev.state == "turn"].itertuples():
        inside = voc[(voc.partner == turn.partner) & (voc.onset_s >= turn.onset_s)
                     & (voc.offset_s <= turn.offset_s)]
        spoken = float(inside.duration_s.sum())
        if 0 < spoken < minimal_response_s and _closed(turn, states):
            rows.append((turn.onset_s, turn.offset_s, turn.partner, "minimal_response", spoken))
    over = ev[(ev.state == "simultaneous_speech") & (ev.duration_s >= overlap_s - 1e-9)]
    rows += [(r.onset_s, r.offset_s, r.partner, "overlap", r.duration_s)
             for r in over.itertuples()]
    out = pd.DataFrame(rows, columns=MARKER_COLUMNS)
    out.attrs["params"] = {"long_pause_s": float(long_pause_s),
                           "minimal_response_s": float(minimal_response_s),
                           "overlap_s": float(overlap_s)}
    return out.sort_values("onset_s", kind="stable").reset_index(drop=True)


def marker_rates(markers: pd.DataFrame, duration_s: float, n_turns: int | None = None) -> dict:
    """Markers per minute, by kind; and per turn when ``n_turns`` is given. A dyad that
    exchanges turns more often has more switching pauses, long ones included: per turn
    reads a marker against the chances the conversation gave it.

    Examples
    --------
    >>> rates = marker_rates(pd.DataFrame({"marker": ["overlap", "overlap"]}), 60, n_turns=8)
    >>> rates["overlap_per_min"], rates["overlap_per_turn"]
    (2.0, 0.25)
    """
    minutes = check_positive(duration_s, "duration_s") / 60
    counts = markers["marker"].value_counts() if len(markers) else pd.Series(dtype=int)
    out = {f"{m}_per_min": float(counts.get(m, 0)) / minutes for m in MARKERS}
    if n_turns is not None:
        out.update({f"{m}_per_turn": float(counts.get(m, 0)) / n_turns if n_turns else
                    float("nan") for m in MARKERS})
    return out


def vocal_marker_rates(sessions: Sequence[Session], *, per_session: int = 2,
                       base_s: float | None = 0.25, **marker_kw) -> pd.DataFrame:
    """Marker rates of every real dyad and ``per_session`` pseudo-dyads per session
    (:func:`~attunement.episodes.pseudo.pseudo_pairs`), from each Session's ``voice``.

    One row per pair (:data:`RATE_COLUMNS`: per minute and per turn); ``kind`` is ``real``
    or ``pseudo``. The states
    are coded on ``base_s`` first (None: the samples as given).
    """
    by_id = {s.id: s for s in sessions}
    rows = []
    for a, b in pseudo_pairs(list(by_id), per_session):
        pair = pseudo_session(by_id[a], by_id[b], "voice")
        if base_s is None:
            states = vocal_states(pair)
        else:
            states = code_vocal_states(pair, base_s=base_s)
        duration = pair.n_samples / pair.sampling_rate
        n_turns = int((states.events.state == "turn").sum())
        rates = marker_rates(vocal_markers(states, **marker_kw), duration, n_turns)
        rows.append({"session_1": a, "session_2": b, "kind": "real" if a == b else "pseudo",
                     "observed_min": duration / 60, "n_turns": n_turns, **rates})
    return pd.DataFrame(rows, columns=RATE_COLUMNS)


def _closed(turn, states: VocalStates) -> bool:
    """A turn that the other partner took over (not the last one, open at the end)."""
    return turn.offset_s < states.codes.shape[1] / states.sampling_rate - 1e-9
