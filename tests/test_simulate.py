"""The dyad simulator: its statistics across seeds, its truth tables, its errors.

Expectations come from the model's construction (attunement/simulate/dynamics.py:
with one-way coupling the cross-correlation peaks at the lag, at about k), from the
style presets (styles.py) and from the still-face literature (Mesman et al. 2009:
less positive and more negative affect in the still-face, partial carry-over into
the reunion).
"""

import dataclasses

import numpy as np
import pandas as pd
import pytest
from numpy.lib.stride_tricks import sliding_window_view
from scipy.signal import butter, hilbert, sosfiltfilt
from scipy.stats import mannwhitneyu

import attunement as att
from attunement.simulate import CHANNELS, STYLES, DyadStyle, simulate_dyad

NO_EEG = [c for c in CHANNELS if c != "eeg_uv"]


def mean_ccf(x1, x2, sampling_rate, window_s=30.0, max_lag_s=4.0, step_s=15.0):
    """Windowed cross-correlation averaged over windows (Fisher z), per lag.

    A small stand-in for attunement.lagcorr.lagged.wcc, which is being written in
    parallel; positive lag = x2 follows x1 (rMEA). Swap it in once it exists.
    """
    w, n_lag, step = (int(round(v * sampling_rate)) for v in (window_s, max_lag_s, step_s))
    lags = np.arange(-n_lag, n_lag + 1)
    starts = np.arange(n_lag, len(x1) - w - n_lag, step)
    a = sliding_window_view(x1, w)[starts]
    a = (a - a.mean(1, keepdims=True)) / a.std(1, keepdims=True)
    r = np.empty((len(starts), len(lags)))
    for j, lag in enumerate(lags):
        b = sliding_window_view(x2, w)[starts + lag]
        b = (b - b.mean(1, keepdims=True)) / b.std(1, keepdims=True)
        r[:, j] = (a * b).mean(1)
    return lags / sampling_rate, np.arctanh(np.clip(r, -0.999, 0.999))


def phase_means(sim, partner, channel):
    s = sim.session
    x, t = s.signal(partner, channel), s.times
    return [
        x[(t >= p.onset_s) & (t < p.onset_s + p.duration_s)].mean() for p in s.phases.itertuples()
    ]


def no_ruptures(style="sensitive", **changes):
    return dataclasses.replace(STYLES[style], attuned_s=1e9, **changes)


# ------------------------------------------------------------- coupling and lags
@pytest.mark.parametrize(
    ("k_12", "k_21", "lag_12_s", "lag_21_s", "sign"),
    [(0.6, 0.0, 2.0, 1.0, 1), (0.0, 0.6, 1.0, 1.5, -1)],
)
def test_windowed_ccf_recovers_directed_lag(k_12, k_21, lag_12_s, lag_21_s, sign):
    # One-way coupling: the peak sits at +lag_12 (2 follows 1) or -lag_21 (1 follows 2),
    # at about k on the latent states; heart rate peaks at its own 0.5 s lag.
    fs, lag = 10.0, lag_12_s if sign > 0 else lag_21_s
    style = no_ruptures(k_12=k_12, k_21=k_21)
    peaks = []
    for seed in range(4):
        sim = simulate_dyad(
            style, 300, fs, lag_12_s=lag_12_s, lag_21_s=lag_21_s, channels=NO_EEG, seed=seed
        )
        lat = sim.latent
        lags, z = mean_ccf(lat.caregiver_affect.to_numpy(), lat.infant_affect.to_numpy(), fs)
        curve = np.tanh(z.mean(0))
        assert lags[np.argmax(curve)] == pytest.approx(sign * lag)
        assert abs(curve[np.argmin(np.abs(lags + sign * lag))]) < curve.max() / 2  # one-way
        peaks.append(curve.max())
        for channel in ("positive_affect", "movement"):
            lags, z = mean_ccf(*sim.session.pair(channel), fs)
            assert lags[np.argmax(z.mean(0))] == pytest.approx(sign * lag)
            assert np.tanh(z.mean(0).max()) > 0.3
        lags, z = mean_ccf(*sim.session.pair("hr_bpm"), fs, max_lag_s=2.0)
        assert lags[np.argmax(z.mean(0))] == pytest.approx(sign * 0.5)
    assert np.mean(peaks) == pytest.approx(0.6, abs=0.1)  # the coupling's size


