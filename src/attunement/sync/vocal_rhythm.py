"""Vocal rhythm: the durations of each vocal state, and their coordination between partners.

Jaffe et al. (2001, Monogr Soc Res Child Dev 66:2) describe each partner's rhythm by the
durations of their vocalizations, pauses, switching pauses and turns, and its coordination
by lagged dependence of one partner's durations on the other's: *self-contingency* (a
partner's duration on their own previous one) and *interactive contingency* (on the
partner's most recent one, own previous controlled), as in the contingency measure
(:mod:`attunement.sync.contingency`, whose least-squares fit is reused). Durations are
z-scored within partner, so the coefficients are standardised. Midrange coordination was
optimal for attachment (Jaffe et al. 2001), so both ends matter; compare against surrogates
with :func:`vocal_coordination_summary` as the ``measure`` of
:func:`attunement.stats.surrogate_test` (partner 2's voice re-timed, states recoded).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .contingency import ols
from .vocal_states import STATES, VocalStates, code_vocal_states, vocal_states

RHYTHM_COLUMNS = ["partner", "state", "n", "mean_duration_s", "sd_duration_s",
                  "median_duration_s", "total_s", "proportion"]
#: States whose duration sequences are coordinated (simultaneous speech is too rare).
COORDINATED = ("vocalization", "pause", "switching_pause", "turn")
MIN_EVENTS = 6


def vocal_rhythm(states: VocalStates) -> pd.DataFrame:
    """Per partner and state: count and durations (mean, SD, median, total) and the share
    of the recording in that state.

    Examples
    --------
    >>> a = np.r_[np.ones(4), np.zeros(6), np.zeros(6)]
    >>> b = np.r_[np.zeros(4), np.zeros(6), np.ones(4), np.zeros(2)]
    >>> table = vocal_rhythm(vocal_states(a, b, 2))
    >>> table.query("state == 'switching_pause'")[["n", "total_s"]].values.tolist()
    [[1.0, 3.0], [0.0, 0.0]]
    """
    span = states.codes.shape[1] / states.sampling_rate
    rows = []
    for partner in states.partners:
        own = states.events[states.events["partner"] == partner]
        for state in STATES:
            d = own.loc[own["state"] == state, "duration_s"].to_numpy()
            rows.append((partner, state, d.size, _stat(np.mean, d), _stat(np.std, d, ddof=1),
                         _stat(np.median, d), float(d.sum()), float(d.sum() / span)))
    return pd.DataFrame(rows, columns=RHYTHM_COLUMNS)


@dataclass
class VocalCoordination:
    """Self- and interactive contingency of state durations.

    ``table``: one row per (state, partner, kind): ``state``, ``partner`` (1 or 2),
    ``kind`` (``self`` or ``interactive``), ``direction`` (``2to1``: partner 2's last
    duration -> partner 1's next), ``coefficient``, ``se``, ``p_value``, ``n_events``
    (NaN coefficients when fewer than 6 events).
    """

    table: pd.DataFrame
    params: dict = field(default_factory=dict)

    def summary(self) -> dict:
        """``vocal_<kind>_<state>_<direction>`` -> coefficient."""
        return {f"vocal_{r.kind}_{r.state}_{r.direction}": r.coefficient
                for r in self.table.itertuples()}

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()


def vocal_coordination(states: VocalStates,
                       state_names: tuple[str, ...] = COORDINATED) -> VocalCoordination:
    """Lag-1 self- and interactive contingency of each state's durations.

    For partner ``p``'s k-th event of a state: its z-scored duration on ``p``'s previous
    one (self) and on the other partner's most recent one that ended before it began
    (interactive), fitted by least squares.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> v1, v2, t, gap = [], [], 0, 1.0
    >>> for k in range(40):  # partner 2 answers after a pause that copies partner 1's
    ...     g1 = rng.uniform(0.5, 2.0)
    ...     v1 += [1] * 50 + [0] * int(100 * g1); v2 += [0] * (50 + int(100 * g1))
    ...     g2 = g1 + rng.normal(0, 0.1)
    ...     v1 += [0] * (50 + int(100 * g2)); v2 += [1] * 50 + [0] * int(100 * g2)
    >>> res = vocal_coordination(vocal_states(np.array(v1, float), np.array(v2, float), 100))
    >>> row = res.table.query("state == 'switching_pause' and direction == '1to2'").iloc[0]
    >>> bool(row.coefficient > 0.8 and row.p_value < 0.001)
    True
    """
    unknown = [s for s in state_names if s not in COORDINATED]
    if unknown:
        raise ValueError(f"Invalid value for 'state_names': expected some of "
                         f"{list(COORDINATED)}, got {unknown}.")
    rows = []
    for state in state_names:
        ev = states.events[states.events["state"] == state]
        seqs = [ev[ev["partner"] == p] for p in states.partners]
        for k in (0, 1):
            rows += _fit(seqs[k], seqs[1 - k], state, k + 1)
    return VocalCoordination(pd.DataFrame(rows), {"lag": 1, "min_events": MIN_EVENTS,
                                                  **states.params})


def vocal_coordination_summary(x1, x2=None, sampling_rate=None, *, channel: str = "voice",
                               base_s: float | None = 0.25) -> dict:
    """Interactive contingency of switching pauses (both directions first), then the
    others: a ``measure`` for :func:`attunement.stats.surrogate_test`.

    ``base_s`` codes the states on that time base first (None: the samples as given).

    Examples
    --------
    >>> v = np.tile(np.r_[np.ones(100), np.zeros(100)], 20)
    >>> out = vocal_coordination_summary(v, 1 - v, 100)
    >>> list(out)[:2]
    ['vocal_interactive_switching_pause_2to1', 'vocal_interactive_switching_pause_1to2']
    """
    states = _coded(x1, x2, sampling_rate, channel, base_s)
    return _ordered(vocal_coordination(states).summary())


def vocal_summary(x1, x2, sampling_rate, *, base_s: float | None = 0.25) -> dict:
    """The registry's ``vocal`` measure, on the ``voice`` channel: coordination of state
    durations (:func:`vocal_coordination`), ``vocal_interactive_max_abs`` (the larger
    absolute interactive contingency of switching pauses, the headline), and each
    partner's mean state durations ``vocal_<state>_mean_s_<p1|p2>``.

    Examples
    --------
    >>> v = np.tile(np.r_[np.ones(100), np.zeros(100)], 20)
    >>> out = vocal_summary(v, 1 - v, 100)
    >>> out["vocal_vocalization_mean_s_p1"], out["vocal_switching_pause_mean_s_p2"]
    (1.0, nan)
    """
    states = _coded(x1, x2, sampling_rate, "voice", base_s)
    out = _ordered(vocal_coordination(states).summary())
    pair = [out["vocal_interactive_switching_pause_1to2"],
            out["vocal_interactive_switching_pause_2to1"]]
    out = {"vocal_interactive_max_abs": float(np.nanmax(np.abs(pair)))
           if np.isfinite(pair).any() else np.nan, **out}
    rhythm = vocal_rhythm(states)
    for k, partner in enumerate(states.partners, start=1):
        own = rhythm[rhythm.partner == partner]
        for row in own.itertuples():
            out[f"vocal_{row.state}_mean_s_p{k}"] = row.mean_duration_s
    return out


def _coded(x1, x2, sampling_rate, channel, base_s) -> VocalStates:
    if base_s is None:
        return vocal_states(x1, x2, sampling_rate, channel=channel)
    return code_vocal_states(x1, x2, sampling_rate, channel=channel, base_s=base_s)


def _ordered(summary: dict) -> dict:
    first = [k for k in summary if k.startswith("vocal_interactive_switching_pause")]
    return {**{k: summary[k] for k in first}, **{k: v for k, v in summary.items()
                                                 if k not in first}}


def _fit(own: pd.DataFrame, other: pd.DataFrame, state: str, who: int) -> list[dict]:
    d = own["duration_s"].to_numpy()
    on = own["onset_s"].to_numpy()
    ends = other["offset_s"].to_numpy()
    od = other["duration_s"].to_numpy()
    last = np.searchsorted(ends, on, side="right") - 1  # other's last event ended by then
    keep = np.flatnonzero((np.arange(d.size) >= 1) & (last >= 0))
    base = {"state": state, "partner": who}
    labels = (("self", f"{who}to{who}"), ("interactive", f"{3 - who}to{who}"))
    if keep.size < MIN_EVENTS or np.std(d) == 0 or np.std(od) == 0:
        return [{**base, "kind": k, "direction": r, "coefficient": np.nan, "se": np.nan,
                 "p_value": np.nan, "n_events": int(keep.size)} for k, r in labels]
    z, zo = _z(d), _z(od)
    x = np.column_stack([z[keep - 1], zo[last[keep]]])
    if np.linalg.matrix_rank(np.column_stack([np.ones(keep.size), x])) < 3:
        coef = se = p = np.full(2, np.nan)
    else:
        coef, se, p = ols(z[keep], x)
    return [{**base, "kind": k, "direction": r, "coefficient": float(coef[i]),
             "se": float(se[i]), "p_value": float(p[i]), "n_events": int(keep.size)}
            for i, (k, r) in enumerate(labels)]


def _z(a: np.ndarray) -> np.ndarray:
    return (a - a.mean()) / a.std()


def _stat(func, d, **kw) -> float:
    return float(func(d, **kw)) if d.size > kw.get("ddof", 0) else np.nan
