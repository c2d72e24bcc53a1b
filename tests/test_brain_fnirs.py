"""fNIRS inter-brain wavelet coherence: first principles, cone of influence, nulls, real pair.

References: (1) synthetic recordings with a known shared rhythm (coherence near 1 in its band,
near the noise level elsewhere); (2) the cone of influence of Torrence & Compo (1998):
e-folding time sqrt(2) x scale; (3) the real parent-child NIRx pair in
``../shared/data/fnirs_parent_child`` (its PROVENANCE names 4 child channels with poor optode
contact), for an end-to-end run with a surrogate p-value.
"""

from __future__ import annotations

import numpy as np
import pytest

from attunement import (
    interbrain_wtc,
    interbrain_wtc_test,
    read_hyperscanning,
    to_haemoglobin,
)
from attunement.sync.wavelet import coi_valid, fourier_factor

RATE = 5.0


def rhythm(n=2400, period_s=15.0, seed=0, drift=0.05):
    """A 15 s rhythm whose phase wanders slowly (so that time-shifted copies decohere)."""
    rng = np.random.default_rng(seed)
    t = np.arange(n) / RATE
    return np.sin(2 * np.pi * t / period_s + np.cumsum(rng.normal(0, drift, n)))


def pair(n=2400, coupled=True, seed=0):
    rng = np.random.default_rng(seed + 100)
    common = rhythm(n, seed=seed)
    other = rhythm(n, seed=seed + 50)
    x1 = np.stack([common + 0.7 * rng.normal(size=n), rng.normal(size=n)])
    x2 = np.stack([(common if coupled else other) + 0.7 * rng.normal(size=n),
                   rng.normal(size=n)])
    return x1, x2


def test_shared_rhythm_is_coherent_and_noise_is_not():
    x1, x2 = pair()
    res = interbrain_wtc(x1, x2, sampling_rate=RATE)
    assert res.coherence[0] > 0.8 and res.coherence[1] < 0.4
    assert res.wtc.shape == (2, 13, 2400) and np.nanmax(res.wtc) <= 1 + 1e-9
    frame = res.to_frame()
    assert list(frame.columns[:5]) == ["channel_1", "channel_2", "coherence", "valid_fraction",
                                       "bad"]
    identical = interbrain_wtc(x1, x1, sampling_rate=RATE)
    np.testing.assert_allclose(identical.coherence, 1.0, atol=1e-9)


def test_cone_of_influence_follows_torrence_and_compo():
    periods = np.array([10.0, 20.0])
    valid = coi_valid(600, RATE, periods)
    edge_s = np.sqrt(2) * periods / fourier_factor()  # e-folding time of each period's scale
    first_valid_s = np.argmax(valid, axis=1) / RATE
    np.testing.assert_allclose(first_valid_s, edge_s, atol=1 / RATE)
    np.testing.assert_array_equal(valid, valid[:, ::-1])  # symmetric in time


def test_recording_too_short_for_the_band_is_a_clear_error(caplog):
    x1, x2 = pair(n=100)  # 20 s: every 10-20 s cell is edge-affected
    with pytest.raises(ValueError, match=r"cone of influence covers every cell for periods "
                                         r"10-20 s in a recording of 20 s; at least 27.4 s"):
        interbrain_wtc(x1, x2, sampling_rate=RATE, periods_s=(10, 20))
    x1, x2 = pair(n=200)  # 40 s: only the shorter periods have cells outside the cone
    res = interbrain_wtc(x1, x2, sampling_rate=RATE)
    assert np.isfinite(res.coherence).all() and not res.valid[-1].any()
    assert "lie wholly inside the cone of influence of a 40 s recording" in caplog.text


def test_flat_channel_gives_nan_and_is_flagged():
    x1, x2 = pair()
    x2[1] = 0.0
    res = interbrain_wtc(x1, x2, sampling_rate=RATE)
    assert np.isfinite(res.coherence[0]) and np.isnan(res.coherence[1])
    assert res.bad.tolist() == [False, True]


def test_input_errors_name_what_to_fix():
    x1, x2 = pair()
    with pytest.raises(ValueError, match="pair_by='name': participant 1 has 2 channels and "
                                         "participant 2 has 1"):
        interbrain_wtc(x1, x2[:1], sampling_rate=RATE)
    with pytest.raises(ValueError, match="participant 1: arrays need 'sampling_rate'"):
        interbrain_wtc(x1, x2)
    with pytest.raises(ValueError, match="recordings differ in length"):
        interbrain_wtc(x1, x2[:, :2000], sampling_rate=RATE)
    with pytest.raises(ValueError, match=r"Invalid value for the 'null' parameter.*'shuffle'"):
        interbrain_wtc_test((x1, x2), null="shuffle", sampling_rate=RATE)
    with pytest.raises(ValueError, match="null='pseudo-dyads' needs at least 2 dyads"):
        interbrain_wtc_test((x1, x2), null="pseudo-dyads", sampling_rate=RATE)
    with pytest.raises(ValueError, match=r"'min_shift_s' \(300 s\) leaves no shift"):
        interbrain_wtc_test((x1, x2), min_shift_s=300, sampling_rate=RATE)


def test_time_shift_null_separates_coupled_from_independent_and_is_seeded():
    kw = dict(n_surrogates=19, sampling_rate=RATE, correction="none")
    coupled = interbrain_wtc_test(pair(coupled=True), seed=1, **kw)
    again = interbrain_wtc_test(pair(coupled=True), seed=1, **kw)
    other_seed = interbrain_wtc_test(pair(coupled=True), seed=2, **kw)
    np.testing.assert_array_equal(coupled.null, again.null)
    assert not np.array_equal(coupled.null, other_seed.null)
    assert coupled.p_value[0] == pytest.approx(1 / 20)
    independent = interbrain_wtc_test(pair(coupled=False), seed=1, **kw)
    assert independent.p_value[0] > 0.1
    summary = coupled.summary()
    assert summary.loc[0, "null"] == "shift" and summary.loc[0, "n_surrogates"] == 19


def test_pseudo_pairs_across_dyads():
    dyads = [pair(seed=s) for s in range(4)]
    res = interbrain_wtc_test(dyads, null="pseudo-dyads", n_surrogates=100, sampling_rate=RATE,
                              seed=0)
    assert res.null.shape == (9, 2)  # all 9 derangements of 4 dyads
    assert res.p_value[0] == pytest.approx(0.1) and res.p_value[1] > 0.1


def test_parent_child_pair_end_to_end(shared_dir):
    """Real NIRx parent-child fNIRS: optode quality marks bad channels, and WTC with surrogates
    runs end to end."""
    folder = shared_dir / "data/fnirs_parent_child"
    parent, child = read_hyperscanning(folder / "parent", folder / "child")
    haemo = [to_haemoglobin(r, min_sci=0.5) for r in (parent, child)]
    assert {"S7_D7 hbo", "S8_D7 hbr"} <= set(haemo[1].info["bads"])  # poor optode contact
    res = interbrain_wtc_test(tuple(haemo), n_surrogates=19, seed=0)
    frame = res.to_frame()
    assert len(frame) == 40 and frame["value"].notna().sum() == 34
    assert frame.loc[frame.channel_1 == "S7_D7 hbo", "value"].isna().all()
    summary = res.summary().iloc[0]
    assert 0.2 < summary["value"] < 0.5  # mean WTC, 10-20 s, outside the cone
    assert 0 < summary["p_value"] <= 1 and summary["n_pairs"] == 34
