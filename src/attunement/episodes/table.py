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
    values) or starting at it (coded seconds). A rupture is ``repaired`` when attunement
    follows it directly; its ``repair_latency_s`` is then its duration (onset to restored
    attunement). One that runs to the end or into a gap is unrepaired (NaN latency).
    ``long_unrepaired``: the rupture lasted at least ``long_unrepaired_s`` before repair or
    the end. ``phase``: the phase holding the episode's midpoint (so a rupture that a
    window's blur starts just before the still-face belongs to the still-face).

    Examples
    --------
    >>> t = np.arange(8.0)
    >>> tab = episode_table(t, np.array([1, 1, 0, 0, 0, 1, 1, 0]), 1.0, session="s",
    ...                     long_unrepaired_s=15, centred=False)
    >>> tab[["onset_s", "kind", "repaired", "repair_latency_s"]]
       onset_s     kind  repaired  repair_latency_s
    0      0.0  attuned      <NA>               NaN
    1      2.0  rupture      True               3.0
    2      5.0  attuned      <NA>               NaN
    3      7.0  rupture     False               NaN
    """
    shift = step_s / 2 if centred else 0.0
    runs = state_runs(state)
    rows = []
    for i, (a, b, value) in enumerate(runs):
        if value == UNKNOWN:
            continue
        onset = float(times_s[a] - shift)
        offset = float(times_s[b - 1] - shift + step_s)
        row = {"session": session, "onset_s": onset, "offset_s": offset,
               "kind": "attuned" if value == ATTUNED else "rupture",
               "duration_s": offset - onset}
        if value == RUPTURE:
            repaired = i + 1 < len(runs) and runs[i + 1][2] == ATTUNED
            row.update(repaired=repaired,
                       repair_latency_s=offset - onset if repaired else np.nan,
                       long_unrepaired=offset - onset >= long_unrepaired_s - 1e-9)
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
    lag_z: np.ndarray,
    lags_s: np.ndarray,
    partners: tuple[str, str],
    look_s: float,
) -> list:
    """Who led at each repair: the lag of the largest z summed over the windows centred in
    ``[repair, repair + look_s]``. Positive lag: partner 2 follows, so partner 1 led
    (rMEA's convention); zero lag: ``'simultaneous'``; None if unrepaired or unknown.
    """
    out: list = []
    for row in episodes.itertuples(index=False):
        if row.kind != "rupture" or not bool(row.repaired) or lag_z.shape[1] == 0:
            out.append(None)
            continue
        near = (times_s >= row.offset_s) & (times_s <= row.offset_s + look_s)
        block = lag_z[near]
        if not block.size or np.isnan(block).all():
            out.append(None)
            continue
        lag = lags_s[int(np.nanargmax(np.nansum(block, axis=0)))]
        out.append(partners[0] if lag > 0 else partners[1] if lag < 0 else "simultaneous")
    return out