def test_sensitive_dyads_more_synchronous_than_withdrawn():
    # Presets: midrange mutual coupling (0.5) vs loose coupling (0.15), Jaffe et al. 2001.
    def synchrony(style, seed):
        sim = simulate_dyad(style, 300, 10, channels=["movement"], seed=seed)
        _, z = mean_ccf(*sim.session.pair("movement"), 10, max_lag_s=3.0)
        return np.abs(z).max(1).mean()

    sensitive = [synchrony("sensitive", seed) for seed in range(12)]
    withdrawn = [synchrony("withdrawn", seed) for seed in range(100, 112)]
    assert np.mean(sensitive) - np.mean(withdrawn) > 0.1
    assert mannwhitneyu(sensitive, withdrawn, alternative="greater").pvalue < 0.001


def test_eeg_phase_locking_follows_coupling():
    # The infant's rhythm mixes in the caregiver's with the dyad's coupling, which the
    # still-face sets to zero (brain coupling with behavioural synchrony, Levy et al. 2017).
    sos = butter(4, [5.0, 7.0], btype="band", fs=30, output="sos")
    plv = []
    for seed in range(3):
        sim = simulate_dyad(procedure="still-face", phase_s=(60, 60, 60), seed=seed)
        e1, e2 = (sosfiltfilt(sos, x) for x in sim.session.pair("eeg_uv"))
        dphi = np.angle(hilbert(e1)) - np.angle(hilbert(e2))
        t = sim.session.times
        plv.append(
            [
                abs(np.exp(1j * dphi[(t >= p.onset_s) & (t < p.onset_s + p.duration_s)]).mean())
                for p in sim.session.phases.itertuples()
            ]
        )
    play, still, reunion = np.mean(plv, axis=0)
    assert still < 0.25 < min(play, reunion)


def test_inconsistent_coupling_switches():
    # Markov switching between 3 levels with 20 s mean dwell: about 30 switches in 10 min.
    sim = simulate_dyad("inconsistent", 600, 2, channels=["movement"], seed=4)
    k = sim.coupling.k_12.to_numpy()[sim.coupling.attuned.to_numpy()]
    assert len(np.unique(k)) == 3
    n_switches = np.count_nonzero(np.diff(sim.coupling.k_12.to_numpy()))
    assert 10 < n_switches < 80


# ------------------------------------------------------------------- still-face
def test_still_face_lowers_positive_and_raises_negative_affect():
    # Mesman et al. 2009: still-face effect (less positive, more negative affect than
    # play) and a partial carry-over into the reunion, which lies in between.
    pos, neg = [], []
    for seed in range(16):
        sim = simulate_dyad(
            procedure="still-face",
            phase_s=(90, 90, 90),
            sampling_rate=10,
            channels=NO_EEG,
            seed=seed,
        )
        pos.append(phase_means(sim, "infant", "positive_affect"))
        neg.append(phase_means(sim, "infant", "negative_affect"))
    (p_play, p_still, p_re), (n_play, n_still, n_re) = np.mean(pos, 0), np.mean(neg, 0)
    assert p_still < p_re < p_play
    assert n_still > n_re > n_play
    pos, neg = np.array(pos), np.array(neg)
    assert np.mean(pos[:, 1] < pos[:, 0]) >= 0.8 and np.mean(neg[:, 1] > neg[:, 0]) >= 0.8


def test_still_face_truth_and_flat_caregiver():
    sim = simulate_dyad(
        procedure="still-face", phase_s=(60, 60, 60), sampling_rate=10, channels=NO_EEG, seed=2
    )
    assert sim.session.phases.label.tolist() == ["play", "still-face", "reunion"]
    assert sim.session.phases.duration_s.tolist() == [60, 60, 60]
    still = (sim.coupling.time_s >= 60) & (sim.coupling.time_s < 120)
    assert (sim.coupling.loc[still, ["k_12", "k_21"]] == 0).all().all()
    assert not sim.coupling.attuned[still].any()
    face = sim.session.signal("caregiver", "positive_affect")
    assert face[still].std() < 0.05 < face[~still].std()
    sf = sim.episodes[sim.episodes.kind == "still-face"].iloc[0]
    assert (sf.onset_s, sf.offset_s, sf.repaired) == (60, 120, True)
    assert not (
        (sim.episodes.kind == "rupture")
        & (sim.episodes.onset_s >= 60)
        & (sim.episodes.onset_s < 120)
    ).any()


# --------------------------------------------------------------------- episodes
def draw(style, seeds):
    sims = [simulate_dyad(style, 600, 2, channels=["movement"], seed=s) for s in seeds]
    return sims, pd.concat([s.episodes for s in sims], ignore_index=True)


