"""Windowed lagged cross-correlation (``attunement.wcc``).

References: rMEA 1.3.0 ``MEAccf`` outputs (tests/data/applied_project_mea and
../shared/reference/rmea, whose README gives each exact call); a per-cell loop over
``np.corrcoef`` that restates rMEA's rules (``naive_wcc``, tests/wcc_naive.py); simulated
pairs with a known delay.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from wcc_naive import naive_wcc

import attunement as att
from attunement.lagcorr import _wcc_core, _wcc_sums
from attunement.lagcorr.lagged import lag_names

RMEA = "reference/rmea"


@pytest.fixture(autouse=True, params=_wcc_core.ENGINES)
def engine(request, monkeypatch):
    """Every test runs with the compiled kernel (numba) and with the NumPy reference path."""
    if request.param == "numba" and not _wcc_core._wcc_kernel.AVAILABLE:
        pytest.skip("numba is not installed (extra 'fast')")
    monkeypatch.setattr(_wcc_core, "ENGINE", request.param)
    return request.param


def assert_same(got, ref, atol=1e-9):
    assert got.shape == ref.shape
    np.testing.assert_array_equal(np.isnan(got), np.isnan(ref))
    np.testing.assert_allclose(got, ref, rtol=0, atol=atol, equal_nan=True)


# ------------------------------------------------------------------ parity with rMEA
def test_parity_bundled_applied_project(data_dir):
    """Runs on a clone. Reference: rMEA 1.3.0 MEAccf(lagSec=3, winSec=30, incSec=10,
    r2Z=FALSE, ABS=FALSE) on the bundled MIT files (tests/data/applied_project_mea/
    rmea_l3w30i10_raw; the call is tests/reference/rmea_ccf_applied.R)."""
    folder = data_dir / "applied_project_mea"
    for session in att.read(folder, sampling_rate=25):
        ref = pd.read_csv(folder / "rmea_l3w30i10_raw" / f"{session.id}.csv")
        res = att.wcc(session, window_s=30, max_lag_s=3, step_s=10)
        assert_same(res.values, ref.to_numpy(float))
        assert res.grand_average == pytest.approx(np.nanmean(ref.to_numpy(float)), abs=1e-12)
        assert lag_names(res.lags_s) == [c.removeprefix("lag") for c in ref.columns]


SETS = {
    # folder: (inputs, lag, win, inc, r2Z, ABS) as in reference/rmea/README.md
    "rmea_normal_l5w60i30_zabs": ("data/rmea_psychotherapy/normal", 5, 60, 30, True, True),
    "rmea_dropout_l5w60i30_zabs": ("data/rmea_psychotherapy/dropout", 5, 60, 30, True, True),
    "rmea_gaps_l2w10i5_z": ("reference/rmea/rmea_gaps_l2w10i5_z", 2, 10, 5, True, False),
    "applied10_l3w30i10_raw": ("data/applied_project_mea/TxtFiles_cleaned", 3, 30, 10,
                               False, False),
}


@pytest.mark.parametrize("name", sorted(SETS))
def test_parity_reference_sets(shared_dir, name):
    """Every cell, the window count and grandAver equal rMEA 1.3.0 MEAccf on a reference set
    of ../shared/reference/rmea (GPL psychotherapy sessions, gaps, 10 MIT sessions)."""
    inputs, lag, win, inc, z, ab = SETS[name]
    ref_dir = shared_dir / RMEA / name
    summary = pd.read_csv(ref_dir / "summary.csv").set_index("uid")
    files = sorted((shared_dir / inputs).glob("*.txt"))[: len(summary)]
    for path in files:
        session = att.read_mea(path, 25)
        res = att.wcc(session, window_s=win, max_lag_s=lag, step_s=inc, fisher_z=z, absolute=ab)
        assert_same(res.values, pd.read_csv(ref_dir / f"{session.id}.csv").to_numpy(float))
        assert res.n_windows == summary.loc[session.id, "n_windows"]
        assert res.grand_average == pytest.approx(summary.loc[session.id, "grand_average"],
                                                  abs=1e-9)
    assert len(files) == len(summary)


def test_parity_pipeline_set_with_our_preprocessing(shared_dir):
    """MEAsmooth(0.5) -> MEAscale('sd') -> MEAoutlier(sd * 10) -> MEAccf(5, 30, 10, TRUE,
    TRUE) of rMEA 1.3.0: from rMEA's own preprocessed series and from ours, on the raw GPL
    files (../shared/reference/rmea/rmea_normal3_pipeline_l5w30i10)."""
    ref_dir = shared_dir / RMEA / "rmea_normal3_pipeline_l5w30i10"
    params = dict(window_s=30, max_lag_s=5, step_s=10, fisher_z=True, absolute=True)
    for sid in ("200_01", "201_01", "202_01"):
        ref = pd.read_csv(ref_dir / f"{sid}.csv").to_numpy(float)
        pre = pd.read_csv(ref_dir / f"{sid}_preprocessed.csv").to_numpy(float)
        assert_same(att.wcc(pre[:, 0], pre[:, 1], 25, **params).values, ref)
        raw = att.read_mea(shared_dir / "data/rmea_psychotherapy/normal" / f"{sid}.txt", 25)
        ours = att.remove_outliers(att.scale(att.smooth(raw, 0.5), "sd"), threshold_sd=10)
        assert_same(att.wcc(ours, **params).values, ref)


def test_summaries_follow_rmea_definitions(shared_dir):
    """Window summaries equal rMEA's ccfRes definitions, computed with pandas (skipna means)
    from rMEA's matrix on sessions with gaps (../shared/reference/rmea/rmea_gaps_l2w10i5_z)."""
    ref = pd.read_csv(shared_dir / RMEA / "rmea_gaps_l2w10i5_z" / "200_01_gaps.csv")
    session = att.read_mea(shared_dir / RMEA / "rmea_gaps_l2w10i5_z" / "200_01_gaps.txt", 25)
    res = att.wcc(session, window_s=10, max_lag_s=2, step_s=5, fisher_z=True)
    lags = np.array([float(c.removeprefix("lag")) for c in ref.columns])
    frame = res.window_frame()
    np.testing.assert_allclose(frame.all_lags, ref.mean(axis=1), atol=1e-9)
    np.testing.assert_allclose(frame.p1_leads, ref.loc[:, lags > 0].mean(axis=1), atol=1e-9)
    np.testing.assert_allclose(frame.p2_leads, ref.loc[:, lags < 0].mean(axis=1), atol=1e-9)
    np.testing.assert_allclose(frame.p1_leads_with_zero, ref.loc[:, lags >= 0].mean(axis=1),
                               atol=1e-9)
    np.testing.assert_allclose(frame.lag_zero, ref["lag0"], atol=1e-9)
    # bestLag = which.max: within rounding of the row maximum (rows hold exact ties)
    found = ~frame.best_lag_s.isna().to_numpy()
    np.testing.assert_array_equal(found, ~ref.isna().all(axis=1))
    picked = ref.to_numpy()[found, np.searchsorted(lags, frame.best_lag_s[found] - 1e-9)]
    np.testing.assert_allclose(picked, ref[found].max(axis=1), atol=1e-9)
    assert frame.all_lags.isna().any()  # the all-missing windows stay NaN


