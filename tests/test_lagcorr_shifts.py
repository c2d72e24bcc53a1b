"""Circular shifts computed together (``attunement.lagcorr.shifts``).

Reference: the WCC of each shifted pair one at a time by the NumPy engine (``lagged_r`` with
``engine="numpy"``, rMEA-equal to 1e-9 in tests/test_sync_lagged.py), and
``stats.wcc_null.wcc_statistics`` of those values for the summaries. Cases that exercise
every rule: constant stretches (NaN), identical stretches (fewer than 2 differing pairs),
near-perfect correlation (the two-pass recomputation), irregular window starts, the shift
0, shifts on both sides of the wrap-around and more shifts than one block holds.
"""

from __future__ import annotations

import numpy as np
import pytest

from attunement.lagcorr import _wcc_core, _wcc_shifts
from attunement.lagcorr.shifts import shifts_supported, wcc_shift_statistics, wcc_shifts
from attunement.stats import surrogate_test
from attunement.stats.surrogates import make_surrogates
from attunement.stats.testing import STATISTICS
from attunement.stats.wcc_null import wcc_statistics

pytestmark = pytest.mark.skipif(not _wcc_shifts.supported(np.zeros(2), np.zeros(2)),
                                reason="numba is not installed (extra 'fast')")


def reference(x, y, rate, shifts, window_s, max_lag_s, step_s, fisher_z, absolute):
    """One shift at a time by the NumPy engine, transformed as rMEA's ``fisher.r2z``."""
    lay = _wcc_core.make_layout(len(x), rate, window_s, max_lag_s, step_s)
    ys = np.stack([np.roll(y, s) for s in shifts])
    r = _wcc_core.lagged_r(np.broadcast_to(x, ys.shape), ys, lay, engine="numpy")
    if fisher_z:
        with np.errstate(divide="ignore"):
            r = np.clip(np.arctanh(r), -10, 10)
    return np.abs(r) if absolute else r


def pair(n=900, seed=0):
    """A smoothed pair with partner 2 following 3 samples later, a constant stretch in
    each, a stretch where the two are identical and one where they are almost so."""
    rng = np.random.default_rng(seed)
    x = np.convolve(rng.normal(size=n), np.ones(4) / 4, "same")
    y = np.roll(x, 3) + rng.normal(scale=0.6, size=n)
    x[100:190] = 0.5
    y[400:520] = 1.25
    y[600:700] = x[600:700]
    y[750:850] = x[750:850] + 1e-9 * rng.normal(size=100)
    return x, y


@pytest.mark.parametrize("fisher_z, absolute, step_s", [
    (False, False, 2.0), (True, False, 2.0), (True, True, 1.0), (False, True, 1.3),
])
def test_every_shift_equals_its_own_wcc(fisher_z, absolute, step_s):
    x, y = pair()
    shifts = np.array([0, 1, 3, 450, 898, 899, 7, 7, 600, 20])
    kw = dict(window_s=6.0, max_lag_s=1.0, step_s=step_s)
    got = wcc_shifts(x, y, 5, shifts, fisher_z=fisher_z, absolute=absolute, **kw)
    want = reference(x, y, 5, shifts, fisher_z=fisher_z, absolute=absolute, **kw)
    assert got.shape == want.shape
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-9, equal_nan=True)
    assert np.isnan(want).any() and (np.abs(want) > 0.999).any()  # the rules were exercised


def test_statistics_equal_those_of_the_values_over_many_blocks():
    x, y = pair(1200, seed=3)
    shifts = np.random.default_rng(1).integers(5, 1195, size=300)  # 4 blocks, shared
    kw = dict(window_s=8.0, max_lag_s=1.0, step_s=2.0, fisher_z=True, absolute=True)
    got = wcc_shift_statistics(x, y, 5, shifts, **kw)
    want = wcc_statistics(reference(x, y, 5, shifts, **kw), np.arange(-5, 6) / 5)
    for name in (*STATISTICS, "all_lags"):
        np.testing.assert_allclose(got[name], want[name], rtol=0, atol=1e-9, equal_nan=True)


