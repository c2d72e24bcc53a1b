"""Peak picking (``attunement.pick_peaks``): clear peaks against surrogates, and Boker et al.
(2002) as ``method="boker2002"``.

References: weighted polynomial fits by ``np.polyfit`` (the loess definition, point by point);
simulated pairs with known delays (ground truth: the delay the generator applied); independent
pairs and pseudo-dyads of real MEA sessions (no relationship: the share of windows with a
clear peak is the false-positive rate, nominally ``alpha``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.ndimage import gaussian_filter1d

import attunement as att
from attunement.lagcorr.peaks import loess_rows


def delayed_pair(delay, n=6000, rate=10, seed=0, noise=0.05):
    """Partner 2 = partner 1 (smooth noise, Gaussian filter of 0.5 s) ``delay`` samples
    later, plus noise."""
    rng = np.random.default_rng(seed)
    p1 = gaussian_filter1d(rng.normal(size=n), 5)
    return p1, np.roll(p1, delay) + noise * p1.std() * rng.normal(size=n), rate


def reference_loess(y, x, span, degree):
    """Loess at each x by np.polyfit with tricube weights over the span's nearest points."""
    q = int(np.floor(len(x) * span + 1e-9))
    out = np.empty(len(x))
    for i, x0 in enumerate(x):
        d = np.abs(x - x0)
        h = np.sort(d)[q - 1]
        w = np.clip(1 - (d / h) ** 3, 0, None) ** 3
        keep = (w > 0) & ~np.isnan(y)
        coef = np.polyfit(x[keep] - x0, y[keep], degree, w=np.sqrt(w[keep]))
        out[i] = coef[-1]
    return out


@pytest.mark.parametrize("degree", [1, 2])
def test_loess_equals_weighted_polyfit(degree):
    rng = np.random.default_rng(3)
    x = np.linspace(-2, 2, 41)
    y = np.sin(2 * x) + 0.2 * rng.normal(size=(3, 41))
    y[1, [4, 5, 20]] = np.nan  # a row with gaps takes the per-row path
    got = loess_rows(y, x, 0.25, degree)
    for row, values in zip(got, y):
        np.testing.assert_allclose(row, reference_loess(values, x, 0.25, degree), atol=1e-10)


def test_loess_keeps_a_quadratic_and_marks_unfittable_points():
    x = np.arange(11.0)
    np.testing.assert_allclose(loess_rows(x**2 - 3 * x, x, 0.5), [x**2 - 3 * x], atol=1e-9)
    sparse = np.full(11, np.nan)
    sparse[[0, 10]] = 1.0
    assert np.isnan(loess_rows(sparse, x, 0.3)).all()


@pytest.mark.parametrize("delay", [12, -7])
def test_peak_lag_recovers_known_delay(delay):
    """Partner 2 = partner 1 shifted by ``delay`` samples (ground truth lag delay / rate).
    Side humps of sample cross-correlations can sit nearer zero in a few windows."""
    p1, p2, rate = delayed_pair(delay)
    peaks = att.pick_peaks(att.wcc(p1, p2, rate, window_s=60, max_lag_s=3, step_s=20),
                           method="boker2002")
    hit = np.isclose(peaks.lag_s, delay / rate)
    assert hit.mean() >= 0.8 and np.median(peaks.lag_s) == pytest.approx(delay / rate)
    summary = peaks.summary()
    assert summary["p1_leads_share" if delay > 0 else "p2_leads_share"] >= 0.8
    assert summary["peak_r_mean"] > 0.9


def test_nearest_to_zero_wins_and_search_region_limits():
    """Two humps at -2 s and +0.8 s: the one nearest zero is the peak; a search region of
    0.5 s holds neither, so no peak."""
    lags = np.round(np.arange(-30, 31) / 10, 10)
    row = np.exp(-((lags - 0.8) ** 2) / 0.5) + 1.5 * np.exp(-((lags + 2) ** 2) / 0.5)
    res = att.WCCResult(np.vstack([row, row]), np.array([0.0, 10.0]), lags)
    peaks = att.pick_peaks(res, method="boker2002")
    np.testing.assert_allclose(peaks.lag_s, 0.8)
    np.testing.assert_allclose(peaks.r, row[lags == 0.8][0])
    assert np.isnan(att.pick_peaks(res, method="boker2002", search_s=0.5).lag_s).all()


