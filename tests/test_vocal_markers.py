"""Vocal rupture markers against planted truth, and the pseudo-dyad negative control.

References: the planted utterances of the espeak-ng conversation (tests/voices.py: a 2.0 s
switching pause, a 0.27 s turn, a 0.3 s overlap), and simulated dialogues with turn-taking
whose pseudo-dyads (partner 1 of one with partner 2 of another) talk over each other.
"""

from __future__ import annotations

import numpy as np
import pytest
from voices import needs_espeak

from attunement.episodes.vocal_markers import (
    MARKERS,
    RATE_COLUMNS,
    vocal_marker_rates,
    vocal_markers,
)
from attunement.session import Session
from attunement.sync.vocal_states import vocal_states


def _expected(truth, long_pause_s, minimal_s, overlap_s):
    rows = truth.sort_values("onset_s").to_dict("records")
    out = []
    for prev, nxt in zip(rows, rows[1:]):
        gap = nxt["onset_s"] - prev["offset_s"]
        if prev["partner"] != nxt["partner"]:
            if gap > long_pause_s:
                out.append(("long_switching_pause", prev["partner"], prev["offset_s"]))
            if -gap >= overlap_s:
                out.append(("overlap", nxt["partner"], nxt["onset_s"]))
    # minimal responses: closed turns (one partner's run of utterances) with little speech
    turns, current = [], [rows[0]]
    for r in rows[1:]:
        if r["partner"] == current[-1]["partner"]:
            current.append(r)
        else:
            turns.append(current)
            current = [r]
    for t in turns:  # the last turn stays open
        if sum(u["offset_s"] - u["onset_s"] for u in t) < minimal_s:
            out.append(("minimal_response", t[0]["partner"], t[0]["onset_s"]))
    return out


@needs_espeak
def test_markers_of_the_planted_conversation(talk, talk_session):
    _, _, truth = talk
    s = talk_session
    params = dict(long_pause_s=1.5, minimal_response_s=0.5, overlap_s=0.25)
    got = vocal_markers(vocal_states(s), **params)
    want = _expected(truth, 1.5, 0.5, 0.25)
    assert sorted(m for m, _, _ in want) == ["long_switching_pause", "minimal_response",
                                             "overlap"]
    assert len(got) == len(want)
    for marker, who, onset in want:
        row = got[(got.marker == marker) & (got.partner == s.partners[who])]
        assert len(row) == 1 and abs(row.onset_s.iloc[0] - onset) <= 0.06, (marker, row)
    assert got.attrs["params"] == params


def _dialogue(seed: int, n_turns: int = 40, rate: int = 10):
    """Turn-taking without overlap: each partner answers after a switching pause."""
    rng = np.random.default_rng(seed)
    v1, v2 = [], []
    for _ in range(n_turns):
        a, b = rng.integers(10, 40, size=2)
        g1, g2 = rng.integers(3, 15, size=2)
        v1 += [1] * a + [0] * (g1 + b + g2)
        v2 += [0] * (a + g1) + [1] * b + [0] * g2
    return Session.from_arrays(np.array(v1, float), np.array(v2, float), rate,
                               channel="voice", id=f"d{seed}")


def test_pseudo_dyads_talk_over_each_other_real_dyads_do_not():
    sessions = [_dialogue(seed) for seed in range(4)]
    rates = vocal_marker_rates(sessions, per_session=2, base_s=None)
    assert list(rates.columns) == RATE_COLUMNS and len(rates) == 4 + 8
    real, pseudo = rates[rates.kind == "real"], rates[rates.kind == "pseudo"]
    assert (real.overlap_per_min == 0).all()
    assert (pseudo.overlap_per_min > 0).all()
    assert set(MARKERS) <= {c.removesuffix("_per_min") for c in rates.columns}
    # per minute and per turn count the same markers
    np.testing.assert_allclose(rates.overlap_per_turn * rates.n_turns,
                               rates.overlap_per_min * rates.observed_min)
    assert (real.n_turns >= 80).all()  # 40 exchanges of two turns each


def test_bad_thresholds_are_named():
    st = vocal_states(np.r_[np.ones(10), np.zeros(10)], np.r_[np.zeros(12), np.ones(8)], 10)
    with pytest.raises(ValueError, match="'overlap_s'"):
        vocal_markers(st, overlap_s=0)
    with pytest.raises(ValueError, match="'long_pause_s'"):
        vocal_markers(st, long_pause_s=-1)