def test_episode_table_consistent_with_coupling():
    style = STYLES["withdrawn"]
    sims, eps = draw("withdrawn", range(10))
    ruptures = eps[eps.kind == "rupture"]
    assert len(ruptures) >= 20
    assert (ruptures.repaired == ruptures.repair_latency_s.notna()).all()
    rep = ruptures[ruptures.repaired]
    assert rep.repair_latency_s.between(style.min_rupture_s, style.max_repair_s).all()
    assert np.allclose(rep.repair_latency_s, rep.offset_s - rep.onset_s)
    assert (ruptures.long_unrepaired == (ruptures.offset_s - ruptures.onset_s >= 15)).all()
    for sim in sims:
        e = sim.episodes
        assert (e.onset_s.to_numpy()[1:] - e.offset_s.to_numpy()[:-1] >= style.min_gap_s).all()
        c, inside = sim.coupling, np.zeros(len(sim.coupling), bool)
        for ep in e.itertuples():
            inside |= (c.time_s >= ep.onset_s).to_numpy() & (c.time_s < ep.offset_s).to_numpy()
        assert (c.attuned.to_numpy() == ~inside).all()
        assert np.allclose(c.k_12[inside], style.k_12 * style.rupture_level)
        assert np.allclose(c.k_12[~inside], style.k_12)


def test_styles_differ_in_repair():
    # Presets: sensitive repairs fast and nearly always; withdrawn slowly or not at all.
    _, sensitive = draw("sensitive", range(20))
    _, withdrawn = draw("withdrawn", range(20))
    s, w = sensitive[sensitive.kind == "rupture"], withdrawn[withdrawn.kind == "rupture"]
    assert s.repaired.mean() > 0.8 > 0.6 > w.repaired.mean()
    assert s.repair_latency_s.mean() + 8 < w.repair_latency_s.mean()
    assert s.long_unrepaired.mean() < w.long_unrepaired.mean()


# ------------------------------------------------------------------ observation
def test_channels_plausible():
    sim = simulate_dyad(duration_s=300, seed=5)
    s = sim.session
    assert s.channels == list(CHANNELS) and s.sampling_rate == 30 and s.n_samples == 9000
    move = s.signal("infant", "movement")
    assert move.min() >= 0 and np.mean(move > move.mean()) < 0.45  # bursty: skewed
    for partner in s.partners:
        for ch in ("positive_affect", "negative_affect"):
            assert 0 <= s.signal(partner, ch).min() and s.signal(partner, ch).max() <= 1
    assert 65 < s.signal("caregiver", "hr_bpm").mean() < 85
    assert 125 < s.signal("infant", "hr_bpm").mean() < 160
    assert s.missing_fraction == 0
    # 10 Hz cannot carry the 6 Hz rhythm: left out by default, an error when asked for.
    assert "eeg_uv" not in simulate_dyad(duration_s=10, sampling_rate=10, seed=5).session.channels


def test_missing_stretches():
    sim = simulate_dyad(
        duration_s=600, sampling_rate=10, channels=NO_EEG, missing_per_min=2, seed=6
    )
    sig = sim.session.signals
    for partner in sim.session.partners:
        video = sig[(partner, "movement")].isna()
        assert (sig[(partner, "positive_affect")].isna() == video).all()
        assert 0.02 < video.mean() < 0.25
    assert not (sig[("caregiver", "hr_bpm")].isna() == sig[("caregiver", "movement")].isna()).all()


# ------------------------------------------------------------------ seeds and io
def test_same_seed_same_output_different_seed_differs():
    a, b = simulate_dyad("inconsistent", 120, seed=7), simulate_dyad("inconsistent", 120, seed=7)
    pd.testing.assert_frame_equal(a.session.signals, b.session.signals)
    for name in ("coupling", "episodes"):
        pd.testing.assert_frame_equal(a.truth[name], b.truth[name])
    pd.testing.assert_frame_equal(a.latent, b.latent)
    assert a.session.meta == b.session.meta
    c = simulate_dyad("inconsistent", 120, seed=8)
    assert not np.allclose(a.session.signals.to_numpy(), c.session.signals.to_numpy())
    assert not a.coupling.k_12.equals(c.coupling.k_12)


def test_events_agree_across_sampling_rates_and_seed_is_recorded():
    slow = simulate_dyad("withdrawn", 600, 2, channels=["movement"], seed=9)
    fast = simulate_dyad("withdrawn", 600, 30, channels=["movement"], seed=9)
    pd.testing.assert_frame_equal(slow.episodes, fast.episodes)
    drawn = simulate_dyad(duration_s=20, sampling_rate=10, channels=["movement"])
    again = simulate_dyad(
        duration_s=20, sampling_rate=10, channels=["movement"], seed=drawn.session.meta["seed"]
    )
    pd.testing.assert_frame_equal(drawn.session.signals, again.session.signals)


