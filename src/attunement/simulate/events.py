"""The dyad's time course: procedure phases, ruptures and repairs, switching coupling.

Events are drawn in continuous time (seconds) from their own random stream, so the
same seed gives the same episodes at any sampling rate; :func:`coupling_course`
then lays them on a sample grid.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .._check import check_option, check_positive
from ..session import empty_phases
from .styles import DyadStyle

PROCEDURES = ("free-play", "still-face")
STILL_FACE_LABELS = ("play", "still-face", "reunion")
#: Free play lasts 10 min unless told otherwise (choice).
DEFAULT_DURATION_S = 600.0
EPISODE_COLUMNS = [
    "onset_s",
    "offset_s",
    "kind",
    "repaired",
    "repair_latency_s",
    "long_unrepaired",
]


def procedure_phases(
    procedure: str, duration_s: float | None, phase_s: Sequence[float] | None
) -> tuple[float, pd.DataFrame]:
    """The session's duration and its phases table.

    The still-face procedure (Tronick et al. 1978) has play, still-face and reunion;
    ``phase_s`` gives their lengths (default: three equal thirds of ``duration_s``,
    as the usual 2 / 2 / 2 min). ``duration_s`` defaults to the sum of ``phase_s``,
    else 600 s. Free play has no phases.

    Examples
    --------
    >>> procedure_phases("still-face", None, (180, 60, 180))[1].label.tolist()
    ['play', 'still-face', 'reunion']
    """
    check_option(procedure, "procedure", PROCEDURES)
    if phase_s is not None:
        if procedure != "still-face":
            raise ValueError(
                "Invalid value for 'phase_s': phase lengths apply only to procedure "
                f"'still-face', got procedure {procedure!r}."
            )
        lengths = [check_positive(p, "phase_s") for p in phase_s]
        if len(lengths) != 3:
            raise ValueError(
                "Invalid value for 'phase_s': expected three lengths in seconds (play, "
                f"still-face, reunion), got {list(phase_s)!r}."
            )
        total = sum(lengths)
        if duration_s is not None and abs(check_positive(duration_s, "duration_s") - total) > 1e-6:
            raise ValueError(
                f"Invalid value for 'phase_s': the phases sum to {total:g} s but "
                f"'duration_s' is {duration_s:g} s; give one or make them agree."
            )
        duration_s = total
    duration_s = check_positive(
        DEFAULT_DURATION_S if duration_s is None else duration_s, "duration_s"
    )
    if procedure == "free-play":
        return duration_s, empty_phases()
    lengths = lengths if phase_s is not None else [duration_s / 3] * 3
    onsets = np.concatenate([[0.0], np.cumsum(lengths)[:-1]])
    phases = pd.DataFrame(
        {"onset_s": onsets, "duration_s": lengths, "label": list(STILL_FACE_LABELS)}
    )
    return duration_s, phases


def draw_episodes(
    style: DyadStyle, phases: pd.DataFrame, duration_s: float, rng: np.random.Generator
) -> pd.DataFrame:
    """Ruptures (repaired or not) in the interactive stretches, plus the still-face.

    Within each interactive stretch (the whole session, or play and reunion) an
    attuned stretch of ``min_gap_s + Exponential`` (mean ``attuned_s``) precedes
    each rupture. A rupture is repaired with probability ``p_repair`` after a
    latency from ``min_rupture_s + Gamma(2)`` (mean ``repair_latency_s``, capped at
    ``max_repair_s``); otherwise it is a breakdown of ``breakdown_s``. A rupture
    still running when its stretch ends is cut there and counts as unrepaired.
    The still-face phase is listed as an episode of kind ``'still-face'``, repaired
    by the reunion.

    Returns
    -------
    DataFrame
        ``onset_s, offset_s, kind, repaired, repair_latency_s, long_unrepaired``.

    Examples
    --------
    >>> from attunement.simulate.styles import STYLES
    >>> eps = draw_episodes(STYLES["sensitive"], empty_phases(), 600, np.random.default_rng(0))
    >>> list(eps.columns) == EPISODE_COLUMNS and bool((eps.kind == "rupture").all())
    True
    """
    rows = []
    for start, stop in _interactive_stretches(phases, duration_s):
        t = start + _attuned_gap(style, rng)
        while t + style.min_rupture_s <= stop:
            repaired = bool(rng.random() < style.p_repair)
            if repaired:
                extra = rng.gamma(2.0, (style.repair_latency_s - style.min_rupture_s) / 2)
                length = min(style.min_rupture_s + extra, style.max_repair_s)
            else:
                length = rng.uniform(*style.breakdown_s)
            offset = min(t + length, stop)
            repaired = repaired and t + length < stop
            rows.append(_episode(t, offset, "rupture", repaired, style.long_unrepaired_s))
            t = offset + _attuned_gap(style, rng)
    for phase in phases.itertuples():
        if phase.label == "still-face":
            end = phase.onset_s + phase.duration_s
            rows.append(
                _episode(
                    phase.onset_s, end, "still-face", end < duration_s, style.long_unrepaired_s
                )
            )
    table = pd.DataFrame(rows, columns=EPISODE_COLUMNS)
    table = table.astype({"onset_s": float, "offset_s": float, "repair_latency_s": float})
    table = table.astype({"repaired": bool, "long_unrepaired": bool})
    return table.sort_values("onset_s", kind="stable").reset_index(drop=True)


def draw_switches(style: DyadStyle, duration_s: float, rng: np.random.Generator) -> pd.DataFrame:
    """Coupling levels over time for switching styles: ``onset_s, level`` (one row if none).

    Examples
    --------
    >>> from attunement.simulate.styles import STYLES
    >>> draw_switches(STYLES["sensitive"], 60, np.random.default_rng(0))
       onset_s  level
    0      0.0    1.0
    """
    levels = style.switch_levels
    if len(levels) < 2:
        level = levels[0] if levels else 1.0
        return pd.DataFrame({"onset_s": [0.0], "level": [float(level)]})
    onsets, chosen = [0.0], [int(rng.integers(len(levels)))]
    t = rng.exponential(style.switch_s)
    while t < duration_s:
        step = int(rng.integers(1, len(levels)))
        chosen.append((chosen[-1] + step) % len(levels))
        onsets.append(float(t))
        t += rng.exponential(style.switch_s)
    return pd.DataFrame({"onset_s": onsets, "level": [float(levels[i]) for i in chosen]})


def coupling_course(
    style: DyadStyle, times: np.ndarray, episodes: pd.DataFrame, switches: pd.DataFrame
) -> tuple[pd.DataFrame, np.ndarray]:
    """The ground-truth coupling on a time grid, and the infant's distress drive.

    ``k = baseline x switching level x engagement``, where engagement is
    ``rupture_level`` during a rupture, 0 during the still-face and 1 otherwise;
    ``attuned`` is True outside ruptures and the still-face. The drive,
    ``1 - min(level x engagement, 1)``, is the loss of contingent responsiveness
    the infant reacts to (:func:`attunement.simulate.dynamics.distress`).

    Returns
    -------
    coupling : DataFrame
        ``time_s, k_12, k_21, attuned``.
    drive : ndarray
        In ``[0, 1]``, one value per time.

    Examples
    --------
    >>> from attunement.simulate.styles import STYLES
    >>> eps = pd.DataFrame({"onset_s": [1.0], "offset_s": [2.0], "kind": ["rupture"]})
    >>> one = pd.DataFrame({"onset_s": [0.0], "level": [1.0]})
    >>> coupling, drive = coupling_course(STYLES["sensitive"], np.arange(4.0), eps, one)
    >>> coupling.k_12.tolist(), drive.tolist()
    ([0.5, 0.05, 0.5, 0.5], [0.0, 0.9, 0.0, 0.0])
    """
    level = switches.level.to_numpy()[
        np.searchsorted(switches.onset_s.to_numpy(), times, side="right") - 1
    ]
    engaged = np.ones_like(times)
    for ep in episodes.itertuples():
        i0, i1 = np.searchsorted(times, [ep.onset_s, ep.offset_s])
        engaged[i0:i1] = style.rupture_level if ep.kind == "rupture" else 0.0
    coupling = pd.DataFrame(
        {
            "time_s": times,
            "k_12": style.k_12 * level * engaged,
            "k_21": style.k_21 * level * engaged,
            "attuned": engaged == 1.0,
        }
    )
    return coupling, 1.0 - np.minimum(level * engaged, 1.0)


def _interactive_stretches(phases: pd.DataFrame, duration_s: float) -> list[tuple[float, float]]:
    if phases.empty:
        return [(0.0, duration_s)]
    play = phases[phases.label != "still-face"]
    return [(p.onset_s, p.onset_s + p.duration_s) for p in play.itertuples()]


def _attuned_gap(style: DyadStyle, rng: np.random.Generator) -> float:
    return style.min_gap_s + rng.exponential(max(style.attuned_s - style.min_gap_s, 1e-9))


def _episode(onset, offset, kind, repaired, long_s) -> dict:
    return {
        "onset_s": float(onset),
        "offset_s": float(offset),
        "kind": kind,
        "repaired": bool(repaired),
        "repair_latency_s": float(offset - onset) if repaired else np.nan,
        "long_unrepaired": bool(offset - onset >= long_s),
    }