# ------------------------------------------------------------------ first principles
def gappy_pair(seed=0, n=600):
    rng = np.random.default_rng(seed)
    x = np.convolve(rng.normal(size=n + 9), np.ones(10) / 10, "valid")
    y = 0.6 * np.r_[np.zeros(3), x[:-3]] + rng.normal(scale=0.1, size=n)
    x[100:130] = np.nan  # partial gap: pairwise-complete windows
    y[300:345] = np.nan  # more than half of some spans
    y[400:440] = 0.0  # constant partner
    x[500:540] = y[500:540]  # identical: "fewer than 2 differing values"
    return x, y


@pytest.mark.parametrize("step_s", [2.0, 0.1, 0.3])
def test_every_cell_equals_corrcoef(step_s):
    x, y = gappy_pair()
    res = att.wcc(x, y, 10, window_s=5, max_lag_s=1, step_s=step_s)
    starts = np.round(res.times_s * 10).astype(int)
    assert_same(res.values, naive_wcc(x, y, 50, 10, starts), atol=1e-12)


@pytest.mark.parametrize("window_s", [5.3, 0.7, 0.2])
def test_step_of_one_sample_with_any_window(window_s):
    """The scan over sub-blocks (unit of one sample) with windows of 53 samples (no divisor
    fits: a partial sub-block), 7 (sub-blocks of one sample) and 2 (a single whole
    sub-block inside a window: the "2 differing values" rule counted at every offset).

    The 7- and 2-sample windows (lags of 10) are refused by ``att.wcc`` (check_window:
    under 10 samples, lag as long as the window), so they test the engine itself
    (``_wcc_core.lagged_r``), which wcc calls once the window passes."""
    x, y = gappy_pair(4)
    win = round(window_s * 10)
    if win >= 10:
        values = att.wcc(x, y, 10, window_s=window_s, max_lag_s=1, step_s=0.1).values
    else:
        values = _wcc_core.lagged_r(x, y, _wcc_core.make_layout(len(x), 10, window_s, 1, 0.1))[0]
        with pytest.raises(ValueError, match="Invalid value for 'window_s'"):
            att.wcc(x, y, 10, window_s=window_s, max_lag_s=1, step_s=0.1)
    assert_same(values, naive_wcc(x, y, win, 10, np.arange(len(values))), atol=1e-12)