def test_summary_matches_frame_statistics():
    p1, p2, rate = delayed_pair(5, noise=0.6, seed=4)
    peaks = att.pick_peaks(att.wcc(p1, p2, rate, window_s=20, max_lag_s=2, step_s=5),
                           method="boker2002")
    frame = peaks.to_frame().dropna(subset=["lag_s"])
    assert list(peaks.to_frame().columns) == ["time_s", "lag_s", "r", "p_value", "leader_p",
                                              "leader"]
    summary = peaks.summary()
    assert summary["peak_r_sd"] == pytest.approx(frame.r.std(ddof=1))
    assert summary["peak_lag_mean_s"] == pytest.approx(frame.lag_s.mean())
    assert summary["n_peaks"] == len(frame)
    assert summary["n_peaks"] + summary["n_no_peak"] == summary["n_peak_windows"]
    assert summary["p1_leads_n"] == (frame.lag_s > 0).sum()


def test_bad_arguments():
    res = att.wcc(np.arange(100.0) % 7, np.arange(100.0) % 5, 10, window_s=3, max_lag_s=1,
                  step_s=3)
    with pytest.raises(ValueError, match="'result': expected a WCCResult"):
        att.pick_peaks(pd.DataFrame())
    with pytest.raises(ValueError, match="'span'.*> 0"):
        att.pick_peaks(res, span=0)
    with pytest.raises(ValueError, match="'degree' parameter.*1, 2.*got 3"):
        att.pick_peaks(res, method="boker2002", degree=3)
    with pytest.raises(ValueError, match="'method' parameter.*surrogate.*boker2002.*got 'boker'"):
        att.pick_peaks(res, method="boker")
    with pytest.raises(ValueError, match="'x': method='surrogate' needs the pair"):
        att.pick_peaks(res)
    x, y = np.arange(100.0) % 7, np.arange(100.0) % 5
    with pytest.raises(ValueError, match="'alpha': expected 0 < alpha < 1, got 1.5"):
        att.pick_peaks(res, x, y, 10, alpha=1.5)
    with pytest.raises(ValueError, match="'x': the pair gives .* pass the pair the WCC came"):
        att.pick_peaks(res, x[:80], y[:80], 10)
    with pytest.raises(ValueError, match="'n_peak_surrogates': expected an integer >= 1, got 0"):
        att.pick_peaks(res, x, y, 10, n_peak_surrogates=0)


# --- clear peaks against surrogates ------------------------------------------------------


def lead_dyad(lead_s, coupling, rate, leader=1, duration_s=300, seed=0):
    """Band-limited noise (Gaussian filter, SD 0.3 s, unit variance): the follower repeats
    the leader's signal ``lead_s`` later with weight ``coupling``, plus independent noise of
    the same spectrum (so the follower's variance is 1 and r at the true lag = coupling).
    Returns (partner 1, partner 2) with partner ``leader`` leading."""
    rng = np.random.default_rng(seed)
    n, d = int(duration_s * rate), int(round(lead_s * rate))

    def band():
        z = gaussian_filter1d(rng.normal(size=n + d), 0.3 * rate)
        return z / z.std()

    source, noise = band(), band()
    follower = coupling * source[:n] + np.sqrt(1 - coupling**2) * noise[d:]
    lead = source[d:]
    return (lead, follower) if leader == 1 else (follower, lead)


GRID = [  # rate, lead (s), coupling, leader, window (s): a subset of the grid in the note
    (10, 0.2, 0.9, 1, 30), (25, 0.5, 0.6, 2, 30), (10, 1.0, 0.6, 1, 30),
    (25, 2.0, 0.9, 2, 30), (10, 3.0, 0.6, 2, 30), (25, 3.0, 0.9, 1, 30),
    (10, 1.0, 0.3, 2, 60), (25, 3.0, 0.3, 1, 60),
]


