"""From a state sequence to the tidy episodes table (one row per attuned or rupture episode)."""

from __future__ import annotations

import numpy as np
import pandas as pd

#: Columns of the episodes table, in order.
EPISODE_COLUMNS = [
    "session",
    "onset_s",
    "offset_s",
    "kind",
    "duration_s",
    "repaired",
    "repair_latency_s",
    "long_unrepaired",
    "repair_initiator",
    "rupture_type",
    "withdrawal_score",
    "confrontation_score",
    "phase",
]
ATTUNED, RUPTURE, UNKNOWN = 1, 0, -1
#: The kinds of episode: an attuned stretch; a rupture (the loss of an attuned state); a
#: non-attuned stretch with no attuned state before it (the session's start or a gap).
KINDS = ("attuned", "rupture", "not_yet_attuned")


def state_runs(state: np.ndarray) -> list[tuple[int, int, int]]:
    """Runs of equal values: ``(start, stop, value)`` with ``stop`` exclusive.

    Examples
    --------
    >>> state_runs(np.array([1, 1, 0, -1, 1]))
    [(0, 2, 1), (2, 3, 0), (3, 4, -1), (4, 5, 1)]
    """
    state = np.asarray(state)
    if state.size == 0:
        return []
    edges = np.r_[0, np.flatnonzero(np.diff(state)) + 1, state.size]
    return [(int(a), int(b), int(state[a])) for a, b in zip(edges[:-1], edges[1:])]


