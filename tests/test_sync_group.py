"""Group synchrony: parity with multiSyncPy 0.1.2, first principles, recovery of coupling.

multiSyncPy references: tests/reference/multisyncpy_mit.json (bundled MIT sample, made by
tests/reference/make_multisyncpy.py) and ../shared/reference/multisyncpy_pyrqa.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from peer_reference import (
    BUNDLED_SESSIONS,
    SAMPLING_RATE,
    bundled_reference,
    bundled_series,
    reference,
    series,
)
from scipy import signal as sps
from sim_pairs import oscillators

from attunement import Session
from attunement.sync.group import (
    cluster_phase,
    kuramoto_order,
    mdrqa,
    sum_normalized_csd,
    symbolic_entropy,
    team_coherence,
)

SESSIONS = ["rmea_200_01", "applied_MEA_video1000"]


def assert_scalars_equal_multisyncpy(z, ref):
    phases = np.angle(sps.hilbert(z))
    got = {
        "rho_group": cluster_phase(phases, SAMPLING_RATE, is_phase=True).value,
        "coherence_team": team_coherence(z, SAMPLING_RATE).value,
        "sum_normalized_csd": sum_normalized_csd(z, SAMPLING_RATE).value,
        "symbolic_entropy": symbolic_entropy(z, SAMPLING_RATE).value,
    }
    for key, value in got.items():
        assert value == pytest.approx(ref[key], rel=1e-9, abs=1e-15), key
    # our own Hilbert phases (mean removed) give the same rho
    assert cluster_phase(z, SAMPLING_RATE).value == pytest.approx(ref["rho_group"], rel=1e-9)


@pytest.mark.parametrize(("n_times", "welch_segment_s"), [(700, None), (3000, None), (3000, 5.1)])
def test_shared_spectra_equal_scipy_per_pair(n_times, welch_segment_s):
    """Reference: scipy.signal.coherence and csd on each pair (what multiSyncPy calls),
    with an odd segment (no Nyquist bin), the N // 4 rule and the default of 256."""
    rng = np.random.default_rng(3)
    x = rng.normal(size=(4, n_times)).cumsum(-1) + rng.normal(size=(1, n_times))
    nper = {None: 256 if n_times >= 1024 else n_times // 4, 5.1: 51}[welch_segment_s]
    coh = team_coherence(x, 10, welch_segment_s=welch_segment_s).to_frame()
    snc = sum_normalized_csd(x, 10, welch_segment_s=welch_segment_s).to_frame()
    k = 0
    for i in range(4):
        for j in range(i + 1, 4):
            ref = sps.coherence(x[i], x[j], nperseg=nper)[1].mean()
            sxy, sxx, syy = (sps.csd(a, b, nperseg=nper)[1]
                             for a, b in ((x[i], x[j]), (x[i], x[i]), (x[j], x[j])))
            ref_csd = (np.abs(sxy) ** 2).sum() / (sxx * syy).sum().real
            assert coh["value"][k] == pytest.approx(ref, rel=1e-12)
            assert snc["value"][k] == pytest.approx(ref_csd, rel=1e-12)
            k += 1


def test_cluster_phase_of_opposed_phasors_is_defined():
    """Two signals in antiphase: the group phasor is (near) 0, its angle arbitrary; rho is
    still 1, as each signal keeps a fixed phase relative to it (closed form)."""
    t = np.linspace(0, 20, 400)
    res = cluster_phase(np.vstack([t, t + np.pi]), 10, is_phase=True)
    assert res.value == pytest.approx(1.0, abs=1e-12)


def assert_mdrqa_equals_multisyncpy(z, ref, embedding):
    rr, det, mean_line, max_line = ref
    res = mdrqa(z, SAMPLING_RATE, **embedding)
    assert res.recurrence_rate == pytest.approx(rr, rel=1e-9)
    assert res.determinism == pytest.approx(det, rel=1e-9)
    assert res.longest_diagonal_line_s * SAMPLING_RATE == pytest.approx(max_line, rel=1e-12)
    # multiSyncPy's mean line counts single points as lines
    all_lines = mdrqa(z, SAMPLING_RATE, min_diagonal_line=1, **embedding)
    assert all_lines.average_diagonal_line_s * SAMPLING_RATE == pytest.approx(mean_line,
                                                                              rel=1e-9)


EMBEDDINGS = [("mdrqa_r0.5", {}),
              ("mdrqa_r0.5_emb3_del5", {"dimension": 3, "delay_s": 5 / SAMPLING_RATE})]


@pytest.mark.parametrize("name", BUNDLED_SESSIONS)
def test_scalar_measures_equal_multisyncpy_on_bundled_sample(name):
    """Runs on a clone. Reference: multiSyncPy 0.1.2 rho(phases)[1], coherence_team,
    sum_normalized_csd, symbolic_entropy on the MIT sample
    (tests/reference/multisyncpy_mit.json, made by make_multisyncpy.py)."""
    ref = bundled_reference("multisyncpy")
    assert ref["peer"] == "multiSyncPy 0.1.2"
    assert_scalars_equal_multisyncpy(bundled_series(name), ref[name])


@pytest.mark.parametrize("name", BUNDLED_SESSIONS)
@pytest.mark.parametrize(("key", "embedding"), EMBEDDINGS)
def test_mdrqa_equals_multisyncpy_on_bundled_sample(name, key, embedding):
    """Runs on a clone. Reference: multiSyncPy 0.1.2 rqa_metrics(recurrence_matrix(
    z[:, :3000], 0.5, ...)) on the MIT sample (tests/reference/multisyncpy_mit.json)."""
    ref = bundled_reference("multisyncpy")[name][key]
    assert_mdrqa_equals_multisyncpy(bundled_series(name)[:, :3000], ref, embedding)


@pytest.mark.parametrize("name", SESSIONS)
def test_scalar_measures_equal_multisyncpy(shared_dir, name):
    """Group measures equal multiSyncPy 0.1.2 rho(phases)[1], coherence_team,
    sum_normalized_csd, symbolic_entropy on a GPL and an MIT session
    (../shared/reference/multisyncpy_pyrqa)."""
    assert_scalars_equal_multisyncpy(series(shared_dir, name), reference(shared_dir)[name])


@pytest.mark.parametrize("name", SESSIONS)
@pytest.mark.parametrize(("key", "embedding"), EMBEDDINGS)
def test_mdrqa_equals_multisyncpy(shared_dir, name, key, embedding):
    """MdRQA equals multiSyncPy 0.1.2 rqa_metrics(recurrence_matrix(z[:, :3000], 0.5, ...))
    on a GPL and an MIT session (../shared/reference/multisyncpy_pyrqa)."""
    z = series(shared_dir, name)[:, :3000]
    assert_mdrqa_equals_multisyncpy(z, reference(shared_dir)[name][key], embedding)


def test_phase_measures_from_first_principles():
    t = np.arange(2000) / 20
    same = np.vstack([np.sin(t), np.sin(t + 0.7), np.sin(t - 1.3)])
    assert cluster_phase(same, 20).value == pytest.approx(1.0, abs=1e-3)
    assert kuramoto_order(np.vstack([np.sin(t), np.sin(t + np.pi)]), 20).value < 1e-3
    phases = np.random.default_rng(0).uniform(-np.pi, np.pi, size=(5, 4000))
    # independent uniform phases: E[r^2] = 1 / n_signals (Frank & Richardson 2010)
    r = kuramoto_order(phases, 1, is_phase=True).to_frame()["order"]
    assert np.mean(r**2) == pytest.approx(1 / 5, rel=0.05)


def test_spectral_and_symbolic_from_first_principles():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(3, 4096))
    assert team_coherence(np.vstack([x[0], x[0]]), 10).value == pytest.approx(1.0)
    independent = team_coherence(x, 10)
    # Welch coherence bias for K ~ 31 averaged segments is about 1 / K
    assert 0.01 < independent.value < 0.08
    assert set(independent.to_frame()) == {"channel_1", "channel_2", "value"}
    two = symbolic_entropy(x[:2], 10)
    assert two.value == pytest.approx(np.log(9), abs=0.01)
    assert two.to_frame()["proportion"].sum() == pytest.approx(1.0)