def test_fewer_than_2_differing_values_at_step_of_one_sample():
    """Partner 2 copies partner 1 for longer than a window, but for one sample: the windows
    with 0 or 1 differing pair are NaN at lag 0 (r would be far from 1 with that one)."""
    rng = np.random.default_rng(6)
    x = np.convolve(rng.normal(size=809), np.ones(10) / 10, "valid")
    y = rng.normal(size=800) * 0.3
    y[200:330] = x[200:330]
    y[260] += 2.0
    res = att.wcc(x, y, 10, window_s=5, max_lag_s=1, step_s=0.1)
    ref = naive_wcc(x, y, 50, 10, np.arange(res.n_windows))
    assert_same(res.values, ref, atol=1e-12)
    assert np.array_equal(np.flatnonzero(np.isnan(ref[:, 10])), np.arange(199, 282))


def test_fewer_than_2_differing_values_with_units_of_several_samples():
    """The same rule at a step of 1 s (units of 10 samples: the screen by unit sums, compiled
    with numba), on sparse integer series like rMEA's motion energy (mostly zeros, ties)."""
    rng = np.random.default_rng(7)
    x = rng.integers(0, 3, size=900) * (rng.random(900) < 0.3)
    y = rng.integers(0, 3, size=900) * (rng.random(900) < 0.3)
    y[100:400] = x[100:400]
    y[[180, 333]] += 1
    x, y = x.astype(float), y.astype(float)
    res = att.wcc(x, y, 10, window_s=5, max_lag_s=1, step_s=1)
    ref = naive_wcc(x, y, 50, 10, np.arange(res.n_windows) * 10)
    assert_same(res.values, ref, atol=1e-12)
    assert np.isnan(ref[:, 10]).sum() >= 10  # the rule applies at lag 0 in several windows


def test_forced_exact_paths_agree(monkeypatch):
    """With the rounding tolerance at 0 every cell takes the two-pass paths."""
    x, y = gappy_pair(3)
    fast = att.wcc(x, y, 10, window_s=5, max_lag_s=1, step_s=0.5).values
    monkeypatch.setattr(_wcc_core, "TOL", 0.0)
    monkeypatch.setattr(_wcc_sums, "TOL", 1e-300)
    with np.errstate(divide="ignore"):
        exact = att.wcc(x, y, 10, window_s=5, max_lag_s=1, step_s=0.5).values
    assert_same(exact, fast, atol=1e-12)