def episode_table(
    times_s: np.ndarray,
    state: np.ndarray,
    step_s: float,
    *,
    session: str,
    long_unrepaired_s: float,
    centred: bool,
    phases: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per run of attuned (1) or non-attuned (0) samples; unknown (-1) runs are gaps.

    Each sample stands for ``step_s`` seconds: centred on its time (``centred``, window
    values) or starting at it (coded seconds). The definitions (Tronick 1989; SCIENCE.md):

    - a ``rupture`` is the loss of an attuned state: a non-attuned run after the dyad has
      been attuned (directly, or across a gap). A non-attuned run before the first
      attuned one (a session or a recorded phase that starts out of step) is
      ``not_yet_attuned``: the dyad was never seen in step, so nothing was lost, and it is
      neither counted as a rupture nor repaired.
    - a rupture is ``repaired`` when attunement follows it directly; its
      ``repair_latency_s`` is then its duration (onset to restored attunement).
    - a rupture is ``long_unrepaired`` when it is not repaired (it runs to the end or into
      a gap) and lasted at least ``long_unrepaired_s``; ``repaired`` and
      ``long_unrepaired`` are exclusive. A rupture cut short by the end is neither.

    ``phase``: the phase holding the episode's midpoint (so a rupture that a window's blur
    starts just before the still-face belongs to the still-face).

    Examples
    --------
    >>> t = np.arange(10.0)
    >>> tab = episode_table(t, np.array([0, 1, 1, 0, 0, 0, 1, 1, 0, 0]), 1.0, session="s",
    ...                     long_unrepaired_s=2, centred=False)
    >>> tab[["onset_s", "kind", "repaired", "repair_latency_s", "long_unrepaired"]]
       onset_s             kind  repaired  repair_latency_s  long_unrepaired
    0      0.0  not_yet_attuned      <NA>               NaN             <NA>
    1      1.0          attuned      <NA>               NaN             <NA>
    2      3.0          rupture      True               3.0            False
    3      6.0          attuned      <NA>               NaN             <NA>
    4      8.0          rupture     False               NaN             True
    """
    shift = step_s / 2 if centred else 0.0
    runs = state_runs(state)
    rows, seen = [], False
    for i, (a, b, value) in enumerate(runs):
        if value == UNKNOWN:
            continue
        onset = float(times_s[a] - shift)
        offset = float(times_s[b - 1] - shift + step_s)
        kind = "attuned" if value == ATTUNED else "rupture" if seen else "not_yet_attuned"
        seen = seen or value == ATTUNED
        row = {"session": session, "onset_s": onset, "offset_s": offset, "kind": kind,
               "duration_s": offset - onset}
        if kind == "rupture":
            repaired = i + 1 < len(runs) and runs[i + 1][2] == ATTUNED
            row.update(repaired=repaired,
                       repair_latency_s=offset - onset if repaired else np.nan,
                       long_unrepaired=(not repaired
                                        and offset - onset >= long_unrepaired_s - 1e-9))
        rows.append(row)
    table = pd.DataFrame(rows, columns=EPISODE_COLUMNS)
    middle = (table["onset_s"] + table["offset_s"]).to_numpy(dtype=float) / 2
    table["phase"] = phase_at(middle, phases)
    return tidy(table)


def tidy(table: pd.DataFrame) -> pd.DataFrame:
    """The columns in order with their dtypes (nullable booleans and strings; NA on attuned
    rows)."""
    table = table.reindex(columns=EPISODE_COLUMNS)
    for col in ("onset_s", "offset_s", "duration_s", "repair_latency_s", "withdrawal_score",
                "confrontation_score"):
        table[col] = table[col].astype(float)
    for col in ("repaired", "long_unrepaired"):
        table[col] = table[col].astype("boolean")
    for col in ("session", "kind", "repair_initiator", "rupture_type", "phase"):
        table[col] = table[col].astype("string")
    return table.reset_index(drop=True)


def phase_at(times_s: np.ndarray, phases: pd.DataFrame | None) -> list:
    """The label of the phase holding each time (None outside every phase).

    Examples
    --------
    >>> ph = pd.DataFrame({"onset_s": [0, 10], "duration_s": [10, 5], "label": ["a", "b"]})
    >>> phase_at(np.array([3.0, 12.0, 20.0]), ph)
    ['a', 'b', None]
    """
    out: list = [None] * len(times_s)
    if phases is None or phases.empty:
        return out
    for ph in phases.itertuples(index=False):
        inside = (times_s >= ph.onset_s) & (times_s < ph.onset_s + ph.duration_s)
        for i in np.flatnonzero(inside):
            out[i] = ph.label
    return out


def initiators(
    episodes: pd.DataFrame,
    times_s: np.ndarray,
    x1: np.ndarray,
    x2: np.ndarray,
    partners: tuple[str, str],
    look_s: float,
    *,
    smooth_s: float = 1.0,
    threshold: float = 3.0,
) -> list:
    """Who moved first at each repair (the move that brought the partners back in step).

    The rule: for each partner, each channel is smoothed by a running mean over
    ``smooth_s`` and compared with its own course during the rupture (a linear trend and
    the SD around it, fitted from the rupture's onset to ``look_s`` before the repair, so
    that a partner's growing distress is part of the course, not a move). A move is a
    departure from that course towards the other partner's current value (a burst away
    from the other is not a move towards them). From ``look_s`` before the repair to
    ``look_s`` after it (a window blurs the repair's time by about that much), the first
    sample at which any of the partner's channels lies further from its rupture course than
    ``threshold`` SDs (3, choice) and than it ever lay during the rupture marks the
    partner's move (beyond anything the partner did while out of step); the partner who moved first
    initiated the repair; the same sample: ``'both'``; neither moved: ``'unclear'``;
    not repaired, or a rupture too short for a baseline: NA. In the Still-Face procedure the
    caregiver's return ends the rupture, so the caregiver initiates.

    ``times_s`` (n,), ``x1``, ``x2`` (n, n_channels): the partners' signals.

    Examples
    --------
    >>> eps = pd.DataFrame({"kind": ["rupture"], "onset_s": [0.0], "offset_s": [60.0],
    ...                     "repaired": [True]})
    >>> t = np.arange(0.0, 90.0, 0.5)
    >>> rng = np.random.default_rng(0)
    >>> infant = 1 + rng.normal(0, 0.1, (180, 1))  # upset throughout
    >>> caregiver = np.where(t < 58, 0.0, 1.0)[:, None] + rng.normal(0, 0.1, (180, 1))
    >>> initiators(eps, t, caregiver, infant, ("caregiver", "infant"), 4.0)
    ['caregiver']
    """
    out: list = []
    dt = float(np.median(np.diff(times_s))) if len(times_s) > 1 else 1.0
    n_smooth = max(1, int(round(smooth_s / dt)))
    smooth = [_running_mean(np.asarray(x, dtype=float).reshape(len(times_s), -1), n_smooth)
              for x in (x1, x2)]
    for row in episodes.itertuples(index=False):
        if row.kind != "rupture" or not bool(row.repaired):
            out.append(None)
            continue
        base = (times_s >= row.onset_s) & (times_s < row.offset_s - look_s)
        scan = np.flatnonzero(np.abs(times_s - row.offset_s) <= look_s)
        if base.sum() < 2 * n_smooth or not scan.size:
            out.append(None)
            continue
        first = [_first_move(times_s, smooth[i], smooth[1 - i], base, scan, threshold)
                 for i in (0, 1)]
        if first[0] is None and first[1] is None:
            out.append("unclear")
        elif first[1] is None or (first[0] is not None and first[0] < first[1]):
            out.append(partners[0])
        elif first[0] is None or first[1] < first[0]:
            out.append(partners[1])
        else:
            out.append("both")
    return out


def _running_mean(x: np.ndarray, n: int) -> np.ndarray:
    """Trailing running mean over ``n`` samples per column (NaN-aware)."""
    if n <= 1:
        return x
    ok = np.isfinite(x)
    csum = np.cumsum(np.where(ok, x, 0.0), axis=0)
    ccount = np.cumsum(ok, axis=0)
    csum[n:] = csum[n:] - csum[:-n]
    ccount[n:] = ccount[n:] - ccount[:-n]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(ccount > 0, csum / ccount, np.nan)


def _first_move(t: np.ndarray, x: np.ndarray, other: np.ndarray, base: np.ndarray,
                scan: np.ndarray, threshold: float):
    """Index of the first scanned sample at which ``x`` departs from its rupture course (its
    linear trend, extrapolated) by more than ``threshold`` residual SDs and than any sample
    of the course itself, in the direction of ``other`` (None: none)."""
    first = None
    for col, partner in zip(x.T, other.T):
        ok = base & np.isfinite(col)
        if ok.sum() < 3:
            continue
        slope, icept = np.polyfit(t[ok], col[ok], 1)
        course = icept + slope * t
        resid = col - course
        sd = resid[ok].std()
        if sd == 0:
            continue
        crit = max(threshold, float(np.abs(resid[ok]).max() / sd))
        with np.errstate(invalid="ignore"):
            towards = np.sign(resid[scan]) == np.sign(partner[scan] - course[scan])
            hit = np.flatnonzero((np.abs(resid[scan]) / sd > crit) & towards)
        if hit.size and (first is None or scan[hit[0]] < first):
            first = int(scan[hit[0]])
    return first
