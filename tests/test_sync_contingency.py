"""Beebe & Jaffe contingency: regression from first principles, recovery, band flags."""

from __future__ import annotations

import numpy as np
import pytest
from sim_pairs import coupled_ar1

from attunement import Session
from attunement.sync.contingency import contingency, contingency_band


def test_coefficients_are_the_regression_on_the_one_second_base():
    rng = np.random.default_rng(0)
    x1, x2 = rng.normal(size=(2, 4 * 300))  # 4 Hz, 300 s
    res = contingency(x1, x2, 4, lag_weights=(2.0, 1.0))
    b1, b2 = x1.reshape(300, 4).mean(axis=1), x2.reshape(300, 4).mean(axis=1)
    z1, z2 = (b1 - b1.mean()) / b1.std(), (b2 - b2.mean()) / b2.std()
    past1 = (2 * z1[1:-1] + z1[:-2]) / 3
    past2 = (2 * z2[1:-1] + z2[:-2]) / 3
    design = np.column_stack([np.ones(298), past1, past2])
    coef = np.linalg.lstsq(design, z1[2:], rcond=None)[0]
    table = res.table.set_index("direction")
    assert table.loc["1to1", "coefficient"] == pytest.approx(coef[1], rel=1e-10)
    assert table.loc["2to1", "coefficient"] == pytest.approx(coef[2], rel=1e-10)
    assert res.params["n_bins"] == 300 and res.params["samples_left_out"] == 0


def test_recovers_self_and_interactive_contingency():
    """Partner 1 drives partner 2 (c12 = 0.4), not the reverse."""
    x1, x2 = coupled_ar1(900, phi=0.6, c12=0.4, seed=1)
    s = contingency(x1, x2, 1, lag_weights=(1,)).summary()
    assert s["contingency_self_1to1"] > 0.4 and s["contingency_self_2to2"] > 0.4
    assert s["contingency_interactive_1to2"] > 0.2
    assert abs(s["contingency_interactive_2to1"]) < 0.1


def test_interactive_p_values_calibrated_on_independent_pairs():
    p = [contingency(*coupled_ar1(300, phi=0.6, seed=s), 1).table.set_index("direction")
         .loc["1to2", "p_value"] for s in range(60)]
    assert np.mean(np.array(p) < 0.05) <= 0.12


def test_both_extremes_are_flagged():
    x1, x2 = coupled_ar1(900, phi=0.6, c12=0.4, seed=1)
    tight = contingency(x1, x2, 1, lag_weights=(1,), band=(-0.1, 0.1), self_band=(0.0, 0.3))
    flags = tight.table.set_index("direction")["flag"]
    assert flags["1to2"] == "above" and flags["2to1"] == "midrange"
    assert flags["1to1"] == "above"
    loose = contingency(x1, x2, 1, lag_weights=(1,), band=(0.5, 0.9)).summary()
    assert loose["contingency_interactive_1to2_flag"] == -1.0
    assert np.isnan(loose["contingency_self_1to1_flag"])


def test_band_from_a_cohort_is_its_tertiles():
    values = np.arange(1.0, 10.0)
    assert contingency_band(values) == pytest.approx(tuple(np.quantile(values, [1 / 3, 2 / 3])))
    with pytest.raises(ValueError, match="'values': expected at least 3 finite"):
        contingency_band([1.0, np.nan])


def test_session_wrapper_and_bad_inputs():
    x1, x2 = coupled_ar1(200, seed=2)
    session = Session.from_arrays(x1, x2, sampling_rate=1)
    assert contingency(session).summary() == contingency(x1, x2, 1).summary()
    with pytest.raises(ValueError, match=r"'band': expected low < high, got \(1, 0\)"):
        contingency(x1, x2, 1, band=(1, 0))
    with pytest.raises(ValueError, match="'lag_weights': expected one or more weights"):
        contingency(x1, x2, 1, lag_weights=())
    with pytest.raises(ValueError, match="'base_s': 0.1 s is 0.1 samples"):
        contingency(x1, x2, 1, base_s=0.1)
    with pytest.raises(ValueError, match="10 bins of 20 s; expected at least 13"):
        contingency(x1, x2, 1, base_s=20)