def test_cancellation_guard_on_offset_quiet_stretch():
    """A stretch with a large offset and tiny variance next to loud data: cancellation in
    running sums would cost many digits there; the guard recomputes it."""
    rng = np.random.default_rng(5)
    x, y = rng.normal(size=(2, 3000)) * 1e3
    x[1000:1600] = 5e5 + rng.normal(size=600) * 1e-3
    y[1000:1600] = 7e5 + rng.normal(size=600) * 2e-3 + 0.5e-3 * (x[1000:1600] - 5e5)
    res = att.wcc(x, y, 10, window_s=20, max_lag_s=2, step_s=1)
    starts = np.round(res.times_s * 10).astype(int)
    assert_same(res.values, naive_wcc(x, y, 200, 20, starts), atol=1e-10)


def test_engines_agree_on_gappy_batches_and_layouts():
    """The compiled kernel against the NumPy reference path on the same rows: regular steps
    with a unit of one and of several samples, an irregular (fractional) step."""
    rng = np.random.default_rng(12)
    x, y = rng.normal(size=(2, 3, 1500)).cumsum(-1)
    x[1, 200:260] = np.nan
    y[2, 900:1000] = np.nan
    for step_s in (0.1, 1.0, 2.5, 0.35):
        lay = _wcc_core.make_layout(1500, 10, 8, 1.5, step_s)
        assert_same(_wcc_core.lagged_r(x, y, lay, engine="numpy"),
                    _wcc_core.lagged_r(x, y, lay, engine="numba"), atol=1e-12)


def test_compiled_window_stats_equal_numpy():
    """The compiled window statistics (numba) against ``series_stats``'s NumPy path (the
    reference): same blocks, so equal to 1e-15, with NaN and infinities in the same places
    (a constant stretch, a gap, windows as long as the series); the centred series and the
    constant windows identical."""
    if not _wcc_core._wcc_kernel.AVAILABLE:
        pytest.skip("numba is not installed (extra 'fast')")
    rng = np.random.default_rng(3)
    x = rng.normal(size=(3, 700)).cumsum(-1)
    x[1, 100:300] = 4.0
    x[2, 50:60] = np.nan
    for win in (2, 7, 200, 699, 700):
        ref, got = (_wcc_sums.series_stats(x, win, compiled=c) for c in (False, True))
        np.testing.assert_array_equal(got.centred, ref.centred)
        np.testing.assert_array_equal(got.const, ref.const)
        for name in ("total", "mean", "inv_sd", "cond"):
            a, b = getattr(ref, name), getattr(got, name)
            np.testing.assert_array_equal(np.isinf(a), np.isinf(b))
            assert_same(b, a, atol=1e-15 * max(1.0, np.nanmax(np.abs(np.where(np.isinf(a),
                                                                                0, a)))))


def test_compiled_differ_screens_equal_numpy():
    """The compiled screens of rMEA's "2 differing values" rule (``_wcc_screen``) flag the
    same cells (units of several samples) and rows (a unit of one sample) as the NumPy
    reference ``few_differ``, on sparse tied integer series where the rule applies."""
    if not _wcc_core._wcc_kernel.AVAILABLE:
        pytest.skip("numba is not installed (extra 'fast')")
    from attunement.lagcorr import _wcc_screen

    rng = np.random.default_rng(8)
    x = (rng.integers(0, 3, size=(2, 1200)) * (rng.random((2, 1200)) < 0.3)).astype(float)
    y = x.copy()
    y[:, ::37] += 1.0
    y[1, 600:] = rng.normal(size=600)
    flagged = 0
    for step_s in (1.0, 0.1):
        lay = _wcc_core.make_layout(1200, 10, 5, 1, step_s)
        sx, sy = _wcc_sums.series_stats(np.concatenate([x, y]), lay.win).split(2)
        g = lay.unit if lay.unit > 1 else _wcc_sums.sub_block(lay.win)
        fast = np.ones((2, lay.n_windows), dtype=bool)
        fast[0, ::5] = False
        for screen in _wcc_core.rule_screens(sx, sy, g):
            for a0, a1 in ((0, 11), (1, 11), (3, 6)):
                ref = _wcc_core.few_differ(screen, a0, a1, lay)
                if lay.unit > 1:
                    got = _wcc_screen.few_differ_cells(screen, a0, a1, lay, fast)
                    want = np.nonzero(ref & fast[:, :, None])
                    assert sorted(zip(*got)) == sorted(zip(*want))
                else:
                    np.testing.assert_array_equal(
                        _wcc_screen.few_differ_rows(screen, a0, a1, lay), ref)
                flagged += int(ref.sum())
    assert flagged > 0


