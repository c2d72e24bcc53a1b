"""Granger causality and transfer entropy: statsmodels parity, direction, calibration."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sim_pairs import circular_shift_p, coupled_ar1

from attunement import Session
from attunement.sync.direction import granger, select_var_order, transfer_entropy


def test_order_selection_and_f_tests_equal_statsmodels():
    """Reference: statsmodels VAR.select_order and grangercausalitytests (ssr_ftest)."""
    sm = pytest.importorskip("statsmodels.tsa.api")
    from statsmodels.tsa.stattools import grangercausalitytests

    x1, x2 = coupled_ar1(800, phi=0.6, c12=0.3, seed=1)
    y = np.column_stack([x1, x2])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = sm.VAR(y).select_order(8)
        for ic in ("aic", "bic", "hqic"):
            order, values = select_var_order(y, 8, ic)
            assert order == ref.selected_orders[ic]
            np.testing.assert_allclose([values[p] for p in range(9)], ref.ics[ic], rtol=1e-9)
        res = granger(x1, x2, 1, lag_s=3)
        for direction, cols in (("1to2", [x2, x1]), ("2to1", [x1, x2])):
            f, p, df_den, df_num = grangercausalitytests(np.column_stack(cols), [3])[3][0][
                "ssr_ftest"]
            row = res.tests.set_index("direction").loc[direction]
            assert row.f == pytest.approx(f, rel=1e-9)
            assert row.p_value == pytest.approx(p, rel=1e-9)
            assert (row.df_num, row.df_den) == (df_num, df_den)


def test_granger_finds_the_leader():
    hits = {"1to2": 0, "2to1": 0}
    for seed in range(10):
        x1, x2 = coupled_ar1(1000, phi=0.7, c12=0.25, seed=seed)
        res = granger(x1, x2, 4, max_lag_s=2)
        s = res.summary()
        hits["1to2"] += s["granger_p_value_1to2"] < 0.05
        hits["2to1"] += s["granger_p_value_2to1"] < 0.05
        assert s["granger_gc_net"] > 0
    assert hits["1to2"] >= 9 and hits["2to1"] <= 3


def test_granger_calibrated_on_independent_pairs():
    p = [granger(*coupled_ar1(600, phi=0.8, seed=s), 1, max_lag_s=4).summary()
         for s in range(60)]
    rate = np.mean([r["granger_p_value_1to2"] < 0.05 for r in p])
    assert rate <= 0.12


def test_gaussian_transfer_entropy_is_half_geweke():
    x1, x2 = coupled_ar1(1500, phi=0.5, c12=0.4, seed=2)
    te = transfer_entropy(x1, x2, 1, method="gaussian", history_s=2)
    gc = granger(x1, x2, 1, lag_s=2).summary()
    assert te.te_1to2 == pytest.approx(gc["granger_gc_1to2"] / 2)
    assert te.te_2to1 == pytest.approx(gc["granger_gc_2to1"] / 2)


def test_binned_transfer_entropy_from_first_principles():
    """x2 copies x1's previous tercile: TE(1->2) = H(tercile) = ln 3, TE(2->1) = 0."""
    rng = np.random.default_rng(3)
    x1 = rng.normal(size=30000)
    x2 = np.r_[0.0, x1[:-1]]
    res = transfer_entropy(x1, x2, 1)
    assert res.te_1to2 == pytest.approx(np.log(3), abs=0.01)
    assert res.te_2to1 == pytest.approx(0, abs=0.01)


def test_transfer_entropy_direction_and_calibration():
    def net(a, b):
        return transfer_entropy(a, b, 1).te_1to2

    coupled = [circular_shift_p(net, *coupled_ar1(1500, phi=0.5, c12=0.5, seed=s), seed=s)
               for s in range(8)]
    assert np.mean(np.array(coupled) <= 0.05) >= 0.75
    null = [circular_shift_p(net, *coupled_ar1(1500, phi=0.5, seed=s), seed=s)
            for s in range(30)]
    assert np.mean(np.array(null) <= 0.05) <= 0.15


def test_session_wrapper_and_tidy_rows():
    x1, x2 = coupled_ar1(400, seed=4)
    session = Session.from_arrays(x1, x2, sampling_rate=2)
    assert granger(session).summary() == granger(x1, x2, 2).summary()
    assert list(granger(session).to_frame().direction) == ["1to2", "2to1"]
    assert set(transfer_entropy(session).to_frame()) == {"direction", "transfer_entropy_nats"}


def test_bad_parameters_are_named():
    x1, x2 = coupled_ar1(100, seed=5)
    with pytest.raises(ValueError, match="'criterion' parameter. Allowed values are 'aic'"):
        granger(x1, x2, 1, criterion="fpe")
    with pytest.raises(ValueError, match="'max_lag_s': 40 lags need at least"):
        granger(x1, x2, 1, max_lag_s=40)
    with pytest.raises(ValueError, match="'method' parameter. Allowed values are 'binned'"):
        transfer_entropy(x1, x2, 1, method="kraskov")
    with pytest.raises(ValueError, match="'bins': expected an integer >= 2, got 1"):
        transfer_entropy(x1, x2, 1, bins=1)
    with pytest.raises(ValueError, match="'history_s': 30 samples of history"):
        transfer_entropy(x1, x2, 1, history_s=30)