@pytest.mark.parametrize("rate, lead, coupling, leader, window", GRID)
def test_surrogate_peaks_name_the_leader_and_lag(rate, lead, coupling, leader, window):
    """Ground truth: the generator's lead. The peak lag's sign right in >= 80 % of the
    windows with a clear peak, median peak lag within 0.1 s (lag range 5 s >= lead; 10 min
    when r = .3, where 60 s windows are what a user would set for so weak a coupling). The
    leader named (peak lag resolved from zero in the window's noise) right in >= 80 % of the
    windows that name one, and named right in >= 80 % of the windows with a peak at r >= .6
    (>= 50 % at r = .3, where the rest are "no clear leader", not the wrong one: measured
    .60-.90 over four seeds, docs/validation/peak_leader_grid.py)."""
    duration = 600 if coupling < 0.5 else 300
    p1, p2 = lead_dyad(lead, coupling, rate, leader, duration, seed=int(10 * lead) + rate)
    res = att.wcc(p1, p2, rate, window_s=window, max_lag_s=5, step_s=window / 4)
    peaks = att.pick_peaks(res, p1, p2, rate)
    truth = lead if leader == 1 else -lead
    lag = peaks.lag_s[~np.isnan(peaks.lag_s)]
    assert len(lag) >= 5
    assert np.mean(np.sign(lag) == np.sign(truth)) >= 0.8
    assert abs(np.median(lag) - truth) <= 0.1 + 1e-9
    named = peaks.leader[peaks.leader > 0]
    assert len(named) >= 5 and np.mean(named == leader) >= 0.8
    share = peaks.summary()["p1_leads_share" if leader == 1 else "p2_leads_share"]
    assert share >= (0.8 if coupling >= 0.6 else 0.5)


def test_boker2002_picks_ripples_where_surrogate_peaks_do_not():
    """Partner 2 follows 2 s later at r = .9 (SCIENCE.md's failure): the nearest-zero rule
    names the wrong lag in most windows, the clear peak the right one."""
    p1, p2 = lead_dyad(2.0, 0.9, 25, leader=1, seed=3)
    res = att.wcc(p1, p2, 25, window_s=30, max_lag_s=5, step_s=10)
    boker = att.pick_peaks(res, method="boker2002")
    clear = att.pick_peaks(res, p1, p2, 25)
    assert np.mean(np.abs(boker.lag_s - 2.0) <= 0.1) < 0.5
    assert np.mean(np.abs(clear.lag_s - 2.0) <= 0.1) >= 0.9


def test_uncoupled_pairs_show_clear_peaks_at_the_nominal_rate():
    """Independent pairs (no relationship): the share of windows with a clear peak is the
    false-positive rate, nominally alpha = 0.05 (binomial bound over 12 pairs x 19
    windows, overlapping windows widen it); the nearest-zero rule gives almost every
    window a peak and a leader."""
    found, total, boker = 0, 0, 0
    for seed in range(12):
        p1, _ = lead_dyad(1.0, 0.5, 10, seed=2 * seed)
        p2, _ = lead_dyad(1.0, 0.5, 10, seed=2 * seed + 1)
        res = att.wcc(p1, p2, 10, window_s=30, max_lag_s=5, step_s=15)
        s = att.pick_peaks(res, p1, p2, 10, seed=seed).summary()
        found, total = found + s["n_peaks"], total + s["n_peak_windows"]
        boker += att.pick_peaks(res, method="boker2002").summary()["n_peaks"]
    assert 0.01 <= found / total <= 0.10
    assert boker / total > 0.9


def test_real_pseudo_dyads_show_clear_peaks_near_the_nominal_rate(data_dir):
    """Pseudo-dyads of the two bundled MIT sessions (partner 1 of one session with partner
    2 of the other: no interaction) with the defaults: clear peaks in about alpha of the
    windows (measured 6 of 94 = 6.4 %; the 20 rMEA intakes' 40 pseudo-dyads: see the
    issue note), against every window with Boker's rule; a leader (any named one is false)
    in at most 10 % (nominally alpha; measured 3 of 94; rMEA pseudo-dyads 4.9-5.1 %,
    docs/who_leads.md)."""
    a = att.read_mea(data_dir / "applied_project_mea" / "MEA_video101.txt", 25)
    b = att.read_mea(data_dir / "applied_project_mea" / "MEA_video1000.txt", 25)
    found, total, boker, named = 0, 0, 0, 0
    for x, y in ((a.pair()[0], b.pair()[1]), (b.pair()[0], a.pair()[1])):
        n = min(len(x), len(y))
        res = att.wcc(x[:n], y[:n], 25, window_s=30, max_lag_s=5, step_s=15)
        s = att.pick_peaks(res, x[:n], y[:n], 25).summary()
        found, total = found + s["n_peaks"], total + s["n_peak_windows"]
        named += s["p1_leads_n"] + s["p2_leads_n"]
        boker += att.pick_peaks(res, method="boker2002").summary()["n_peaks"]
    assert total > 80
    assert found / total <= 0.12
    assert named / total <= 0.10
    assert boker / total > 0.9