def test_unknown_engine_is_refused():
    lay = _wcc_core.make_layout(100, 10, 2, 1, 1)
    with pytest.raises(ValueError, match="'engine'.*allowed values.*got 'c'"):
        _wcc_core.lagged_r(np.ones(100), np.ones(100), lay, engine="c")


def test_batched_rows_equal_single_pairs():
    rng = np.random.default_rng(2)
    x, y = rng.normal(size=(2, 4, 700))
    x[1, 200:230] = np.nan
    lay = _wcc_core.make_layout(700, 10, 10, 2, 1)
    batch = _wcc_core.lagged_r(x, y, lay)
    for i in range(4):
        assert_same(batch[i], _wcc_core.lagged_r(x[i], y[i], lay)[0], atol=1e-13)


# ------------------------------------------------------------------ known ground truth
def test_partner_2_following_by_1_2_s_is_found():
    """Partner 2 repeats partner 1 1.2 s later, plus noise (ground truth: lag +1.2 s)."""
    rng = np.random.default_rng(11)
    p1 = np.convolve(rng.normal(size=6000), np.ones(5) / 5, "same")
    p2 = np.r_[rng.normal(size=30), p1[:-30]] + 0.5 * rng.normal(size=6000)
    res = att.wcc(p1, p2, 25, window_s=30, max_lag_s=5, step_s=10)
    summary = res.summary()
    assert summary["best_lag_s"] == pytest.approx(1.2)
    assert np.all(res.best_lag_s == pytest.approx(1.2))
    assert summary["p1_leads_mean"] > summary["p2_leads_mean"]


def test_fractional_seconds_and_ntsc_rate():
    """59.94 fps and fractional durations (rMEA fails here): windows round to the nearest
    sample, starts stay on the step grid."""
    rate = 60000 / 1001
    rng = np.random.default_rng(4)
    x, y = rng.normal(size=(2, 2000))
    res = att.wcc(x, y, rate, window_s=2.5, max_lag_s=0.3, step_s=0.75)
    win, lag = round(2.5 * rate), round(0.3 * rate)
    starts = np.floor(np.arange(res.n_windows) * 0.75 * rate + 0.5).astype(int)
    np.testing.assert_allclose(res.times_s, starts / rate)
    np.testing.assert_allclose(res.lags_s, np.arange(-lag, lag + 1) / rate)
    assert starts[-1] + win + lag <= 2000 < starts[-1] + round(0.75 * rate) + win + lag + 1
    assert_same(res.values, naive_wcc(x, y, win, lag, starts), atol=1e-12)


def test_mostly_missing_window_mid_session_does_not_stop_the_run():
    rng = np.random.default_rng(8)
    x, y = rng.normal(size=(2, 1000))
    x[400:470] = np.nan  # 70 of the 60-sample span
    res = att.wcc(x, y, 10, window_s=5, max_lag_s=1, step_s=1)
    spans_gap = (res.times_s * 10 >= 400) & (res.times_s * 10 + 60 <= 470)
    assert np.isnan(res.values[spans_gap]).all() and spans_gap.any()
    assert np.isfinite(res.values[~spans_gap]).mean() > 0.6


def test_fisher_z_is_capped_at_10_as_rmea():
    x = np.arange(100.0) % 7
    res = att.wcc(x, 2 * x + 1, 10, window_s=3, max_lag_s=0.2, step_s=3, fisher_z=True)
    assert np.nanmax(res.values) == 10.0
    absolute = att.wcc(x, -x, 10, window_s=3, max_lag_s=0, step_s=3, fisher_z=True,
                       absolute=True)
    assert np.all(absolute.values == 10.0)


