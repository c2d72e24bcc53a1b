"""Vocal states of a dialogue in Jaffe & Feldstein's terms (Rhythms of Dialogue, 1970).

From each partner's voice activity (1 voice, 0 none), at every moment:

- the **turn** belongs to whoever last vocalised alone; it passes when the other partner
  vocalises alone (the first solo vocalisation opens the first turn);
- the turn-holder's sound is a **vocalization**;
- a joint silence inside a turn is the holder's **pause** when the holder speaks next, and
  the holder's **switching pause** when the other partner takes the turn after it;
- the other partner's sound while the holder vocalises is their **simultaneous speech**
  (both at once before any turn is simultaneous speech of both).

A silence after the last solo vocalisation (nobody speaks again) is not coded. Jaffe et al.
(2001, Monogr Soc Res Child Dev 66:2) and Beebe et al. (2010, Attach Hum Dev 12:3) code
vocal rhythm on a 0.25 s base: :func:`code_vocal_states` bins the voice first (a bin is
vocal when voice fills at least ``min_voiced`` of it), then codes the bins the same way.
Missing voice (NaN) is read as silence and counted (``params["n_missing"]``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .._check import check_positive
from .._pairs import read_pair
from ..audio.separate import voice_runs

#: The coded states, in the order of :data:`STATE_CODES`; ``none`` for not coded.
STATES = ("vocalization", "pause", "switching_pause", "simultaneous_speech", "turn")
EVENT_COLUMNS = ["onset_s", "offset_s", "duration_s", "partner", "state"]
_CODES = {1: "vocalization", 2: "pause", 3: "switching_pause", 4: "simultaneous_speech"}


@dataclass
class VocalStates:
    """Vocal states of two partners.

    ``events`` has one row per state event: ``onset_s, offset_s, duration_s, partner``
    (the partner's name, or 1 and 2 for arrays) and ``state`` (one of :data:`STATES`);
    turns overlap the other states. ``codes`` is ``(2, n)``: the state code of each partner
    at each sample (0 none, 1 vocalization, 2 pause, 3 switching pause, 4 simultaneous
    speech) and ``turn`` the holder (0 none, 1, 2).
    """

    events: pd.DataFrame
    codes: np.ndarray
    turn: np.ndarray
    sampling_rate: float
    partners: tuple
    params: dict = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        """The events table."""
        return self.events.copy()

    def series(self) -> pd.DataFrame:
        """The coded series, tidy: ``time_s, partner, vocal_state, turn`` (bool)."""
        n = self.codes.shape[1]
        time = np.arange(n) / self.sampling_rate
        names = np.array(["none", *_CODES.values()], dtype=object)
        return pd.DataFrame({
            "time_s": np.tile(time, 2),
            "partner": np.repeat(np.array(self.partners, dtype=object), n),
            "vocal_state": names[self.codes.ravel()],
            "turn": np.concatenate([self.turn == 1, self.turn == 2]),
        })


def vocal_states(x1, x2=None, sampling_rate: float | None = None, *,
                 channel: str = "voice") -> VocalStates:
    """Jaffe & Feldstein's vocal states from two voice-activity series, as events.

    Parameters
    ----------
    x1, x2 : array of 0/1 (NaN missing), or a Session in place of ``x1``
        Each partner's voice activity (``voice``, from :func:`attunement.extract_audio`).
    sampling_rate : float
        Samples per second of the voice series.

    Examples
    --------
    >>> a = np.r_[np.ones(4), np.zeros(6), np.zeros(4), np.zeros(2)]
    >>> b = np.r_[np.zeros(4), np.zeros(6), np.ones(4), np.zeros(2)]
    >>> st = vocal_states(a, b, 2)
    >>> st.events[["onset_s", "offset_s", "partner", "state"]].to_numpy().tolist()
    [[0.0, 2.0, 1, 'vocalization'], [0.0, 5.0, 1, 'turn'], [2.0, 5.0, 1, 'switching_pause'], \
[5.0, 7.0, 2, 'vocalization'], [5.0, 8.0, 2, 'turn']]
    """
    v1, v2, rate, partners = _voices(x1, x2, sampling_rate, channel)
    return _states(v1, v2, rate, partners, {"base_s": 1 / rate})


def code_vocal_states(x1, x2=None, sampling_rate: float | None = None, *,
                      channel: str = "voice", base_s: float = 0.25,
                      min_voiced: float = 0.5) -> VocalStates:
    """Vocal states on a coded time base (0.25 s: Jaffe et al. 2001; Beebe et al. 2010).

    Parameters
    ----------
    base_s : float
        Bin length in seconds; a last incomplete bin is left out (``params``).
    min_voiced : float
        Share of a bin that voice must fill for the bin to be vocal (choice: half).

    Examples
    --------
    >>> a = np.r_[np.ones(50), np.zeros(150)]
    >>> b = np.r_[np.zeros(120), np.ones(50), np.zeros(30)]
    >>> st = code_vocal_states(a, b, 100)
    >>> st.series().query("partner == 1").vocal_state.tolist()[:6]
    ['vocalization', 'vocalization', 'switching_pause', 'switching_pause', \
'switching_pause', 'none']
    """
    v1, v2, rate, partners = _voices(x1, x2, sampling_rate, channel)
    width = max(1, round(check_positive(base_s, "base_s") * rate))
    if not 0 < min_voiced <= 1:
        raise ValueError(f"Invalid value for 'min_voiced': expected a share in (0, 1], got "
                         f"{min_voiced!r}.")
    n = v1.size // width
    if n < 2:
        raise ValueError(f"Invalid input: {v1.size} samples make {n} bin(s) of {base_s} s; "
                         "expected at least 2.")
    binned = [(v[: n * width].reshape(n, width).mean(axis=1) >= min_voiced - 1e-9).astype(float)
              for v in (v1, v2)]
    params = {"base_s": width / rate, "min_voiced": float(min_voiced),
              "samples_left_out": int(v1.size - n * width)}
    return _states(*binned, rate / width, partners, params)


def _voices(x1, x2, sampling_rate, channel):
    partners = x1.partners if hasattr(x1, "partners") else (1, 2)
    v1, v2, rate = read_pair(x1, x2, sampling_rate, channel)
    for name, v in (("x1", v1), ("x2", v2)):
        ok = v[np.isfinite(v)]
        if not np.isin(ok, (0.0, 1.0)).all():
            raise ValueError(f"Invalid value for {name!r}: expected voice activity of 0 and 1 "
                             f"(NaN missing), got values such as {ok[~np.isin(ok, (0, 1))][0]}.")
    return v1, v2, rate, tuple(partners)


def _states(v1, v2, rate, partners, params) -> VocalStates:
    missing = np.isnan(v1) | np.isnan(v2)
    a, b = np.nan_to_num(v1) == 1, np.nan_to_num(v2) == 1
    solo = np.where(a & ~b, 1, np.where(b & ~a, 2, 0))
    turn = _ffill(solo)
    following = _ffill(solo[::-1])[::-1]  # who vocalises alone next (0: nobody)
    nxt = np.r_[following[1:], 0]
    silent = ~a & ~b
    codes = np.zeros((2, a.size), dtype=int)
    for k, (own, holder) in enumerate(((a, 1), (b, 2))):
        c = codes[k]
        c[own & (turn == holder)] = 1
        c[own & (turn != holder)] = 4
        held = silent & (turn == holder)
        c[held & (nxt == holder)] = 2
        c[held & (nxt != holder) & (nxt != 0)] = 3
    events = _events(codes, turn, rate, partners)
    params = {**params, "n_missing": int(missing.sum())}
    return VocalStates(events, codes, turn, float(rate), partners, params)


def _ffill(values: np.ndarray) -> np.ndarray:
    """Carry the last non-zero value forward (0 before the first)."""
    idx = np.where(values != 0, np.arange(values.size), 0)
    np.maximum.accumulate(idx, out=idx)
    return values[idx]  # before the first non-zero value, values[0] is 0


def _events(codes, turn, rate, partners) -> pd.DataFrame:
    rows = []
    for k, partner in enumerate(partners):
        for code, state in _CODES.items():
            rows += [(a, b, partner, state) for a, b in voice_runs(codes[k] == code)]
        rows += [(a, b, partner, "turn") for a, b in voice_runs(turn == k + 1)]
    events = pd.DataFrame(rows, columns=["a", "b", "partner", "state"])
    events["onset_s"] = events["a"] / rate
    events["offset_s"] = events["b"] / rate
    events["duration_s"] = events["offset_s"] - events["onset_s"]
    order = {s: i for i, s in enumerate(STATES)}
    events["_o"] = events["state"].map(order)
    events["_p"] = events["partner"].map({p: i for i, p in enumerate(partners)})
    events = events.sort_values(["onset_s", "_p", "_o"], kind="stable")
    return events[EVENT_COLUMNS].reset_index(drop=True)