def test_coupling_raises_every_group_measure():
    """Four noisy oscillators at 10 Hz for 200 s, coupled (K = 2) vs uncoupled."""
    freqs = (0.4, 0.45, 0.5, 0.42)
    coupled = oscillators(2000, 10, coupling=2.0, freqs=freqs, seed=1)
    uncoupled = oscillators(2000, 10, coupling=0.0, freqs=freqs, seed=1)
    for func in (cluster_phase, kuramoto_order, team_coherence, sum_normalized_csd):
        # mean coherence over all frequencies is diluted by the bands without signal
        assert func(coupled, 10).value > 1.5 * func(uncoupled, 10).value, func.__name__
    assert symbolic_entropy(coupled, 10).value < symbolic_entropy(uncoupled, 10).value
    assert mdrqa(coupled, 10).determinism > mdrqa(uncoupled, 10).determinism


def test_session_input_uses_every_channel():
    rng = np.random.default_rng(2)
    session = Session.from_arrays(rng.normal(size=(500, 2)), rng.normal(size=(500, 2)),
                                  sampling_rate=5, channel=["head", "body"])
    res = team_coherence(session)
    assert len(res.to_frame()) == 6
    assert res.to_frame().loc[0, "channel_1"] == "partner_1/head"
    frame = mdrqa(session).to_frame()
    assert isinstance(frame, pd.DataFrame) and "mdrqa_determinism" in frame


def test_bad_inputs_are_named():
    with pytest.raises(ValueError, match=r"'signals': expected shape \(n_signals, n_times\)"):
        cluster_phase(np.ones(10), 1)
    with pytest.raises(ValueError, match="at least 2 signals"):
        kuramoto_order(np.ones((1, 10)), 1)
    with pytest.raises(ValueError, match="'signals': 1 missing or infinite"):
        team_coherence(np.array([[1.0, 2, np.nan, 4, 5], [1, 2, 3, 4, 5]]), 1)
    with pytest.raises(ValueError, match="'sampling_rate': expected a number"):
        symbolic_entropy(np.ones((2, 10)))
    with pytest.raises(ValueError, match="a signal is constant"):
        mdrqa(np.vstack([np.ones(10), np.arange(10.0)]), 1)
    with pytest.raises(ValueError, match="'welch_segment_s'"):
        team_coherence(np.random.default_rng(0).normal(size=(2, 100)), 10, welch_segment_s=0.1)