def test_surrogate_peaks_repeat_with_a_seed_and_keep_the_largest_peak():
    p1, p2 = lead_dyad(1.5, 0.6, 10, seed=5)
    res = att.wcc(p1, p2, 10, window_s=30, max_lag_s=5, step_s=15)
    one = att.pick_peaks(res, p1, p2, 10, seed=7, n_peak_surrogates=19)
    two = att.pick_peaks(res, p1, p2, 10, seed=7, n_peak_surrogates=19)
    np.testing.assert_array_equal(one.p_value, two.p_value)
    assert one.params["n_peak_surrogates"] == 19 and one.params["method"] == "surrogate"
    assert np.nanmin(one.p_value) == pytest.approx(1 / 20)
    # the largest smoothed local maximum: the row's largest hump, not the nearest one
    lags = np.round(np.arange(-50, 51) / 10, 10)
    row = np.exp(-((lags - 0.8) ** 2) / 0.5) + 1.5 * np.exp(-((lags + 2) ** 2) / 0.5)
    fake = att.WCCResult(np.vstack([row] * len(res.times_s)), res.times_s, lags, res.params)
    largest = att.pick_peaks(fake, p1, p2, 10, n_peak_surrogates=19)
    np.testing.assert_allclose(largest.lag_s, -2.0)


def test_leader_text_counts_only_windows_with_a_peak():
    res = att.PeakResult(np.arange(3.0), np.full(3, np.nan), np.full(3, np.nan),
                         params={"method": "surrogate"})
    assert res.leader_text() == "no window of 3 has a clear peak: who leads cannot be said"
    assert res.summary()["n_no_peak"] == 3 and np.isnan(res.summary()["p1_leads_share"])


def test_cli_sync_writes_peaks_and_names_the_method(data_dir, tmp_path):
    """attune sync: peaks_<session>.parquet and the peak summary in summary.csv; the leader
    text on the terminal counts windows with a clear peak; a bad --peak-method is named."""
    from typer.testing import CliRunner

    from attunement.cli import app

    mea = str(data_dir / "applied_project_mea" / "MEA_video101.txt")
    runner = CliRunner()
    args = ["sync", mea, "--sampling-rate", "25", "--window", "30", "--step", "30"]
    res = runner.invoke(app, [*args, "--out", str(tmp_path / "a")])
    assert res.exit_code == 0, res.output
    summary = pd.read_csv(tmp_path / "a" / "summary.csv")
    peaks = pd.read_parquet(tmp_path / "a" / "peaks_MEA_video101.parquet")
    assert summary.peak_method.iloc[0] == "surrogate" and summary.peak_alpha.iloc[0] == 0.05
    assert summary.n_peaks.iloc[0] == peaks.lag_s.notna().sum()
    assert summary.n_peaks.iloc[0] + summary.n_no_peak.iloc[0] == len(peaks)
    assert "windows with a clear peak" in res.output or "has a clear peak" in res.output
    res = runner.invoke(app, [*args, "--peak-method", "boker2002", "--out", str(tmp_path / "b")])
    assert res.exit_code == 0, res.output
    boker = pd.read_csv(tmp_path / "b" / "summary.csv")
    assert boker.peak_method.iloc[0] == "boker2002"
    assert boker.n_peaks.iloc[0] > summary.n_peaks.iloc[0]
    res = runner.invoke(app, [*args, "--peak-method", "nearest", "--out", str(tmp_path / "c")])
    assert res.exit_code == 1 and "--peak-method" in res.output and "boker2002" in res.output


def test_config_names_the_peak_settings():
    from attunement.config import load_config

    assert load_config().peaks.method == "surrogate"
    assert load_config(peaks={"method": "boker2002"}).peaks.method == "boker2002"
    with pytest.raises(ValueError, match="peaks.method: Input should be 'surrogate' or "
                                         "'boker2002' \\(got 'nearest'\\)"):
        load_config(peaks={"method": "nearest"})
    with pytest.raises(ValueError, match="peaks.alpha: Input should be less than 1"):
        load_config(peaks={"alpha": 1.5})


