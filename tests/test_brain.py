"""Inter-brain synchrony (EEG): measures, HyPyP parity, input checks, surrogate statistics.

References: (1) first principles - analytic signals with a known phase relation, and a
per-pair loop that spells out each measure's published definition (HyPyP 0.6.2,
``hypyp/sync/*.py``); (2) HyPyP 0.6.2's own outputs on simulated epochs bundled with their
inputs, ``tests/reference/hypyp_simulated.npz`` (made by ``tests/reference/make_hypyp.py``,
runs on a clone), and on its test EEG, ``../shared/reference/hypyp/hypyp_sync_public.npz``
(its README gives the call);
(3) MNE's ``filter_data`` + SciPy's ``hilbert`` for the analytic signals.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import attunement.brain.measures as bm
from attunement import interbrain, interbrain_test, read_hyperscanning
from attunement.brain.measures import MODES, interbrain_matrix
from attunement.brain.pvalues import compare_to_null, derangements, pair_adjacency
from attunement.brain.signal import EEG_BANDS, band_analytic, check_bands
from attunement.stats import fdr_bh

mne = pytest.importorskip("mne")
RATE = 100.0
REFERENCE_MODES = ("plv", "ccorr", "coh", "envelope_corr", "pow_corr")


def tone(phase_shift=0.0, n=400, f=10.0, rate=RATE):
    t = np.arange(n) / rate
    return np.exp(1j * (2 * np.pi * f * t + phase_shift))


# --- first principles --------------------------------------------------------------------


def loop_reference(z1, z2, mode):
    """Each measure by its definition, one channel pair at a time (one epoch)."""
    out = np.empty((len(z1), len(z2)))
    for i, a in enumerate(z1):
        for j, b in enumerate(z2):
            cross = a * np.conj(b)
            if mode == "plv":
                out[i, j] = abs(np.mean(np.exp(1j * (np.angle(a) - np.angle(b)))))
            elif mode in ("coh", "imaginary_coh"):
                num = abs(cross.sum()) if mode == "coh" else abs(cross.sum().imag)
                out[i, j] = num / np.sqrt(np.sum(abs(a) ** 2) * np.sum(abs(b) ** 2))
            elif mode == "pli":
                out[i, j] = abs(np.mean(np.sign(cross.imag)))
            elif mode == "wpli":
                out[i, j] = abs(np.mean(cross.imag)) / np.mean(abs(cross.imag))
            elif mode in ("envelope_corr", "pow_corr"):
                p = 1 if mode == "envelope_corr" else 2
                out[i, j] = np.corrcoef(abs(a) ** p, abs(b) ** p)[0, 1]
            elif mode == "ccorr":
                x, y = np.angle(a), np.angle(b)
                sx = np.sin(x - np.angle(np.mean(np.exp(1j * x))))
                sy = np.sin(y - np.angle(np.mean(np.exp(1j * y))))
                out[i, j] = abs(np.sum(sx * sy) / np.sqrt(np.sum(sx**2) * np.sum(sy**2)))
            elif mode == "accorr":  # Zimmermann et al. 2024, per-pair centring
                x, y = np.angle(a), np.angle(b)
                diff = np.angle(np.mean(np.exp(1j * (x - y))))
                summ = np.angle(np.mean(np.exp(1j * (x + y))))
                m, n = (diff + summ) / 2, (summ - diff) / 2
                num = abs(np.sum(np.exp(1j * (x - y)))) - abs(np.sum(np.exp(1j * (x + y))))
                den = 2 * np.sqrt(np.sum(np.sin(x - m) ** 2) * np.sum(np.sin(y - n) ** 2))
                out[i, j] = num / den
    return out


@pytest.mark.parametrize("mode", list(MODES))
def test_every_mode_matches_its_definition_pair_by_pair(mode, monkeypatch):
    monkeypatch.setattr(bm, "BLOCK_ELEMENTS", 1000)  # forces several blocks in time
    monkeypatch.setattr(bm, "CHUNK_BYTES", 2000)
    rng = np.random.default_rng(3)
    z1 = rng.normal(size=(2, 3, 4, 150)) + 1j * rng.normal(size=(2, 3, 4, 150))
    z2 = rng.normal(size=(2, 3, 5, 150)) + 1j * rng.normal(size=(2, 3, 5, 150))
    got = interbrain_matrix(z1, z2, mode)[0]
    assert got.shape == (2, 3, 4, 5)
    for b, e in np.ndindex(2, 3):
        np.testing.assert_allclose(got[b, e], loop_reference(z1[b, e], z2[b, e], mode),
                                   rtol=1e-10, atol=1e-12)


def test_all_modes_in_one_call_with_threads_equal_one_mode_at_a_time(monkeypatch):
    # Chunks of 3 epochs out of 7 (the last one shorter) share each thread's reused buffers
    # across modes and chunks; any clobbering would show against separate one-mode calls.
    monkeypatch.setattr(bm, "CHUNK_BYTES", 3 * 16 * (4 + 5) * 150)
    rng = np.random.default_rng(5)
    z1 = rng.normal(size=(2, 7, 4, 150)) + 1j * rng.normal(size=(2, 7, 4, 150))
    z2 = rng.normal(size=(2, 7, 5, 150)) + 1j * rng.normal(size=(2, 7, 5, 150))
    modes = list(MODES)
    together = interbrain_matrix(z1, z2, modes)
    threaded = interbrain_matrix(z1, z2, modes, n_jobs=2)
    np.testing.assert_array_equal(threaded, together)  # same arithmetic, any thread count
    for k, mode in enumerate(modes):
        np.testing.assert_array_equal(together[k], interbrain_matrix(z1, z2, mode)[0])


@pytest.mark.parametrize("n_jobs", [0, 1.5, "2", True])
def test_bad_n_jobs_is_named(n_jobs):
    z = np.ones((1, 2, 10), complex)
    with pytest.raises(ValueError, match="'n_jobs': expected a positive integer"):
        interbrain_matrix(z, z, "plv", n_jobs=n_jobs)


def test_constant_phase_lag_gives_full_locking():
    z1 = np.stack([tone(0.0), tone(0.3)])
    z2 = np.stack([tone(-np.pi / 2), tone(0.3)])
    plv, pli, wpli, coh, imcoh = interbrain_matrix(z1, z2, ["plv", "pli", "wpli", "coh",
                                                            "imaginary_coh"])
    np.testing.assert_allclose(plv, 1.0, atol=1e-12)
    np.testing.assert_allclose(coh, 1.0, atol=1e-12)
    np.testing.assert_allclose(pli[:, 0], 1.0)  # a quarter-cycle lag: Im S12 never changes sign
    np.testing.assert_allclose(wpli[:, 0], 1.0)
    np.testing.assert_allclose(imcoh[0, 0], 1.0, atol=1e-12)
    assert imcoh[1, 1] < 1e-12 and pli[1, 1] == 0  # zero lag: no imaginary part


def test_independent_noise_gives_small_values():
    rng = np.random.default_rng(0)
    z1 = rng.normal(size=(20, 3, 1000)) + 1j * rng.normal(size=(20, 3, 1000))
    z2 = rng.normal(size=(20, 3, 1000)) + 1j * rng.normal(size=(20, 3, 1000))
    values = interbrain_matrix(z1, z2, ["plv", "coh", "wpli", "envelope_corr"]).mean(1)
    assert np.all(np.abs(values) < 0.1)  # about 1 / sqrt(1000) for plv and coh


def test_phase_shifted_epochs_through_the_filter_give_plv_one():
    t = np.arange(1000) / RATE
    x = np.sin(2 * np.pi * 10 * t)
    p1 = np.stack([[x, x]] * 4)
    p2 = np.stack([[np.sin(2 * np.pi * 10 * t - 1.0), x]] * 4)
    res = interbrain(p1, p2, "plv", {"alpha": (8, 12)}, sampling_rate=RATE)
    # identical signals: exactly 1; shifted ones: 1 up to the filter's edge transients
    np.testing.assert_allclose(res.matrix("plv", "alpha")[:, 1], 1.0, atol=1e-9)
    assert np.all(res.matrix("plv", "alpha")[:, 0] > 0.99)


# --- analytic signals and HyPyP parity -----------------------------------------------------


@pytest.mark.parametrize("n_times", [101, 1500])  # filter longer and shorter than the signal
def test_band_analytic_equals_mne_filter_then_hilbert(n_times):
    from scipy.signal import hilbert

    x = np.random.default_rng(1).normal(size=(2, 3, n_times))
    bands = {"theta": (4, 7), "gamma": (30, 45)}
    z = band_analytic(x, RATE, bands)
    for k, (lo, hi) in enumerate(bands.values()):
        ref = hilbert(mne.filter.filter_data(x, RATE, lo, hi, verbose="error"))
        np.testing.assert_allclose(z[k], ref, rtol=0, atol=1e-12 * np.abs(ref).max())


def test_parity_with_hypyp_on_bundled_simulated_epochs():
    """Runs on a clone. Reference: HyPyP 0.6.2 compute_freq_bands(data, 500, bands) +
    compute_sync(mode, epochs_average=True), inter-brain block, every mode, on the simulated
    epochs saved beside it (tests/reference/hypyp_simulated.npz, made by make_hypyp.py)."""
    ref = np.load(Path(__file__).parent / "reference" / "hypyp_simulated.npz")
    bands = dict(zip(ref["bands"].tolist(), ref["band_edges"].tolist()))
    assert bands == {k: list(v) for k, v in EEG_BANDS.items()}
    res = interbrain(ref["p1"], ref["p2"], list(MODES), bands,
                     sampling_rate=float(ref["sampling_rate"]))
    assert res.n_epochs == 6 and res.values.shape == (len(MODES), 5, 5, 5)
    for k, mode in enumerate(res.modes):
        np.testing.assert_allclose(res.values[k], ref[mode], rtol=1e-9, atol=1e-12,
                                   err_msg=mode)


@pytest.fixture(scope="module")
def hypyp_epochs(shared_dir):
    folder = shared_dir / "data/eeg_hyperscanning_hypyp"
    return read_hyperscanning(folder / "preproc_S1.fif", folder / "preproc_S2.fif")


def test_parity_with_hypyp_reference(shared_dir, hypyp_epochs):
    """PLV, CCorr, coherence, envelope and power correlation equal HyPyP 0.6.2's
    compute_freq_bands + compute_sync(epochs_average=True) on HyPyP's test EEG (33 epochs x
    31 channels, ../shared/reference/hypyp)."""
    ref = np.load(shared_dir / "reference/hypyp/hypyp_sync_public.npz")
    res = interbrain(*hypyp_epochs, REFERENCE_MODES, EEG_BANDS)
    assert res.n_epochs == 33 and len(res.channels_1) == 31
    for k, mode in enumerate(REFERENCE_MODES):
        expected = ref[mode][:, :31, 31:]
        rel = np.max(np.abs(res.values[k] - expected) / np.abs(expected))
        assert rel < 1e-9, f"{mode}: max relative difference {rel:.2e}"


def test_parity_with_installed_hypyp_for_the_other_modes(hypyp_epochs):
    """Optional (needs HyPyP, which no extra installs, and ../shared): accorr, imaginary
    coherence, PLI and wPLI equal HyPyP run live on 4 epochs of its test EEG."""
    analyses = pytest.importorskip(
        "hypyp.analyses", reason="optional: needs HyPyP (pip install hypyp==0.6.2, no extra "
        "installs it) to run it live on HyPyP's test EEG; tests/reference/hypyp_simulated.npz "
        "covers these modes on a clone")
    data = np.array([e.get_data()[:4] for e in hypyp_epochs])
    bands = {"alpha_low": [7.5, 11], "beta": [13.5, 29.5]}
    signal = analyses.compute_freq_bands(data, 500.0, bands)
    res = interbrain(data[0], data[1], ["accorr", "imaginary_coh", "pli", "wpli"], bands,
                     sampling_rate=500.0)
    for k, mode in enumerate(res.modes):
        expected = analyses.compute_sync(signal, mode, epochs_average=True)[:, :31, 31:]
        np.testing.assert_allclose(res.values[k], expected, rtol=1e-9)


# --- inputs -----------------------------------------------------------------------------


def epochs(n_epochs=3, names=("Fz", "Cz", "Pz"), n_times=200, rate=RATE, seed=0):
    data = np.random.default_rng(seed).normal(size=(n_epochs, len(names), n_times)) * 1e-6
    info = mne.create_info(list(names), rate, "eeg")
    return mne.EpochsArray(data, info, verbose="error")


def test_pairing_by_name_reorders_participant_2():
    e1, e2 = epochs(seed=1), epochs(seed=2)
    shuffled = e2.copy().reorder_channels(["Pz", "Fz", "Cz"])
    a = interbrain(e1, e2, "plv", "alpha_low")
    b = interbrain(e1, shuffled, "plv", "alpha_low")
    np.testing.assert_array_equal(a.values, b.values)
    assert b.channels_2 == ("Fz", "Cz", "Pz")
    c = interbrain(e1, shuffled, "plv", "alpha_low", pair_by="position")
    assert c.channels_2 == ("Pz", "Fz", "Cz")


@pytest.mark.parametrize(
    ("p2", "kwargs", "match"),
    [
        (epochs(names=("Fz", "Cz")), {}, r"pair_by='name': participant 1 has 3 channels and "
                                         r"participant 2 has 2; missing in participant 2: "
                                         r"\['Pz'\]"),
        (epochs(rate=200.0), {}, r"sampling rates differ: participant 1 is sampled at 100 Hz and "
                                 r"participant 2 at 200 Hz"),
        (epochs(n_times=150), {}, r"epochs differ in length: participant 1 has 200 samples "
                                  r"\(2 s\) and participant 2 has 150"),
        (epochs(n_epochs=2), {}, r"participant 1 has 3 epochs and participant 2 has 2"),
        (epochs(), {"modes": "plvv"}, r"Invalid value for the 'mode' parameter.*\['plvv'\]"),
        (epochs(), {"bands": {"hi": (40, 60)}}, r"band 'hi' \(40-60 Hz\): fmax must lie below "
                                               r"the Nyquist frequency"),
        (epochs(), {"window_s": 1.0}, r"'window_s'/'step_s' apply to continuous recordings"),
    ],
)
def test_bad_input_is_named(p2, kwargs, match):
    with pytest.raises(ValueError, match=match):
        interbrain(epochs(), p2, **{"modes": "plv", "bands": "alpha_low", **kwargs})


def test_bad_arrays_and_mixed_kinds_are_named():
    raw = mne.io.RawArray(np.zeros((3, 500)), mne.create_info(["Fz", "Cz", "Pz"], RATE, "eeg"),
                          verbose="error")
    with pytest.raises(ValueError, match="participant 1 holds epochs data and participant 2 "
                                         "holds continuous"):
        interbrain(epochs(), raw, "plv", "alpha_low")
    with pytest.raises(ValueError, match="participant 1: arrays need 'sampling_rate'"):
        interbrain(np.zeros((2, 3, 100)), np.zeros((2, 3, 100)), "plv", "alpha_low")
    with pytest.raises(ValueError, match="participant 2: the data hold NaN"):
        interbrain(np.ones((2, 1, 100)), np.full((2, 1, 100), np.nan), "plv", "alpha_low",
                   sampling_rate=RATE)
    with pytest.raises(ValueError, match=r"Invalid value for the 'bands' parameter.*'delta'"):
        check_bands("theta,delta")


def test_continuous_recordings_in_sliding_windows_skip_bad_spans():
    rng = np.random.default_rng(0)
    info = mne.create_info(["Fz", "Cz"], RATE, "eeg")
    raw1 = mne.io.RawArray(rng.normal(size=(2, 3000)), info, verbose="error")
    raw2 = mne.io.RawArray(rng.normal(size=(2, 3000)), info.copy(), verbose="error")
    raw2.set_annotations(mne.Annotations([10.5], [1.0], ["BAD_motion"]))
    res = interbrain(raw1, raw2, ["plv", "wpli"], "alpha_low", window_s=2, step_s=1,
                     epochs_average=False)
    # windows start at 0..28 s; those touching 10.5-11.5 s (starts 9, 10, 11) are left out
    assert res.n_dropped == 3 and res.n_epochs == 26
    assert 10.0 not in res.onsets_s and res.epoch_s == 2.0
    frame = res.to_frame()
    assert list(frame.columns) == ["mode", "band", "epoch", "onset_s", "channel_1", "channel_2",
                                   "value"]
    assert len(frame) == 2 * 26 * 4
    with pytest.raises(ValueError, match=r"'window_s': expected between 0.02 s and the "
                                         r"recording's 30 s, got 40"):
        interbrain(raw1, raw2, "plv", "alpha_low", window_s=40)


def test_per_epoch_values_average_to_the_epoch_mean():
    e1, e2 = epochs(seed=1), epochs(seed=2)
    per = interbrain(e1, e2, ["plv", "pli"], "theta", epochs_average=False)
    mean = interbrain(e1, e2, ["plv", "pli"], "theta")
    np.testing.assert_allclose(per.values.mean(axis=2), mean.values)
    assert per.values.shape == (2, 1, 3, 3, 3)


# --- statistics -----------------------------------------------------------------------------


def test_derangements_and_fdr_and_p_values():
    d = derangements(4, 100)
    assert len(d) == 9 and not np.any(d == np.arange(4))  # !4 = 9, enumerated exactly
    r = derangements(10, 50, seed=2)
    assert r.shape == (50, 10) and not np.any(r == np.arange(10))
    np.testing.assert_array_equal(r, derangements(10, 50, seed=2))
    # Benjamini & Hochberg (1995) by hand: sorted p * m / rank, cumulative minimum from the top
    np.testing.assert_allclose(fdr_bh(np.array([0.01, 0.02, 0.03, 0.04, 0.5]))[1],
                               [0.05, 0.05, 0.05, 0.05, 0.5])
    null = np.arange(99.0)[:, None] * np.ones((1, 2))
    res = compare_to_null(np.array([98.5, 49.0]), null, correction="none")
    np.testing.assert_allclose(res.p_value, [1 / 100, 51 / 100])


def dyads(n_dyads, shared_stimulus, coupled, n_epochs=6, seed=0):
    """Synthetic dyads: 10 Hz bursts locked to a stimulus shared by everybody, and/or a
    rhythm shared only within each dyad (the interaction)."""
    rng = np.random.default_rng(seed)
    t = np.arange(200) / RATE
    out = []
    for _ in range(n_dyads):
        drift = np.cumsum(rng.normal(0, 0.15, (n_epochs, 1, 200)), axis=-1)  # phase diffusion
        inter = np.sin(2 * np.pi * 10 * t + drift)
        pair = []
        for _ in range(2):
            x = rng.normal(size=(n_epochs, 2, 200))
            if shared_stimulus:
                x += np.sin(2 * np.pi * 10 * t)  # same phase in every epoch of every person
            if coupled:
                x += inter
            pair.append(x)
        out.append(tuple(pair))
    return out


def test_pseudo_pairs_reject_spurious_synchrony_from_shared_stimulation():
    """Burgess 2013: shared stimulation alone is not inter-brain synchrony."""
    kw = dict(modes="plv", bands={"alpha": (8, 12)}, null="pseudo-dyads", n_surrogates=200,
              sampling_rate=RATE, seed=0)
    spurious = interbrain_test(dyads(5, shared_stimulus=True, coupled=False), **kw)
    assert spurious.observed.mean() > 0.5  # high PLV, but ...
    assert spurious.p_global[0, 0] > 0.1  # ... no more than between people who never met
    real = interbrain_test(dyads(5, shared_stimulus=True, coupled=True), **kw)
    assert real.p_global[0, 0] < 0.05
    assert real.n_surrogates == 44  # all derangements of 5 dyads
    assert real.summary().loc[0, "null"] == "pseudo-dyads"


def test_epoch_shuffle_detects_within_dyad_coupling_and_is_seeded():
    kw = dict(modes=["plv", "wpli"], bands={"alpha": (8, 12)}, null="epochs",
              n_surrogates=19, sampling_rate=RATE)
    ((p1, p2),) = dyads(1, shared_stimulus=False, coupled=True, n_epochs=8)
    a = interbrain_test((p1, p2), seed=4, **kw)
    b = interbrain_test((p1, p2), seed=4, **kw)
    c = interbrain_test((p1, p2), seed=5, **kw)
    np.testing.assert_array_equal(a.null, b.null)
    assert not np.array_equal(a.null, c.null)
    assert a.p_global[0, 0] == pytest.approx(1 / 20)
    frame = a.to_frame()
    assert {"mode", "band", "channel_1", "channel_2", "value", "null_mean", "effect_size",
            "p_value", "p_corrected", "significant"} <= set(frame.columns)
    assert len(frame) == 2 * 1 * 2 * 2


def test_windows_of_a_continuous_recording_can_be_shuffled():
    rng = np.random.default_rng(0)
    t = np.arange(6000) / RATE
    common = np.sin(2 * np.pi * 10 * t + np.cumsum(rng.normal(0, 0.1, 6000)))
    x1, x2 = (common + rng.normal(size=(2, 6000)) for _ in range(2))
    res = interbrain_test((x1, x2), "plv", {"alpha": (8, 12)}, null="epochs",
                          window_s=2, n_surrogates=19, sampling_rate=RATE, seed=0)
    assert res.p_global[0, 0] == pytest.approx(1 / 20)


def test_cluster_correction_over_adjacent_channel_pairs():
    adjacency = np.array([[0, 1, 0], [1, 0, 0], [0, 0, 0]])  # Fz-Cz neighbours, Pz alone
    pairs = pair_adjacency(adjacency).toarray()
    assert pairs.shape == (9, 9) and pairs[0, 1] and pairs[0, 3] and not pairs[0, 4]
    rng = np.random.default_rng(0)
    null = rng.normal(size=(199, 9))
    observed = np.zeros(9)
    observed[[0, 1, 3, 4]] = 4.0  # the Fz/Cz x Fz/Cz block: one cluster of 4 pairs
    observed[8] = 3.0  # Pz-Pz alone: a cluster of one
    res = compare_to_null(observed, null, correction="cluster", adjacency=pairs)
    assert len(set(res.cluster[[0, 1, 3, 4]])) == 1 and res.cluster[0] > 0
    assert res.p_corrected[0] < 0.01 and res.p_corrected[8] > res.p_corrected[0]
    assert res.cluster[2] == 0 and res.p_corrected[2] == 1.0
    with pytest.raises(ValueError, match="correction='cluster' needs 'adjacency'"):
        compare_to_null(observed, null, correction="cluster")


def test_statistics_input_errors():
    ((p1, p2),) = dyads(1, shared_stimulus=False, coupled=False)
    with pytest.raises(ValueError, match="null='pseudo-dyads' needs at least 2 dyads"):
        interbrain_test((p1, p2), "plv", "alpha_low", sampling_rate=RATE)
    with pytest.raises(ValueError, match=r"Invalid value for the 'null' parameter.*'shuffle'"):
        interbrain_test((p1, p2), "plv", "alpha_low", null="shuffle", sampling_rate=RATE)
    with pytest.raises(ValueError, match="needs at least 2 epochs, got 1"):
        interbrain_test((p1[:1], p2[:1]), "plv", "alpha_low", null="epochs",
                        sampling_rate=RATE)


def test_cluster_correction_with_mne_adjacency():
    names = ["F3", "Fz", "F4", "C3", "Cz", "C4"]
    grid = [(-0.04, 0.04, 0.07), (0, 0.05, 0.08), (0.04, 0.04, 0.07), (-0.05, 0, 0.08),
            (0, 0, 0.09), (0.05, 0, 0.08)]
    montage = mne.channels.make_dig_montage(dict(zip(names, np.array(grid), strict=True)),
                                            coord_frame="head")
    e1, e2 = (epochs(names=names, seed=s).set_montage(montage) for s in (1, 2))
    res = interbrain_test((e1, e2), "plv", "alpha_low", null="epochs", n_surrogates=9,
                          correction="cluster", adjacency="auto", seed=0)
    assert res.cluster.shape == (1, 1, 6, 6) and res.correction == "cluster"
    with pytest.raises(ValueError, match="adjacency='auto' needs MNE objects"):
        interbrain_test((e1.get_data(), e2.get_data()), "plv", "alpha_low",
                        null="epochs", n_surrogates=9, correction="cluster",
                        adjacency="auto", sampling_rate=RATE)


# --- reading ------------------------------------------------------------------------------


def test_read_participant_tells_raw_from_epochs_and_names_bad_paths(tmp_path):
    from attunement import read_participant

    raw = mne.io.RawArray(np.zeros((2, 300)), mne.create_info(["Fz", "Cz"], RATE, "eeg"),
                          verbose="error")
    raw.save(tmp_path / "rec_raw.fif", verbose="error")
    epochs().save(tmp_path / "trials.fif", verbose="error")  # no -epo suffix: found by trying
    assert isinstance(read_participant(tmp_path / "rec_raw.fif"), mne.io.BaseRaw)
    assert isinstance(read_participant(tmp_path / "trials.fif"), mne.BaseEpochs)
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(ValueError, match=r"notes.txt: unsupported file type '.txt'"):
        read_participant(tmp_path / "notes.txt")
    with pytest.raises(ValueError, match="is a folder without a NIRx header"):
        read_participant(tmp_path)
    with pytest.raises(FileNotFoundError, match="missing.edf: no such file"):
        read_participant(tmp_path / "missing.edf")


def test_import_does_not_load_mne():
    import subprocess
    import sys

    code = "import sys, attunement; print('mne' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("power", [False, True])
def test_modulus_compiled_equals_numpy(monkeypatch, power):
    """Reference: NumPy's abs (hypot) of the same analytic signal, squared for power; the
    compiled loop (sqrt(re^2 + im^2), re^2 + im^2) must agree to a few ulps, and the
    fallback without numba must be NumPy's exactly."""
    from attunement.brain import _modulus

    rng = np.random.default_rng(3)
    z = (rng.normal(size=(4, 5, 301)) + 1j * rng.normal(size=(4, 5, 301))) * 1e-5
    want = np.abs(z) ** 2 if power else np.abs(z)
    rows = np.full((4, 6, 301), np.nan)
    _modulus.modulus_into(z, rows, power)
    np.testing.assert_allclose(rows[:, :5], want, rtol=1e-15, atol=0)
    assert np.isnan(rows[:, 5]).all()  # the row of ones is the caller's
    monkeypatch.setattr(_modulus, "AVAILABLE", False)
    rows[:] = np.nan
    _modulus.modulus_into(z, rows, power)
    np.testing.assert_array_equal(rows[:, :5], want)