def test_meta_records_parameters():
    meta = simulate_dyad("intrusive", 60, 10, lag_12_s=0.5, seed=1).session.meta
    assert meta["style"] == "intrusive" and meta["seed"] == 1 and meta["lag_12_s"] == 0.5
    assert meta["style_params"]["k_12"] == STYLES["intrusive"].k_12
    assert meta["channel_model"]["hr_lag_s"] == 0.5


def test_write_and_read_back(tmp_path):
    sim = simulate_dyad(procedure="still-face", duration_s=60, sampling_rate=10, seed=1)
    files = sim.write(tmp_path / "d.parquet")
    assert {p.name for p in files.values()} == {
        "d.parquet",
        "d.truth_coupling.csv",
        "d.truth_episodes.csv",
        "d.phases.csv",
    }
    (back,) = att.read(tmp_path)
    pd.testing.assert_frame_equal(back.signals, sim.session.signals)
    pd.testing.assert_frame_equal(back.phases, sim.session.phases)
    assert back.meta["style_params"]["k_12"] == 0.5
    episodes = pd.read_csv(tmp_path / "d.truth_episodes.csv")
    pd.testing.assert_frame_equal(episodes, sim.episodes, check_dtype=False)
    with pytest.raises(ValueError, match="d.parquet.*already exists; use 'force'"):
        sim.write(tmp_path / "d.parquet")
    sim.write(tmp_path / "d.parquet", force=True)
    with pytest.raises(ValueError, match=r"d.csv: expected a \.parquet file name"):
        sim.write(tmp_path / "d.csv")


# ----------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"style": "calm"}, r"'style' parameter. Allowed values are 'sensitive', 'intrusive'"),
        ({"procedure": "strange"}, r"'procedure' parameter. Allowed values are 'free-play'"),
        ({"duration_s": -1}, r"'duration_s': expected a finite number > 0, got -1"),
        ({"phase_s": (1, 2, 3)}, r"'phase_s': phase lengths apply only to procedure"),
        ({"procedure": "still-face", "phase_s": (60, 60)}, r"expected three lengths"),
        (
            {"procedure": "still-face", "phase_s": (60, 60, 60), "duration_s": 100},
            r"phases sum to 180 s but 'duration_s' is 100 s",
        ),
        ({"lag_12_s": 0.01}, r"'lag_12_s': expected at least one sample .* got 0.01"),
        ({"lag_21_s": 0}, r"'lag_21_s': expected a finite number > 0, got 0"),
        ({"missing_per_min": -1}, r"'missing_per_min': expected a finite number >= 0"),
        (
            {"sampling_rate": 10, "channels": ["eeg_uv"]},
            r"'eeg_uv' channel's 6 Hz rhythm needs more than 12 Hz, got 10",
        ),
        ({"channels": ["smile"]}, r"'channels' parameter. Allowed values are 'movement'"),
        ({"partners": ("mother",)}, r"'partners': expected two distinct role names"),
        ({"seed": "one"}, r"'seed': expected None, an int or a Generator"),
    ],
)
def test_bad_input_names_the_parameter(kwargs, message):
    with pytest.raises(ValueError, match=message):
        simulate_dyad(**kwargs)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"k_12": 1.0}, r"'k_12' of style 'sensitive': expected a number in \[0, 1\)"),
        (
            {"k_21": 0.7, "switch_levels": (1.0, 1.5)},
            r"'k_21'.*in \[0, 1\) once times the largest switch level 1.5, got 0.7",
        ),
        ({"p_repair": 1.5}, r"'p_repair' of style 'sensitive': expected a number in \[0, 1\]"),
        ({"repair_latency_s": 60}, r"'repair_latency_s'.*between min_rupture_s \(8\)"),
        ({"breakdown_s": (50, 20)}, r"'breakdown_s'.*0 < low <= high, got \(50, 20\)"),
        ({"attuned_s": 0}, r"'attuned_s': expected a finite number > 0"),
    ],
)
def test_bad_style_names_the_field(changes, message):
    with pytest.raises(ValueError, match=message):
        dataclasses.replace(STYLES["sensitive"], **changes)


def test_custom_style():
    style = DyadStyle("mine", k_12=0.3, k_21=0.0, attuned_s=60, p_repair=1, repair_latency_s=10)
    sim = simulate_dyad(style, 120, 10, channels=["movement"], seed=1)
    assert sim.session.meta["style"] == "mine" and sim.coupling.k_21.max() == 0
