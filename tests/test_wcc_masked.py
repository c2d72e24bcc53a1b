"""The compiled masked path of the WCC (``lagcorr._wcc_masked``, numba) against the NumPy
reference ``_wcc_exact.masked_cells`` and, end to end, against ``engine="numpy"`` and a
cell-by-cell ``np.corrcoef`` over complete pairs (rMEA's rules, written out independently).

Cases: scattered missing samples, long gaps, windows more than half missing (all NaN), gaps at
both edges, a constant stretch with gaps, tied integer values (the "2 differing values" rule);
steps of one sample, of several samples (units of g > 1) and irregular (fractional) steps;
both lag signs (every column of the output is compared).
"""

from __future__ import annotations

import numpy as np
import pytest
from wcc_naive import naive_wcc

from attunement.lagcorr import _wcc_core, _wcc_exact, _wcc_sums

pytestmark = pytest.mark.skipif(not _wcc_core._wcc_kernel.AVAILABLE,
                                reason="numba is not installed (extra 'fast')")
N, RATE, WINDOW_S, LAG_S = 1200, 10, 8, 1.5


def gappy_rows():
    """Six row pairs (x, y), each with another pattern of missing values."""
    rng = np.random.default_rng(26)
    x, y = rng.normal(size=(2, 6, N)).cumsum(-1)
    x[0][rng.random(N) < 0.01] = np.nan  # 1 % scattered
    y[0][rng.random(N) < 0.01] = np.nan
    x[1, 300:420] = np.nan  # long gaps: windows more than half missing, and around them
    y[1, 700:760] = np.nan
    x[2, :25] = np.nan  # both edges
    y[2, -40:] = np.nan
    x[3, 100:400] = 2.0  # a constant stretch with holes
    x[3, 150:400:9] = np.nan
    x[4], y[4] = np.round(x[4] / 4), np.round(y[4] / 4)  # ties: few differing pairs
    y[4, 500:1100] = x[4, 500:1100]
    x[4, ::13] = np.nan
    y[5, 200:1000:3] = np.nan  # a third missing, only y
    return x, y


def assert_same(got, ref, atol):
    np.testing.assert_array_equal(np.isnan(got), np.isnan(ref))
    np.testing.assert_allclose(got, ref, rtol=0, atol=atol, equal_nan=True)
    assert np.isfinite(ref).any()


@pytest.mark.parametrize("step_s,budget", [(0.1, 1 << 20), (0.5, 1 << 20), (1.0, 1 << 20),
                                           (0.35, 1 << 20), (0.1, 3000), (0.5, 500)])
def test_masked_cells_equal_numpy_reference(step_s, budget):
    """Cell for cell against ``_wcc_exact.masked_cells`` on the windows with missing values:
    where both call the cell sure, NaN in the same places and r within 1e-9 (unsure cells,
    near-constant windows among them, go to the two-pass path on both engines)."""
    from attunement.lagcorr import _wcc_masked

    x, y = gappy_rows()
    lay = _wcc_core.make_layout(N, RATE, WINDOW_S, LAG_S, step_s)
    sx, sy = _wcc_sums.series_stats(np.concatenate([x, y]), lay.win).split(len(x))
    span = lay.win + lay.lag
    miss = [_wcc_sums.at_starts(_wcc_sums.window_counts(~s.ok, span), lay) for s in (sx, sy)]
    sel, wsel = np.nonzero((miss[0] + miss[1] > 0) & (np.maximum(*miss) <= span / 2))
    assert len(np.unique(sel)) == len(x)  # every pattern has masked windows
    ref, ref_unsure = _wcc_exact.masked_cells(sx, sy, lay, sel, wsel)
    got, got_unsure = _wcc_masked.masked_cells(sx, sy, lay, sel, wsel, budget)
    sure = ~(ref_unsure | got_unsure)
    assert_same(got[sure], ref[sure], atol=1e-9)
    assert (got_unsure != ref_unsure).mean() < 0.01  # the same bound, other rounding
    assert np.isnan(ref).any() and (~np.isnan(ref)).sum() > 0.5 * ref.size


@pytest.mark.parametrize("step_s", [0.1, 1.0, 0.35])
def test_engines_agree_with_missing_values(step_s):
    """End to end: ``lagged_r`` with the compiled masked path equals the NumPy engine
    (within 1e-10, the rounding bound TOL; NaN in the same places) and a cell-by-cell
    np.corrcoef (within 1e-9; steps of several samples), both lag signs, windows more than
    half missing NaN."""
    x, y = gappy_rows()
    lay = _wcc_core.make_layout(N, RATE, WINDOW_S, LAG_S, step_s)
    got = _wcc_core.lagged_r(x, y, lay, engine="numba")
    assert_same(got, _wcc_core.lagged_r(x, y, lay, engine="numpy"), atol=1e-10)
    for i in (1, 2, 4) if step_s > 0.1 else ():  # long gaps, edges, ties (fast enough)
        assert_same(got[i], naive_wcc(x[i], y[i], lay.win, lay.lag, lay.starts), atol=1e-9)
    assert np.isnan(got[1]).all(axis=1).any()  # windows more than half missing


def test_all_missing_and_single_value_windows():
    """A row missing but for a few samples, and a row with one value among gaps: NaN where
    the NumPy engine says so, nothing else."""
    x, y = np.random.default_rng(5).normal(size=(2, 2, 400))
    x[0, 30:] = np.nan
    x[1, :] = 1.0
    x[1, ::4] = np.nan
    lay = _wcc_core.make_layout(400, 10, 5, 1, 0.2)
    got = _wcc_core.lagged_r(x, y, lay, engine="numba")
    assert_same(got, _wcc_core.lagged_r(x, y, lay, engine="numpy"), atol=1e-10)
    assert np.isnan(got[1]).all() and np.isnan(got[0, 1:]).all()


@pytest.mark.parametrize("step_s", [0.1, 1.0])
def test_lag_zero_with_missing_values(step_s):
    """max_lag_s = 0 (one lag, no negative side) with gaps: equal to the NumPy engine."""
    x, y = np.random.default_rng(9).normal(size=(2, 2, 600)).cumsum(-1)
    x[0, ::9] = np.nan
    y[1, 100:130] = np.nan
    lay = _wcc_core.make_layout(600, 10, 5, 0, step_s)
    assert_same(_wcc_core.lagged_r(x, y, lay, engine="numba"),
                _wcc_core.lagged_r(x, y, lay, engine="numpy"), atol=1e-10)
