"""Per-session and per-phase summaries of attunement episodes, and still-face effects.

Tronick's reporting (SCIENCE.md): matched proportion, mismatch -> match transitions (repairs)
per minute, the repair-latency distribution, and the longest unrepaired stretch with its
time stamps. For Still-Face sessions (Tronick et al. 1978): still-face effect = still-face
minus play, reunion effect = reunion minus play (Mesman et al. 2009), and the within-
still-face slope (Mattson et al. 2013), of both the matched proportion and mean synchrony.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

#: Phase names recognised for the Still-Face effects (compared after lower-casing and
#: removing spaces, '-' and '_').
STILL_FACE_NAMES = {
    "play": ("play", "freeplay", "baseline", "normal", "faceface", "facetoface"),
    "still-face": ("stillface", "sf"),
    "reunion": ("reunion", "reengagement", "recovery"),
}


def summary_rows(
    episodes: pd.DataFrame,
    states: pd.DataFrame,
    phases: pd.DataFrame | None,
    session: str,
    step_s: float,
) -> pd.DataFrame:
    """One row for the whole session (``phase`` = ``'all'``) and one per phase.

    ``states`` needs ``time_s``, ``attuned``, ``missing`` and ``value``; each state sample
    stands for ``step_s`` seconds. Ruptures count in the span holding their midpoint.

    Examples
    --------
    >>> from attunement.episodes.table import episode_table
    >>> t, st = np.arange(10.0), np.array([1, 1, 0, 0, 1, 1, 1, 1, 0, 0])
    >>> eps = episode_table(t, st, 1.0, session="s", long_unrepaired_s=15, centred=False)
    >>> states = pd.DataFrame({"time_s": t, "attuned": st == 1, "missing": False, "value": st})
    >>> row = summary_rows(eps, states, None, "s", 1.0).iloc[0]
    >>> float(row.matched_proportion), int(row.n_ruptures), int(row.n_repairs)
    (0.6, 2, 1)
    >>> float(row.longest_unrepaired_onset_s), float(row.longest_unrepaired_offset_s)
    (2.0, 4.0)
    """
    spans = [("all", float(states.time_s.min()), float(states.time_s.max()) + step_s)]
    if phases is not None:
        spans += [(p.label, p.onset_s, p.onset_s + p.duration_s) for p in phases.itertuples()]
    rows = [_span_row(episodes, states, session, label, lo, hi, step_s)
            for label, lo, hi in spans]
    table = pd.DataFrame(rows)
    effects = still_face_effects(states, phases)
    for key, value in effects.items():
        table.loc[table.phase == "all", key] = value
    return table


def still_face_effects(states: pd.DataFrame, phases: pd.DataFrame | None) -> dict:
    """Still-face and reunion effects (minus play) and the within-still-face slopes.

    Empty when the phases do not name a still-face, play and reunion.

    Examples
    --------
    >>> t = np.arange(0.0, 90.0)
    >>> states = pd.DataFrame({"time_s": t, "attuned": (t < 30) | (t >= 60),
    ...                        "missing": False, "value": np.where(t < 30, 3.0, 0.5)})
    >>> ph = pd.DataFrame({"onset_s": [0, 30, 60], "duration_s": [30] * 3,
    ...                    "label": ["play", "still-face", "reunion"]})
    >>> still_face_effects(states, ph)["still_face_effect"]
    -1.0
    """
    if phases is None or phases.empty:
        return {}
    found = {}
    for key, names in STILL_FACE_NAMES.items():
        for ph in phases.itertuples():
            if re.sub(r"[\s_\-]", "", str(ph.label).lower()) in names:
                found[key] = ph
                break
    if len(found) < 3:
        return {}
    parts = {key: _in_span(states, ph.onset_s, ph.onset_s + ph.duration_s)
             for key, ph in found.items()}
    matched = {k: _mean(v.attuned[~v.missing]) for k, v in parts.items()}
    value = {k: _mean(v.value[~v.missing]) for k, v in parts.items()}
    still = parts["still-face"][~parts["still-face"].missing]
    return {
        "still_face_effect": matched["still-face"] - matched["play"],
        "reunion_effect": matched["reunion"] - matched["play"],
        "still_face_effect_synchrony": value["still-face"] - value["play"],
        "reunion_effect_synchrony": value["reunion"] - value["play"],
        "still_face_slope_per_min": _slope(still.time_s, still.value) * 60,
        "still_face_matched_slope_per_min": _slope(still.time_s, still.attuned) * 60,
    }


def _span_row(episodes, states, session, label, lo, hi, step_s) -> dict:
    part = _in_span(states, lo, hi)
    known = part[~part.missing]
    minutes = len(known) * step_s / 60
    middle = (episodes.onset_s + episodes.offset_s) / 2
    ruptures = episodes[(episodes.kind == "rupture") & (middle >= lo) & (middle < hi)]
    repaired = ruptures[ruptures.repaired.fillna(False).astype(bool)]
    latency = repaired.repair_latency_s.to_numpy(dtype=float)
    longest = ruptures.loc[ruptures.duration_s.idxmax()] if len(ruptures) else None
    per_min = (lambda n: n / minutes) if minutes > 0 else (lambda n: np.nan)
    return {
        "session": session,
        "phase": label,
        "onset_s": float(lo),
        "offset_s": float(hi),
        "observed_s": len(known) * step_s,
        "missing_fraction": float(part.missing.mean()) if len(part) else np.nan,
        "matched_proportion": _mean(known.attuned),
        "mean_synchrony": _mean(known.value),
        "n_ruptures": len(ruptures),
        "n_repairs": len(repaired),
        "ruptures_per_min": per_min(len(ruptures)),
        "repairs_per_min": per_min(len(repaired)),
        "n_long_unrepaired": int(ruptures.long_unrepaired.fillna(False).astype(bool).sum()),
        "repair_latency_mean_s": _mean(latency),
        "repair_latency_median_s": float(np.median(latency)) if latency.size else np.nan,
        "repair_latency_q25_s": float(np.quantile(latency, 0.25)) if latency.size else np.nan,
        "repair_latency_q75_s": float(np.quantile(latency, 0.75)) if latency.size else np.nan,
        "repair_latency_max_s": float(latency.max()) if latency.size else np.nan,
        "longest_unrepaired_s": np.nan if longest is None else float(longest.duration_s),
        "longest_unrepaired_onset_s": np.nan if longest is None else float(longest.onset_s),
        "longest_unrepaired_offset_s": np.nan if longest is None else float(longest.offset_s),
        **_class_shares(known),
    }


def _class_shares(known: pd.DataFrame) -> dict:
    """For coded states: the share of observed time matched in each affective class."""
    if "class_1" not in known or not len(known):
        return {}
    matched = known.class_1[known.attuned]
    classes = sorted({c for c in known.class_1.dropna()} | {c for c in known.class_2.dropna()})
    return {f"matched_{_slug(c)}_proportion": float((matched == c).sum() / len(known))
            for c in classes}


def _slug(text) -> str:
    return re.sub(r"[^a-z0-9]+", "_", str(text).lower()).strip("_")


def _in_span(states: pd.DataFrame, lo: float, hi: float) -> pd.DataFrame:
    return states[(states.time_s >= lo) & (states.time_s < hi)]


def _mean(values) -> float:
    a = np.asarray(values, dtype=float)
    a = a[np.isfinite(a)]
    return float(a.mean()) if a.size else np.nan


def _slope(t, y) -> float:
    t, y = np.asarray(t, dtype=float), np.asarray(y, dtype=float)
    ok = np.isfinite(t) & np.isfinite(y)
    if ok.sum() < 3 or np.ptp(t[ok]) == 0:
        return np.nan
    return float(np.polyfit(t[ok], y[ok], 1)[0])
