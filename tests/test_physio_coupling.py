"""Heart-rate coupling by windowed lagged cross-correlation and inside vs outside
behavioural-synchrony episodes (attunement.linkage.coupling).

Ground truth: the coupled AR model of tests/test_physio_linkage.py with coupling that
switches on in known episodes, and the project simulator (``simulate_dyad``), whose
heart rates couple at ``ChannelModel.hr_lag_s`` = 0.5 s and more strongly while the dyad
is attuned (its truth table ``coupling.attuned``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_physio_linkage import SR, ar1, hr_pair

from attunement import simulate_dyad
from attunement.linkage.coupling import coupling_by_episode, hr_coupling, synchrony_episodes
from attunement.physio.segments import runs

EPISODES = pd.DataFrame({"onset_s": [20.0, 130.0, 250.0, 330.0, 470.0],
                         "duration_s": [60.0, 40.0, 45.0, 80.0, 50.0]})


def switching_pair(seed, c_inside=0.8, c_outside=0.0, lag_s=0.5, minutes=10.0):
    """Partner 2 follows partner 1 with coupling ``c_inside`` during EPISODES."""
    rng = np.random.default_rng(seed)
    n, lag = int(minutes * 60 * SR), int(round(lag_s * SR))
    t = np.arange(n) / SR
    inside = np.any([(t >= a) & (t < a + d) for a, d in EPISODES.to_numpy()], axis=0)
    c = np.where(inside, c_inside, c_outside)
    u1, u2 = ar1(rng, n + lag, 3.0), ar1(rng, n + lag, 3.0)
    x2 = np.sqrt(1 - c * c) * u2[lag:] + c * u1[:-lag]
    return 80 + 5 * u1[lag:], 120 + 8 * x2


@pytest.mark.parametrize(("lag_s", "leader"), [(0.5, 1), (0.5, 2), (1.0, 1)])
def test_lag_is_recovered(lag_s, leader):
    x1, x2 = hr_pair(11, c=0.7, lag_s=lag_s, leader=leader)
    res = hr_coupling(x1, x2, SR, n_surrogates=99, seed=0)
    assert res.params["lag_s"] == (lag_s if leader == 1 else -lag_s)
    assert res.p_value == 0.01
    assert res.series["peak_lag_s"].median() == res.params["lag_s"]


def test_coupled_vs_uncoupled():
    coupled = hr_coupling(*hr_pair(12, c=0.6), SR, n_surrogates=99, seed=0)
    alone = hr_coupling(*hr_pair(12, c=0.0), SR, n_surrogates=99, seed=0)
    assert coupled.p_value < 0.05 < alone.p_value
    assert coupled.effect_size > alone.effect_size + 0.3


def test_inside_vs_outside_episodes():
    res = coupling_by_episode(*switching_pair(13), SR, EPISODES, n_surrogates=99, seed=0)
    # inside: about the coupling 0.8; outside: chance peaks over 25 lags of 10 s windows
    assert res.test.p_value == 0.01 and res.difference > 0.2
    assert res.n_inside + res.n_outside == len(res.windows)
    flat = coupling_by_episode(*switching_pair(13, c_outside=0.8), SR, EPISODES,
                               n_surrogates=99, seed=0)
    assert flat.test.p_value > 0.05 and abs(flat.difference) < 0.1
    assert list(res.to_frame().columns[-4:]) == ["inside", "outside", "n_inside", "n_outside"]


@pytest.mark.slow
def test_false_positive_rates_are_calibrated():
    # independent pairs (hr_coupling) and constant coupling (episodes): 100 each;
    # a calibrated test rejects more than 10 with probability 0.01
    coupling = episodes = 0
    for seed in range(100):
        coupling += hr_coupling(*hr_pair(3000 + seed), SR, n_surrogates=99,
                                seed=seed).p_value < 0.05
        episodes += coupling_by_episode(*switching_pair(4000 + seed, 0.5, 0.5), SR,
                                        EPISODES, n_surrogates=99,
                                        seed=seed).test.p_value < 0.05
    assert coupling <= 10 and episodes <= 10, (coupling, episodes)


@pytest.mark.parametrize("seed", [1, 2])
def test_project_simulator(seed):
    sim = simulate_dyad(style="intrusive", duration_s=900, sampling_rate=SR, seed=seed,
                        channels=["hr_bpm"])
    h1, h2 = sim.session.pair("hr_bpm")
    assert abs(hr_coupling(h1, h2, SR, n_surrogates=0).params["lag_s"]) == 0.5
    attuned = sim.coupling["attuned"].to_numpy()
    episodes = pd.DataFrame([(a / SR, (b - a) / SR) for a, b in runs(attuned)],
                            columns=["onset_s", "duration_s"])
    res = coupling_by_episode(h1, h2, SR, episodes, n_surrogates=99, seed=0)
    assert res.difference > 0.1 and res.test.p_value < 0.05


def test_synchrony_episodes_from_behaviour():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(2, 2400))
    b[800:1600] = a[800:1600] + 0.3 * rng.normal(size=800)  # 200-400 s at 4 Hz
    # 20 s windows: chance peaks over the lags of white noise stay below r = 0.5
    eps = synchrony_episodes(a, b, SR, window_s=20, step_s=1)
    assert len(eps) == 1
    assert eps.loc[0, "onset_s"] == pytest.approx(200, abs=10)  # within half a window
    assert eps.loc[0, "onset_s"] + eps.loc[0, "duration_s"] == pytest.approx(400, abs=10)


def test_feldman_limits_and_errors():
    x1, x2 = hr_pair(14)
    with pytest.raises(ValueError, match="needs at least 4 Hz \\(Feldman et al. 2011\\)"):
        hr_coupling(x1[::4], x2[::4], 1.0)
    with pytest.raises(ValueError, match="'max_lag_s'.*search at least 1 s, got 0.5 s"):
        hr_coupling(x1, x2, SR, max_lag_s=0.5)
    everything = pd.DataFrame({"onset_s": [0.0], "duration_s": [600.0]})
    with pytest.raises(ValueError, match="0 outside the episodes; need both"):
        coupling_by_episode(x1, x2, SR, everything)
    with pytest.raises(ValueError, match="episodes: missing column"):
        coupling_by_episode(x1, x2, SR, pd.DataFrame({"start": [0.0]}))
