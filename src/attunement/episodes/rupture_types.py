"""Rupture typing from the channels at hand: withdrawal-like vs confrontation-like.

After Safran & Muran's markers (3RS; Eubanks, Muran & Safran 2015): withdrawal is moving
away (a partner's activity or positive affect drops away), confrontation is moving against
(arousal and negative affect rise). Each rupture is compared with the stretch just before
its onset, per partner, in units of each channel's SD over the session. These are
**screening aids for human coding, never diagnoses**: a rise in an infant's negative affect
is distress as often as protest.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import numpy as np
import pandas as pd

from .._check import check_option

ROLES = ("activity", "positive", "negative", "arousal")
#: Name parts that give a channel its role (matched against the parts of the channel name).
ROLE_KEYWORDS = {
    "activity": ("movement", "motion", "activity", "mea", "energy", "gesture"),
    "positive": ("positive", "smile", "joy", "happy", "happiness"),
    "negative": ("negative", "cry", "distress", "anger", "sad", "sadness", "fear"),
    "arousal": ("hr", "heart", "bpm", "eda", "scl", "scr", "skin", "arousal", "gsr"),
}
TYPE_COLUMNS = ["rupture_type", "withdrawal_score", "confrontation_score"]


def channel_roles(channels, roles: Mapping[str, str] | None = None) -> dict[str, str]:
    """Role of each channel: from ``roles`` when given, else from its name.

    Examples
    --------
    >>> channel_roles(["movement", "hr_bpm", "eeg_uv", "positive_affect"])
    {'movement': 'activity', 'hr_bpm': 'arousal', 'positive_affect': 'positive'}
    """
    if roles is not None:
        out = {}
        for name, role in roles.items():
            check_option(role, f"channel_roles[{name!r}]", ROLES)
            if name not in channels:
                raise ValueError(
                    f"Invalid value for 'channel_roles': channel {name!r} is not in the "
                    f"session; channels are {list(channels)}."
                )
            out[name] = role
        return out
    out = {}
    for name in channels:
        parts = set(re.split(r"[^a-z0-9]+", str(name).lower()))
        for role, words in ROLE_KEYWORDS.items():
            if parts & set(words):
                out[name] = role
                break
    return out


def type_ruptures(
    session,
    episodes: pd.DataFrame,
    *,
    roles: Mapping[str, str] | None = None,
    baseline_s: float = 10.0,
    threshold: float = 0.5,
) -> pd.DataFrame:
    """Withdrawal and confrontation scores and a type for each rupture row.

    ``withdrawal_score``: the larger over partners of the mean drop of activity and positive
    affect; ``confrontation_score``: the larger over partners of the mean rise of negative
    affect and arousal; both in session SDs, rupture mean minus the mean over the
    ``baseline_s`` (10 s, choice) before the onset. ``rupture_type`` is the larger one's
    type when it reaches ``threshold`` (0.5 SD, choice), else ``'unclassified'``; missing
    (``pd.NA``) on attuned rows. Channels without a role are not used.

    Examples
    --------
    >>> from attunement import Session
    >>> t = np.arange(60.0)
    >>> still = np.where((t >= 30) & (t < 45), 0.0, 1.0) + 0.1 * np.sin(t)
    >>> s = Session.from_arrays(still, np.ones(60) + 0.1 * np.cos(t), 1, channel="movement")
    >>> eps = pd.DataFrame({"onset_s": [30.0], "offset_s": [45.0], "kind": ["rupture"]})
    >>> type_ruptures(s, eps)["rupture_type"].tolist()
    ['withdrawal-like']
    """
    role_of = channel_roles(session.channels, roles)
    times = session.times
    rows = []
    for ep in episodes.itertuples(index=False):
        if ep.kind != "rupture":
            rows.append((None, np.nan, np.nan))
            continue
        base = (times >= ep.onset_s - baseline_s) & (times < ep.onset_s)
        during = (times >= ep.onset_s) & (times < ep.offset_s)
        changes = {role: [] for role in ROLES}
        for channel, role in role_of.items():
            for partner in session.partners:
                x = session.signal(partner, channel)
                changes[role].append((partner, _change(x, base, during)))
        away = _side(changes, session.partners, ("activity", "positive"), sign=-1.0)
        against = _side(changes, session.partners, ("negative", "arousal"), sign=1.0)
        rows.append((_label(away, against, threshold), away, against))
    out = pd.DataFrame(rows, columns=TYPE_COLUMNS, index=episodes.index)
    return out.astype({"rupture_type": "string"})


def _change(x: np.ndarray, base: np.ndarray, during: np.ndarray) -> float:
    sd = np.nanstd(x)
    if not base.any() or not during.any() or not np.isfinite(sd) or sd == 0:
        return np.nan
    with np.errstate(invalid="ignore"):
        before, inside = np.nanmean(x[base]), np.nanmean(x[during])
    return float((inside - before) / sd)


def _side(changes, partners, roles, sign) -> float:
    best = np.nan
    for partner in partners:
        values = [sign * d for role in roles for p, d in changes[role] if p == partner]
        values = [v for v in values if np.isfinite(v)]
        if values:
            best = np.nanmax([best, float(np.mean(values))])
    return best


def _label(away: float, against: float, threshold: float) -> str:
    scores = {"withdrawal-like": away, "confrontation-like": against}
    scores = {k: v for k, v in scores.items() if np.isfinite(v)}
    if not scores:
        return "unclassified"
    kind, value = max(scores.items(), key=lambda kv: kv[1])
    return kind if value >= threshold else "unclassified"