def test_session_wrapper_equals_arrays_and_tables():
    rng = np.random.default_rng(9)
    x, y = rng.normal(size=(2, 500))
    session = att.Session.from_arrays(x, y, sampling_rate=5, channel="smile")
    a = att.wcc(session, window_s=20, max_lag_s=2, step_s=5)
    b = att.wcc(x, y, 5, window_s=20, max_lag_s=2, step_s=5)
    assert_same(a.values, b.values, atol=0)
    tidy = a.to_frame()
    assert list(tidy.columns) == ["window_start_s", "lag_s", "value"]
    assert len(tidy) == a.values.size and tidy.value.iloc[1] == a.values[0, 1]
    wide = a.to_wide()
    assert wide.columns[0] == "window_start_s" and list(wide.columns[1:4]) == ["-2", "-1.8",
                                                                                "-1.6"]
    assert a.summary()["n_windows"] == a.n_windows == 16 and a.measure == "r"


# ------------------------------------------------------------------ bad input
@pytest.mark.parametrize(
    ("args", "kwargs", "match"),
    [
        ((np.ones(50), np.ones(50)), {}, "'sampling_rate'.*got None"),
        ((np.ones(50), None, 10), {}, "'y': expected an array"),
        ((np.ones(50), np.ones(40), 10), {}, "'x' has 50 samples and 'y' has 40"),
        ((np.ones((50, 2)), np.ones(50), 10), {}, "'x'.*1-D array.*shape \\(50, 2\\)"),
        ((np.r_[np.inf, np.ones(49)], np.ones(50), 10), {}, "'x': 1 infinite"),
        ((np.ones(50), np.ones(50), 10), {"window_s": 10}, "needs 150 samples.*has 50"),
        ((np.ones(500), np.ones(500), 10), {"step_s": 0.01}, "'step_s'.*0 sample"),
        ((np.ones(500), np.ones(500), 10), {"window_s": -1}, "'window_s'.*> 0"),
        ((np.ones(500), np.ones(500), 10), {"max_lag_s": -1}, "'max_lag_s'.*>= 0"),
    ],
)
def test_bad_input_messages(args, kwargs, match):
    with pytest.raises(ValueError, match=match):
        att.wcc(*args, **kwargs)


def test_session_with_y_or_other_rate_is_refused():
    session = att.Session.from_arrays(np.ones(50), np.ones(50), sampling_rate=5)
    with pytest.raises(ValueError, match="'y': expected None when 'x' is a Session"):
        att.wcc(session, np.ones(50))
    with pytest.raises(ValueError, match="sampled at 5 Hz, got 10"):
        att.wcc(session, sampling_rate=10)


def test_all_missing_window_summaries_are_nan_without_warnings():
    x = np.r_[np.full(60, np.nan), np.random.default_rng(1).normal(size=60)]
    with np.errstate(all="raise"):
        res = att.wcc(x, x[::-1], 10, window_s=5, max_lag_s=0.5, step_s=6)
    assert math.isnan(res.best_lag_s[0]) and math.isnan(res.all_lags[0])


def test_batch_equals_single_pairs_and_checks_shapes():
    """``wcc_batch`` row by row against ``wcc`` (the reference is the single-pair path)."""
    from attunement.lagcorr.lagged import wcc_batch

    rng = np.random.default_rng(13)
    x, y = rng.normal(size=(2, 5, 900))
    y[2, 100:140] = np.nan
    kw = dict(window_s=10, max_lag_s=2, step_s=1, fisher_z=True, absolute=True)
    batch = wcc_batch(x, y, 10, **kw)
    for i in range(5):
        assert_same(batch[i], att.wcc(x[i], y[i], 10, **kw).values, atol=1e-12)
    with pytest.raises(ValueError, match="'xs' has shape \\(5, 900\\) and 'ys' \\(5, 800\\)"):
        wcc_batch(x, y[:, :800], 10, **kw)
    y[0, 3] = np.inf
    with pytest.raises(ValueError, match="'ys': 1 infinite"):
        wcc_batch(x, y, 10, **kw)
