"""Rolling WCC against the offline :func:`attunement.wcc` (reference: the offline engine,
itself equal to rMEA 1.3.0 to 1e-9) at every window end."""

import numpy as np
import pytest

from attunement import wcc
from attunement.live.rolling import RollingWCC


def _rolled(x, y, fs, **kw):
    roll = RollingWCC(fs, **kw)
    out = [roll.push(a, b) for a, b in zip(x, y)]
    starts = np.array([o[0] for o in out if o is not None])
    values = np.stack([o[1] for o in out if o is not None])
    return roll, starts, values


@pytest.mark.parametrize("fs, step_s", [(30.0, 0.5), (25.0, 0.3), (10.0, 1.0)])
def test_equals_offline_wcc_with_gaps_and_offset(fs, step_s):
    rng = np.random.default_rng(1)
    n = int(60 * fs)
    x = 500 + np.cumsum(rng.normal(size=n))  # far from zero: checks the centring
    y = np.r_[np.zeros(7), x[:-7]] + rng.normal(size=n)
    x[100:130] = np.nan
    y[400:520] = np.nan  # more than half a span missing: whole windows NaN
    y[700:705] = 3.0
    kw = dict(window_s=4.0, max_lag_s=2.0, step_s=step_s, fisher_z=True)
    roll, starts, values = _rolled(x, y, fs, **kw)
    assert len(roll._entered) <= 4.0 / step_s + 1  # block sums kept only while in the window
    ref = wcc(x, y, fs, **kw)
    assert np.allclose(starts, ref.times_s, atol=1e-12)
    got = values[:, 0]
    assert np.array_equal(np.isnan(got), np.isnan(ref.values))
    assert np.isnan(ref.values).any()
    assert np.nanmax(np.abs(got - ref.values)) < 1e-9


def test_delayed_series_equal_offline_wcc_of_the_delayed_partner():
    """A delayed copy of partner 2 is wcc(x, y shifted right, NaN-padded)."""
    rng = np.random.default_rng(2)
    fs, n, d = 30.0, 1500, 10.0
    x, y = rng.normal(size=(2, n))
    _, _, values = _rolled(x, y, fs, delays_s=[d], fisher_z=True)
    late = np.r_[np.full(int(d * fs), np.nan), y[: n - int(d * fs)]]
    ref = wcc(x, late, fs, window_s=4, max_lag_s=2, step_s=0.5, fisher_z=True).values
    got = values[:, 1]
    assert np.array_equal(np.isnan(got), np.isnan(ref))
    assert np.nanmax(np.abs(got - ref)) < 1e-9


def test_constant_partner_gives_nan_like_offline():
    x = np.random.default_rng(3).normal(size=300)
    y = np.full(300, 2.5)
    _, _, values = _rolled(x, y, 10.0)
    assert np.isnan(values).all()
    assert np.isnan(wcc(x, y, 10, window_s=4, max_lag_s=2, step_s=0.5).values).all()


def test_bad_parameters_are_named():
    with pytest.raises(ValueError, match="window_s"):
        RollingWCC(30, window_s=0.01)
    with pytest.raises(ValueError, match="sampling_rate"):
        RollingWCC(0)


def test_rewritten_samples_continue_as_if_pushed():
    """Reference: a fresh RollingWCC fed the rewritten samples from the start (itself checked
    against the offline wcc above): after rewrite, later windows are the same, new delays
    included."""
    rng = np.random.default_rng(3)
    fs = 20.0
    x, y = rng.normal(size=(2, 1200))
    x2, y2 = rng.normal(size=(2, 500))  # what the first 500 samples become
    roll = RollingWCC(fs, delays_s=[5.0, 7.0], fisher_z=True)
    for a, b in zip(x[:500], y[:500]):
        roll.push(a, b)
    roll.rewrite(x2, y2, delays_s=[11.0, 13.0])
    got = [roll.push(a, b) for a, b in zip(x[500:], y[500:])]
    fresh = RollingWCC(fs, delays_s=[11.0, 13.0], fisher_z=True)
    ref = [fresh.push(a, b) for a, b in zip(np.r_[x2, x[500:]], np.r_[y2, y[500:]])][500:]
    pairs = [(g, r) for g, r in zip(got, ref) if g is not None or r is not None]
    assert len(pairs) > 50
    for g, r in pairs:
        assert g[0] == r[0]
        np.testing.assert_allclose(g[1], r[1], atol=1e-9)
    with pytest.raises(ValueError, match="delays_s"):
        roll.rewrite(np.r_[x2, x[500:]], np.r_[y2, y[500:]], delays_s=[1.0])
    with pytest.raises(ValueError, match="1200 samples"):
        roll.rewrite(x2, y2)
