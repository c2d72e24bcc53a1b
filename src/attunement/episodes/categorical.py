"""Episodes from coded categorical states: Tronick-style matching.

Both partners are coded on a common time base (Tronick's 1 s; Beebe et al. 2010). A sample
is *matched* (attuned) when both partners' codes fall in the same affective class, and a
mismatch is a rupture; a mismatch -> match transition is a repair (Tronick & Cohn 1989,
Child Dev 60:85). No statistics are needed: the states are the coders' own.

The default classes are the valence groups of the Specific Affect Coding System (SPAFF;
Coan & Gottman 2007) as grouped by Main, Paxton & Dale (2016, Emotion; their
``globals_functions.R``): positive (affection, enthusiasm, humor, and the interest and
validation codes), negative (the hostile codes, plus SPAFF's tension, sadness, whining,
disgust, fear and threats), neutral.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from .._check import check_positive
from .._log import logger
from ..session import validate_phases
from .result import EpisodeResult
from .segment import merge_short_runs
from .table import ATTUNED, RUPTURE, UNKNOWN, episode_table, phase_at, state_runs

_POSITIVE = (
    "affection", "enthusiasm", "humor", "joy", "interest", "validation",
    # validation (Main, Paxton & Dale 2016)
    "backchannels", "direct expressions of understanding", "sentence finishing",
    "paraphrasing", "mirroring with validation", "apologizing", "identification",
    "acknowledging different point of view",
    # interest (Main, Paxton & Dale 2016)
    "mirroring with interest", "positive nonverbal attention", "open-ended questions",
    "elaboration and clarification seeking",
)
_CONFRONTATION = ("anger", "belligerence", "contempt", "criticism", "defensiveness",
                  "domineering", "disgust", "threats")
_WITHDRAWAL = ("stonewalling", "sadness")
_NEGATIVE = _CONFRONTATION + _WITHDRAWAL + ("tension", "fear", "fear/tension", "whining")

#: SPAFF code (lower case) -> affective class.
SPAFF_CLASSES: dict[str, str] = {
    **{c: "positive" for c in _POSITIVE},
    **{c: "negative" for c in _NEGATIVE},
    "neutral": "neutral",
}
#: SPAFF codes that mark a rupture as confrontation-like (moving against) or withdrawal-like
#: (moving away), after the 3RS markers (Eubanks, Muran & Safran 2015).
SPAFF_RUPTURE_CODES: dict[str, str] = {
    **{c: "confrontation" for c in _CONFRONTATION},
    **{c: "withdrawal" for c in _WITHDRAWAL},
}
def match_states(
    codes: pd.DataFrame,
    *,
    classes: Mapping[str, str] | None = SPAFF_CLASSES,
    step_s: float | None = None,
    min_episode_s: float = 0.0,
    long_unrepaired_s: float = 15.0,
    rupture_codes: Mapping[str, str] | None = SPAFF_RUPTURE_CODES,
    typing_threshold: float = 0.5,
    phases: pd.DataFrame | None = None,
    session_id: str | None = None,
) -> EpisodeResult:
    """Episodes from two partners' coded states (matched = same affective class).

    Parameters
    ----------
    codes : DataFrame
        ``time_s`` and two code columns (partner 1, partner 2), as :func:`read_codes` gives.
        Times are placed on a regular grid; grid points without a row, and empty codes,
        are missing (they split episodes and are counted).
    classes : mapping or None
        Code -> affective class, case-insensitive (default :data:`SPAFF_CLASSES`). None
        matches the codes themselves.
    step_s : float, optional
        Coding interval (default the smallest step between rows; 1 s in Tronick's coding).
    min_episode_s : float
        Runs shorter than this are merged into their neighbours (0, choice: every coded
        interval counts, as in Tronick & Cohn 1989).
    long_unrepaired_s : float
        Threshold of ``long_unrepaired`` (15 s: a choice, not a published value).
    rupture_codes : mapping or None
        Code -> 'confrontation' or 'withdrawal' for rupture typing (default SPAFF's hostile
        codes and stonewalling / sadness). A rupture takes the type whose codes either
        partner shows in the larger share of its samples, if that share reaches
        ``typing_threshold`` (0.5, choice); screening aids for human coding only.
    phases : DataFrame, optional
        ``onset_s, duration_s, label``.
    session_id : str, optional
        Default ``codes.attrs['id']`` or ``'session'``.

    Returns
    -------
    EpisodeResult
        ``repair_initiator`` is the partner whose class change restored the match
        (``'both'`` if both changed at once).

    Examples
    --------
    >>> codes = pd.DataFrame({"time_s": np.arange(6.0),
    ...     "parent": ["Neutral", "Humor", "Humor", "Anger", "Humor", "Humor"],
    ...     "teen": ["Neutral", "Neutral", "Humor", "Anger", "Anger", "Humor"]})
    >>> res = match_states(codes)
    >>> res.episodes[["onset_s", "kind", "repair_initiator", "rupture_type"]]
       onset_s     kind repair_initiator        rupture_type
    0      0.0  attuned             <NA>                <NA>
    1      1.0  rupture             teen        unclassified
    2      2.0  attuned             <NA>                <NA>
    3      4.0  rupture             teen  confrontation-like
    4      5.0  attuned             <NA>                <NA>
    """
    if not isinstance(codes, pd.DataFrame) or "time_s" not in codes or codes.shape[1] != 3:
        got = list(codes.columns) if isinstance(codes, pd.DataFrame) else type(codes).__name__
        raise ValueError(
            "Invalid value for 'codes': expected a DataFrame with 'time_s' and two code "
            f"columns (see read_codes), got {got}."
        )
    partners = tuple(str(c) for c in codes.columns if c != "time_s")
    sid = session_id or codes.attrs.get("id", "session")
    logger.getChild("progress").info("%s: matched coded states", sid)
    times, raw = _on_grid(codes, step_s)
    step = float(times[1] - times[0]) if times.size > 1 else 1.0
    cls = [_classes(raw[:, p], classes, partners[p]) for p in (0, 1)]
    known = pd.notna(cls[0]) & pd.notna(cls[1])
    state = np.where(known, np.where(cls[0] == cls[1], ATTUNED, RUPTURE), UNKNOWN)
    state = _merge(state, int(np.ceil(check_positive(min_episode_s, "min_episode_s",
                                                     allow_zero=True) / step - 1e-9)))
    phases = validate_phases(phases)
    long_s = check_positive(long_unrepaired_s, "long_unrepaired_s")
    episodes = episode_table(times, state, step, session=sid, long_unrepaired_s=long_s,
                             centred=False, phases=phases)
    episodes["repair_initiator"] = pd.array(
        _initiators(episodes, times, cls, partners, step), dtype="string")
    types = _types(episodes, times, raw, rupture_codes, typing_threshold, step)
    for col in ("rupture_type", "withdrawal_score", "confrontation_score"):
        episodes[col] = types[col]
    matched = state == ATTUNED
    states = pd.DataFrame({
        "time_s": times, "attuned": matched, "missing": state == UNKNOWN,
        "value": np.where(state == UNKNOWN, np.nan, matched.astype(float)), "threshold": 0.5,
        "p_attuned": np.where(state == UNKNOWN, np.nan, matched.astype(float)),
        "phase": phase_at(times, phases),
        "class_1": cls[0], "class_2": cls[1],
    })
    params = dict(classes="codes" if classes is None else "custom" if classes is not
                  SPAFF_CLASSES else "spaff", step_s=step, min_episode_s=float(min_episode_s),
                  long_unrepaired_s=long_s, typing_threshold=float(typing_threshold))
    return EpisodeResult(episodes=episodes, states=states, session=sid, partners=partners,
                         step_s=step, phases=phases, params=params)


def _on_grid(codes: pd.DataFrame, step_s) -> tuple[np.ndarray, np.ndarray]:
    t = codes["time_s"].to_numpy(dtype=float)
    if t.size < 2 or not np.all(np.isfinite(t)) or np.any(np.diff(t) <= 0):
        raise ValueError(
            "Invalid value for 'codes': 'time_s' must hold at least 2 increasing, finite times."
        )
    step = float(np.diff(t).min()) if step_s is None else check_positive(step_s, "step_s")
    index = np.round((t - t[0]) / step).astype(int)
    if np.any(np.abs(index * step - (t - t[0])) > 1e-6 * max(step, 1.0)):
        raise ValueError(
            f"Invalid value for 'codes': times are not on a grid of step {step:g} s; give "
            "'step_s' or resample the codes."
        )
    raw = np.full((index[-1] + 1, 2), None, dtype=object)
    raw[index] = codes.drop(columns="time_s").to_numpy(dtype=object)
    return t[0] + np.arange(index[-1] + 1) * step, raw


def _classes(values: np.ndarray, classes, partner: str) -> np.ndarray:
    keys = np.array([_key(v) for v in values], dtype=object)
    if classes is None:
        return keys
    lookup = {_key(k): v for k, v in classes.items()}
    unknown = sorted({k for k in keys if k is not None and k not in lookup})
    if unknown:
        raise ValueError(
            f"Invalid value for 'classes': partner {partner!r} has code(s) {unknown} that it "
            "does not map; add them, or pass classes=None to match codes exactly."
        )
    return np.array([None if k is None else lookup[k] for k in keys], dtype=object)


def _key(value):
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None  # None, NaN, or a nullable string column's pd.NA: missing
    text = " ".join(str(value).lower().split())
    return text or None


def _merge(state: np.ndarray, min_len: int) -> np.ndarray:
    if min_len <= 1:
        return state
    out = state.copy()
    for a, b, value in state_runs(state != UNKNOWN):
        if value:
            out[a:b] = np.where(merge_short_runs(state[a:b] == ATTUNED, min_len), ATTUNED,
                                RUPTURE)
    return out


def _initiators(episodes, times, cls, partners, step) -> list:
    out = []
    for row in episodes.itertuples(index=False):
        if row.kind != "rupture" or not bool(row.repaired):
            out.append(None)
            continue
        j = int(round((row.offset_s - times[0]) / step))
        moved = [cls[p][j] != cls[p][j - 1] for p in (0, 1)]
        out.append("both" if all(moved) else partners[0] if moved[0] else partners[1]
                   if moved[1] else None)
    return out


def _types(episodes, times, raw, rupture_codes, threshold, step) -> pd.DataFrame:
    kinds = {_key(k): v for k, v in (rupture_codes or {}).items()}
    marks = np.vectorize(lambda v: kinds.get(_key(v)), otypes=[object])(raw)
    rows = []
    for row in episodes.itertuples(index=False):
        if row.kind != "rupture" or not kinds:
            rows.append((None if row.kind != "rupture" else "unclassified", np.nan, np.nan))
            continue
        i0 = int(round((row.onset_s - times[0]) / step))
        i1 = int(round((row.offset_s - times[0]) / step))
        part = marks[i0:i1]
        away = float((part == "withdrawal").any(axis=1).mean())
        against = float((part == "confrontation").any(axis=1).mean())
        label = "unclassified"
        if max(away, against) >= threshold:
            label = "withdrawal-like" if away > against else "confrontation-like"
        rows.append((label, away, against))
    out = pd.DataFrame(rows, columns=["rupture_type", "withdrawal_score",
                                      "confrontation_score"], index=episodes.index)
    return out.astype({"rupture_type": "string"})