def test_surrogate_test_draws_the_same_shifts_as_the_loop():
    """The shift null's distribution equals the loop over make_surrogates' pairs (same seed,
    same shifts) and is reproducible."""
    x, y = pair(1000, seed=5)
    kw = dict(window_s=10.0, max_lag_s=1.0, step_s=2.0, fisher_z=True, absolute=True)
    test = surrogate_test(x, y, 5, n_surrogates=40, seed=7, params=kw)
    _, ys = make_surrogates(x, y, "shift", 40, 5, max_lag_s=1.0,
                            seed=np.random.default_rng(7))
    lay = _wcc_core.make_layout(1000, 5, 10.0, 1.0, 2.0)
    r = _wcc_core.lagged_r(np.broadcast_to(x, ys.shape), ys, lay, engine="numpy")
    want = wcc_statistics(np.abs(np.clip(np.arctanh(r), -10, 10)), np.arange(-5, 6) / 5)
    np.testing.assert_allclose(test.null, want["grand_average"], rtol=0, atol=1e-9)
    np.testing.assert_allclose(test.window_null, want["all_lags"], rtol=0, atol=1e-9)
    again = surrogate_test(x, y, 5, n_surrogates=40, seed=7, params=kw)
    np.testing.assert_array_equal(test.null, again.null)


def test_missing_values_take_the_batched_path():
    x, y = pair(seed=2)
    y[50:60] = np.nan
    assert not shifts_supported(x, y)
    with pytest.raises(ValueError, match="missing values.*wcc_batch"):
        wcc_shifts(x, y, 5, [10], window_s=6, max_lag_s=1, step_s=2)
    test = surrogate_test(x, y, 5, n_surrogates=5, seed=0,
                          params=dict(window_s=6, max_lag_s=1, step_s=2))
    assert np.isfinite(test.null).all()


def test_bad_shifts_are_named():
    x, y = pair()
    with pytest.raises(ValueError, match="'shifts'.*integers"):
        wcc_shifts(x, y, 5, [1.5], window_s=6, max_lag_s=1, step_s=2)


def test_peak_and_episode_surrogates_equal_the_batched_path(monkeypatch):
    """pick_peaks' per-window null and the episode detector's synchrony series are the same
    through the shift kernel as through shifted copies and the batched WCC."""
    from attunement import pick_peaks, wcc
    from attunement.episodes import synchrony
    from attunement.lagcorr import peaks

    x, y = pair(1000, seed=4)
    kw = dict(window_s=10.0, max_lag_s=1.0, step_s=2.0, fisher_z=True)
    result = wcc(x, y, 5, **kw)

    def both():
        got = peaks._window_null(result, x, y, 5, None, 30, 3, (0.25, 2, np.inf))
        series = synchrony.synchrony_series(x, y, 5, n_surrogates=9, seed=3, min_shift_s=20,
                                            window_s=10.0, max_lag_s=1.0, step_s=2.0)
        return got, series

    fast, fast_series = both()
    monkeypatch.setattr(peaks, "shifts_supported", lambda *_: False)
    monkeypatch.setattr(synchrony, "shifts_supported", lambda *_: False)
    slow, slow_series = both()
    np.testing.assert_allclose(fast, slow, rtol=0, atol=1e-9, equal_nan=True)
    for name in ("value", "score", "null_mean", "null_sd"):
        np.testing.assert_allclose(getattr(fast_series, name), getattr(slow_series, name),
                                   rtol=0, atol=1e-8, equal_nan=True)
    assert np.isfinite(fast).any() and pick_peaks(result, x, y, 5, seed=3).p_value.size


def test_compiled_atanh_is_within_two_ulp_of_the_library():
    """Reference: math.atanh (the C library) on a dense grid, the table's knots, tiny values,
    the fallback range, +-1 and NaN."""
    import math

    from attunement.lagcorr import _wcc_kernel

    _wcc_kernel.ensure_compiled()
    grid = np.r_[np.linspace(-0.99999, 0.99999, 20001), np.arange(241) / 256, 1e-300,
                 -5e-324, 0.0, 0.9375 - 1e-16, 0.9375, 1.0, -1.0]
    got = np.array([_wcc_kernel._atanh(v) for v in grid])
    with np.errstate(divide="ignore"):
        want = np.array([math.atanh(v) if abs(v) < 1 else math.copysign(np.inf, v)
                         for v in grid])
    finite = np.isfinite(want)
    assert (np.abs(got[finite] - want[finite]) <= 2 * np.spacing(np.abs(want[finite]))).all()
    np.testing.assert_array_equal(got[~finite], want[~finite])
    assert math.isnan(_wcc_kernel._atanh(math.nan))
