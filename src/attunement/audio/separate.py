"""Two voices from one microphone, told apart by pitch (an adult and an infant).

Only voices whose fundamental frequencies do not overlap can be separated this way: an
adult's speech (men about 100-150 Hz, women about 180-250 Hz, infant-directed speech
higher) against an infant's vocalisations (about 300-500 Hz; Kent & Murray 1982, JASA
72:353). Each run of detected voice (a segment) goes to the partner on its side of a
pitch split, by the segment's median F0. Its ``confidence`` is the share of its pitched
frames on that side (1: every frame agrees; 0.5: a coin toss). Segments without any
pitched frame cannot be placed: they are kept in the segment table as ``unassigned``
and their frames are missing (NaN) for both partners. Two voices at once are given to
one of them: a single microphone cannot say who else spoke.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._check import check_positive
from .features import VoiceFeatures

SEGMENT_COLUMNS = ["onset_s", "offset_s", "partner", "median_f0_hz", "confidence"]


def voice_runs(voice: np.ndarray) -> np.ndarray:
    """``(start, stop)`` frame indices of each run of ``voice == 1``.

    Examples
    --------
    >>> voice_runs(np.array([0, 1, 1, 0, 1])).tolist()
    [[1, 3], [4, 5]]
    """
    v = np.r_[0, (np.asarray(voice) == 1).astype(int), 0]
    edges = np.flatnonzero(np.diff(v))
    return edges.reshape(-1, 2)


def pitch_split_hz(medians_hz, weights) -> float:
    """The pitch that best separates segment medians into two groups: Otsu's threshold
    (the largest between-group variance) on log F0, weighted by segment length.

    Examples
    --------
    >>> round(pitch_split_hz([110, 120, 115, 380, 400], [1, 1, 1, 1, 1]))
    214
    """
    logs = np.log(np.asarray(medians_hz, dtype=float))
    w = np.asarray(weights, dtype=float)
    order = np.argsort(logs)
    logs, w = logs[order], w[order]
    if logs.size < 2 or logs[0] == logs[-1]:
        raise ValueError(
            "Invalid input: a pitch split needs voiced segments at two different pitches; "
            f"found {logs.size} segment(s). Pass 'split_hz' to set the split."
        )
    best, cut = -1.0, 0
    for i in range(1, logs.size):
        w0, w1 = w[:i].sum(), w[i:].sum()
        m0, m1 = np.average(logs[:i], weights=w[:i]), np.average(logs[i:], weights=w[i:])
        between = w0 * w1 * (m0 - m1) ** 2
        if between > best:
            best, cut = between, i
    return float(np.exp((logs[cut - 1] + logs[cut]) / 2))


def split_by_pitch(features: VoiceFeatures, partners: tuple[str, str],
                   split_hz: float | None = None):
    """One channel's voice divided between a low (``partners[0]``) and a high voice.

    Returns
    -------
    per_partner : dict
        ``partner -> (voice, f0_hz, confidence)`` frame arrays; voice is NaN in
        unassigned segments.
    segments : DataFrame
        ``onset_s, offset_s, partner`` (or ``unassigned``), ``median_f0_hz``,
        ``confidence``.
    split_hz : float
        The split used (estimated when not given).

    Examples
    --------
    >>> f0 = np.r_[np.full(20, np.nan), np.full(30, 120.0), np.full(20, np.nan),
    ...            np.full(30, 400.0)]
    >>> feats = VoiceFeatures((~np.isnan(f0)).astype(float), f0, np.zeros(100), 0.01)
    >>> _, seg, split = split_by_pitch(feats, ("caregiver", "infant"))
    >>> seg["partner"].tolist(), round(split)
    (['caregiver', 'infant'], 219)
    """
    runs = voice_runs(features.voice)
    f0 = features.f0_hz
    medians = np.array([np.nanmedian(f0[a:b]) if np.isfinite(f0[a:b]).any() else np.nan
                        for a, b in runs])
    pitched = np.isfinite(medians)
    if split_hz is None:
        split = pitch_split_hz(medians[pitched], np.diff(runs[pitched], axis=1).ravel())
    else:
        split = check_positive(split_hz, "split_hz")
    n = features.n_frames
    out = {p: [np.zeros(n), np.full(n, np.nan), np.full(n, np.nan)] for p in partners}
    rows = []
    for (a, b), median in zip(runs, medians):
        frame_f0 = f0[a:b][np.isfinite(f0[a:b])]
        if not np.isfinite(median):
            for p in partners:
                out[p][0][a:b] = np.nan
            rows.append((a, b, "unassigned", np.nan, 0.0))
            continue
        high = bool(median > split)
        who = partners[int(high)]
        confidence = float(np.mean((frame_f0 > split) == high))
        out[who][0][a:b] = 1.0
        out[who][1][a:b] = f0[a:b]
        out[who][2][a:b] = confidence
        rows.append((a, b, who, float(median), confidence))
    step = features.frame_s
    segments = pd.DataFrame(
        [(a * step, b * step, who, m, c) for a, b, who, m, c in rows], columns=SEGMENT_COLUMNS
    )
    return {p: tuple(v) for p, v in out.items()}, segments, split
