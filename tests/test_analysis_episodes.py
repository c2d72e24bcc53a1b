"""Why a session yields no episodes (attunement.analysis.episodes). References: the
paradigm's lengths (infant-face-to-face: 4 s window, 2 s lags, 1 s pre-whitening, so
70 samples at 10 Hz) and a planted constant channel."""

from __future__ import annotations

import numpy as np

from attunement import Session
from attunement.analysis.episodes import episode_reasons


def test_reasons_name_a_constant_channel_and_too_few_samples():
    rng = np.random.default_rng(0)
    s = Session.from_arrays(rng.normal(size=69), np.ones(69), sampling_rate=10,
                            partners=("mother", "infant"), channel="smile")
    reasons = episode_reasons(s)
    assert reasons[0] == "infant smile constant (every value 1)"
    assert reasons[1].startswith("too few samples (69 at 10 Hz;") and "needs 70" in reasons[1]
    ok = Session.from_arrays(rng.normal(size=70), rng.normal(size=70), sampling_rate=10,
                             channel="smile")
    assert episode_reasons(ok, ["smile"]) == []
    # a longer window of another paradigm needs more: 30 s + 5 s lags + pre-whitening
    assert episode_reasons(ok, paradigm="psychotherapy-movement")[0].startswith(
        "too few samples (70 at 10 Hz; a 30 s window")
