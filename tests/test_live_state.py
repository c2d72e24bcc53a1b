"""The live state's gate: a run becomes attuned only when its evidence reaches the gate.

References: the offline detector's run statistic (:func:`attunement.episodes.gate.run_statistics`,
and its closed form mean x sqrt(n x step / evidence)) on the scores the filter was given;
scores drawn from known distributions (seed 0).
"""

import math

import numpy as np
import pytest

from attunement.episodes.gate import run_statistics
from attunement.episodes.table import state_runs
from attunement.live import ForwardState
from attunement.live.state import GATE

STEP = 0.5


def _scores():
    rng = np.random.default_rng(0)
    return np.r_[rng.normal(4, 1, 120), rng.normal(0, 1, 60), rng.normal(4, 1, 80)]


def _events(gate):
    state = ForwardState(step_s=STEP, gate=gate)
    ups = [state.update(STEP * i, v) for i, v in enumerate(_scores())]
    return state, ups


def test_no_gate_keeps_the_forward_filter_alone():
    _, ups = _events(None)
    assert [(u.event, u.onset_s) for u in ups if u.event] == [
        ("attuned", -0.25), ("rupture", 61.25), ("repair", 90.75)]


def test_an_infinite_gate_never_attunes_and_measures_the_largest_run():
    state, ups = _events(math.inf)
    assert not any(u.attuned or u.event for u in ups)
    # candidate runs: the stretches with P(attuned) > confidence; the statistic of every
    # prefix of each, by the offline definition and by its closed form
    above = np.array([u.p_attuned for u in ups]) > state.confidence
    score, best = _scores(), -math.inf
    for a, b, value in state_runs(above.astype(np.int8)):
        if value != 1:
            continue
        for k in range(state.hold, b - a + 1):  # prefixes held min_episode_s
            ((_, _, stat),) = run_statistics(np.ones(k, bool), score[a:a + k], STEP,
                                             state.evidence_s)
            closed = score[a:a + k].mean() * math.sqrt(max(1.0, k * STEP / state.evidence_s))
            assert stat == pytest.approx(closed)
            best = max(best, stat)
    assert state.max_run_statistic == pytest.approx(best)


def test_a_gate_delays_attunement_until_the_run_statistic_reaches_it():
    gate = 20.0
    state, ups = _events(gate)
    first = next(i for i, u in enumerate(ups) if u.event == "attuned")
    onset = ups[first].onset_s
    start = int(round((onset + STEP / 2) / STEP))
    stats = [_scores()[start:i + 1].mean()
             * math.sqrt(max(1.0, (i + 1 - start) * STEP / state.evidence_s))
             for i in range(start, first + 1)]
    assert stats[-1] >= gate and max(stats[:-1]) < gate  # confirmed at the first crossing
    assert onset == pytest.approx(-0.25)  # backdated to the run's start, as without a gate
    # later events need no new crossing to leave attunement
    assert [u.event for u in ups if u.event][1] == "rupture"


def test_default_gate_is_the_calibrated_one():
    assert math.isfinite(GATE) and GATE > 0
    assert ForwardState().gate == GATE


def test_bad_gate_is_named():
    with pytest.raises(ValueError, match="'gate'"):
        ForwardState(gate=-1.0)
    with pytest.raises(ValueError, match="'gate'"):
        ForwardState(gate=float("nan"))