def test_simultaneous_coupling_names_no_leader():
    """Ground truth: partner 2 moves with partner 1 at lag 0 (r = .6, the generator's lead
    0 s), so any named leader is wrong: the peaks sit at or next to lag zero and the leader
    test (peak lag resolved from zero in the window's noise) names a leader in few windows,
    where the sign of the peak lag alone names one in most."""
    named, peaked, signed = 0, 0, 0
    for seed in range(3):
        p1, p2 = lead_dyad(0.0, 0.6, 10, seed=seed)
        res = att.wcc(p1, p2, 10, window_s=30, max_lag_s=5, step_s=15)
        peaks = att.pick_peaks(res, p1, p2, 10, seed=seed)
        s = peaks.summary()
        named += s["p1_leads_n"] + s["p2_leads_n"]
        peaked += s["n_peaks"]
        signed += int(np.sum(peaks.lag_s != 0) - np.isnan(peaks.lag_s).sum())
        assert s["n_no_leader"] == s["n_peaks"] - s["p1_leads_n"] - s["p2_leads_n"]
    assert peaked >= 40
    assert named / peaked <= 0.15  # measured 0 of 47
    assert signed / peaked >= 0.3  # the old rule (sign of the peak lag): 25 of 47


def other_generator(kind, lead_s, coupling, rate, leader, duration_s, seed):
    """Generators not used while the leader rule was developed: an AR(2) oscillation (period
    3 s, pole radius exp(-dt / 1 s)) and 1/f noise; the follower repeats the leader's signal
    ``lead_s`` later with weight ``coupling`` plus independent noise of the same kind."""
    rng = np.random.default_rng(seed)
    n, d = int(duration_s * rate), int(round(lead_s * rate))

    def draw(m):
        if kind == "ar2":
            from scipy.signal import lfilter

            radius, omega = np.exp(-1 / rate), 2 * np.pi / (3.0 * rate)
            z = lfilter([1.0], [1.0, -2 * radius * np.cos(omega), radius**2],
                        rng.normal(size=m + 10 * rate))[10 * rate:]
        else:
            f = np.fft.rfftfreq(m, 1 / rate)
            amp = np.where(f > 0, np.maximum(f, 1 / 300) ** -0.5, 0.0)
            z = np.fft.irfft(amp * (rng.normal(size=len(f)) + 1j * rng.normal(size=len(f))), m)
        return (z - z.mean()) / z.std()

    source = draw(n + d)
    follower = coupling * source[:n] + np.sqrt(1 - coupling**2) * draw(n)
    return (source[d:], follower) if leader == 1 else (follower, source[d:])


@pytest.mark.parametrize("kind, rate, lead, coupling, leader, window", [
    ("ar2", 20, 0.8, 0.6, 2, 45), ("pink", 20, 1.5, 0.9, 1, 20), ("ar2", 20, 3.0, 0.9, 1, 20),
])
def test_leader_on_other_generators(kind, rate, lead, coupling, leader, window):
    """Ground truth: the planted lead. Named leaders right in >= 90 % of the windows that
    name one (fresh grid: 99.7 % over 180 cells) and named in >= 80 % of the windows with a
    peak (grid at these leads and couplings: .95-1.00)."""
    p1, p2 = other_generator(kind, lead, coupling, rate, leader, 300, seed=11)
    res = att.wcc(p1, p2, rate, window_s=window, max_lag_s=5, step_s=window / 4)
    peaks = att.pick_peaks(res, p1, p2, rate)
    who = peaks.leader[~np.isnan(peaks.leader)]
    assert len(who) >= 10
    assert np.mean(who[who > 0] == leader) >= 0.9
    assert np.mean(who > 0) >= 0.8
    lag = peaks.lag_s[~np.isnan(peaks.lag_s)]
    assert abs(np.median(lag) - (lead if leader == 1 else -lead)) <= 0.1 + 1e-9


def test_short_lead_names_the_leader_in_more_windows():
    """Ground truth: the generator's lead, 0.2 s at r = .6 (10 Hz, 30 s windows), where the
    peak's height above lag zero alone resolves few windows: the slope of the smoothed row
    at lag zero towards the peak names the leader in about half the windows with a peak,
    all right (measured 53 of 122; the height test alone named 23 of 122, main at 304a6b0,
    same seeds)."""
    peaked, named, right = 0, 0, 0
    for seed in range(4):
        leader = 1 + seed % 2
        p1, p2 = lead_dyad(0.2, 0.6, 10, leader, 300, seed=30 + seed)
        res = att.wcc(p1, p2, 10, window_s=30, max_lag_s=5, step_s=7.5)
        who = att.pick_peaks(res, p1, p2, 10, seed=seed).leader
        peaked += int(np.sum(~np.isnan(who)))
        named += int(np.sum(who > 0))
        right += int(np.sum(who == leader))
    assert peaked >= 80
    assert right >= 0.95 * named
    assert named >= 0.35 * peaked