def test_the_score_refits_its_ar_model_on_the_session_so_far():
    """Reference: the offline detector's pre-whitening (episodes.synchrony.prewhiten) of the
    session so far: each time the session has doubled (20 s, 40 s after a 10 s calibration)
    the live model gives offline's residuals on every sample so far; and the surrogate
    delays then span offline's shift distances for a session that long (closed form:
    [lo, T - lo], lo = T / 4 within [10 s, 30 s]). A refit runs in a worker thread and is
    in use from refit_lag_s (2 s, 20 samples) after its start: the models are read then."""
    from scipy.signal import lfilter

    from attunement.episodes.synchrony import prewhiten
    from attunement.live import OnlineScore

    rng = np.random.default_rng(0)
    fs, order = 10, 10
    x = lfilter([1], [1, -0.9], rng.normal(size=1700))  # AR(1): 10 s describe it poorly
    y = lfilter([1], [1, -0.5], rng.normal(size=1700))
    score = OnlineScore(fs, calibration_s=10)
    models = {}
    lag = 20  # the model fitted on the first n samples is in use from n + 20 on
    for i, (a, b) in enumerate(zip(x, y)):
        score.push(a, b)
        if i + 1 in (100, 200 + lag, 400 + lag, 1600 + lag):
            n = i + 1 if i + 1 == 100 else i + 1 - lag  # the calibration fit is at once
            models[n] = [(m, c.copy()) for m, c in score._ar]
            if n == 1600:  # T = 160 s: lo = 30 s (offline's min_shift_s), hi = 130 s
                delays = score.roll.delays[1:] / fs
                # 19 delays evenly over [30, 130), rounded to the 0.1 s sample grid
                np.testing.assert_allclose(delays, 30 + 100 * np.arange(19) / 19, atol=0.051)
    for n in (200, 400):
        for k, series in enumerate((x, y)):
            mean, coef = models[n][k]
            assert not np.allclose(coef, models[n // 2][k][1])  # refitted
            offline = prewhiten(series[:n], order)
            t = np.arange(order, n)
            live = np.array([series[i] - mean - coef @ (series[i - order:i][::-1] - mean)
                             for i in t])
            np.testing.assert_allclose(live, offline[t], atol=1e-9)
    never = OnlineScore(fs, calibration_s=10, refit_factor=None)
    for a, b in zip(x, y):
        never.push(a, b)
    np.testing.assert_allclose(never._ar[0][1], models[100][0][1])
    assert never.roll.delays.max() / fs < 20  # the first delays, [10 s, 20 s)


def test_a_refit_runs_off_the_update_path_and_is_swapped_in_at_a_fixed_sample(monkeypatch):
    """Reference: offline pre-whitening (episodes.synchrony.prewhiten) of the first 200
    samples. The refit at 20 s (10 Hz) is fitted in a worker thread, not the caller's; until
    2 s of samples later the calibration model is used; from then the window reads the first
    200 samples whitened as offline, the 20 since with the same model; the same samples give
    the same scores whatever the worker's speed."""
    import threading

    from scipy.signal import lfilter

    from attunement.episodes import synchrony
    from attunement.live import OnlineScore
    from attunement.live import score as score_module

    threads = []

    def fit(x, order):
        threads.append(threading.current_thread() is threading.main_thread())
        return synchrony.fit_ar(x, order)

    monkeypatch.setattr(score_module, "fit_ar", fit)
    rng = np.random.default_rng(1)
    fs, order = 10, 10
    x = lfilter([1], [1, -0.9], rng.normal(size=300))
    y = lfilter([1], [1, -0.5], rng.normal(size=300))
    score = OnlineScore(fs, calibration_s=10)
    rows = []
    for i, (a, b) in enumerate(zip(x, y)):
        rows += score.push(a, b)
        if i + 1 == 219:
            calibration = score._ar[0][1].copy()
        if i + 1 == 220:
            swapped = score._ar[0][1].copy()
            stored = score.roll._x[score.roll._pad: score.roll._pad + 220].copy()
    assert threads == [True, True, False, False]  # calibration here, the refit in a worker
    np.testing.assert_allclose(calibration, synchrony.fit_ar(x[:100], order)[1])
    np.testing.assert_allclose(swapped, synchrony.fit_ar(x[:200], order)[1])
    np.testing.assert_allclose(stored[:200], synchrony.prewhiten(x[:200], order), atol=1e-9)
    model = synchrony.fit_ar(x[:200], order)
    mean, coef = model
    tail = [x[i] - mean - coef @ (x[i - order:i][::-1] - mean) for i in range(200, 220)]
    np.testing.assert_allclose(stored[200:], tail, atol=1e-9)
    again = OnlineScore(fs, calibration_s=10)
    rows2 = [r for a, b in zip(x, y) for r in again.push(a, b)]
    np.testing.assert_array_equal([r[1] for r in rows], [r[1] for r in rows2])


def test_refits_stop_at_last_refit_s():
    """Reference: offline pre-whitening of the first 25 s: with last_refit_s = 25 the refits
    are at 20 s and 25 s (the doubling to 40 s is cut there), none after."""
    from attunement.episodes.synchrony import fit_ar
    from attunement.live import OnlineScore

    rng = np.random.default_rng(2)
    x, y = rng.normal(size=(2, 800))
    score = OnlineScore(10, calibration_s=10, last_refit_s=25)
    for a, b in zip(x, y):
        score.push(a, b)
    np.testing.assert_allclose(score._ar[1][1], fit_ar(y[:250], 10)[1])
    with pytest.raises(ValueError, match="'refit_lag_s'"):
        OnlineScore(10, refit_lag_s=0)
