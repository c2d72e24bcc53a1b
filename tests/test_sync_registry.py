"""The measure registry: one signature, prefixed float summary columns, headline statistics
for surrogate tests, named errors."""

from __future__ import annotations

import numpy as np
import pytest
from sim_pairs import coupled_ar1

import attunement
from attunement.stats import surrogate_test
from attunement.stats.testing import ALTERNATIVES
from attunement.sync.registry import (
    HEADLINES,
    MEASURES,
    check_measures,
    check_params,
    headline_column,
    headline_function,
    measure_parameters,
    measure_summary,
)

PARAMS = {
    "wcc": {"window_s": 20, "max_lag_s": 2, "step_s": 10},
    "phase": {"window_s": 20},
    "coherence": {"segment_s": 10},
    "crqa_windows": {"window_s": 20},
    "drp": {"max_lag_s": 2},
    "dtw": {"window_s": 2},
    "granger": {"max_lag_s": 1},
    "prosody": {"n_surrogates": 19},
}
#: Measures of voice channels take what extract_audio writes, made here from the AR pair:
#: voice activity (0/1) and F0 (Hz, NaN where not voiced).
INPUTS = {
    "vocal": lambda x: (x > 0).astype(float),
    "prosody": lambda x: np.where(x > 0, 120 * 2 ** (x / 12), np.nan),
}


def _inputs(name, pair):
    make = INPUTS.get(name, lambda x: x)
    return [make(np.asarray(x, dtype=float)) for x in pair]


@pytest.fixture(scope="module")
def pair():
    return coupled_ar1(1200, phi=0.8, c12=0.3, seed=0)  # physio needs >= 60 s


@pytest.mark.parametrize("name", sorted(MEASURES))
def test_every_measure_gives_prefixed_float_columns(name, pair):
    pair = _inputs(name, pair)
    out = MEASURES[name](*pair, 10, **PARAMS.get(name, {}))
    assert out and all(isinstance(v, float) for v in out.values())
    assert all(k.startswith(f"{name}_") for k in out)  # never collide in summary.csv
    added = {f"{name}_{c}" for c in ("statistic", "alternative", "surrogate_mean",
                                     "surrogate_sd", "effect_size", "p_value")}
    assert not added & set(out) and not any(k.startswith(f"{name}_param_") for k in out)
    # deterministic: a surrogate test can call it again and get the same numbers
    again = MEASURES[name](*pair, 10, **PARAMS.get(name, {}))
    assert out.keys() == again.keys()
    assert all(v == again[k] or (np.isnan(v) and np.isnan(again[k])) for k, v in out.items())


@pytest.mark.parametrize("name", sorted(MEASURES))
def test_headline_function_gives_the_real_pairs_value(name, pair):
    pair = _inputs(name, pair)
    params = PARAMS.get(name, {})
    observed = MEASURES[name](*pair, 10, **params)
    column = headline_column(name, observed)
    assert HEADLINES[name].alternative in ALTERNATIVES
    got = headline_function(name, observed, **params)(*pair, 10)
    assert got == {column: pytest.approx(observed[column], rel=1e-12, nan_ok=True)}


def test_headlines_cover_the_registry():
    assert HEADLINES.keys() == MEASURES.keys()


def test_crqa_headline_is_the_line_of_synchrony(pair):
    out = MEASURES["crqa"](*pair, 10)
    drp = MEASURES["drp"](*pair, 10, max_lag_s=1)
    assert out["crqa_zero_lag_recurrence_rate"] == pytest.approx(
        drp["drp_zero_lag_recurrence_rate"])
    left_out = MEASURES["crqa"](*pair, 10, theiler_s=0.5)
    assert np.isnan(left_out["crqa_zero_lag_recurrence_rate"])
    assert np.isnan(headline_function("crqa", left_out, theiler_s=0.5)(*pair, 10)[
        "crqa_zero_lag_recurrence_rate"])


def test_crqa_whole_matrix_measures_cannot_see_a_shift(pair):
    """Why crqa's headline is not its recurrence rate: shifting partner 2 leaves it as is."""
    x1, x2 = pair
    shifted = np.roll(x2, 150)
    for key in ("crqa_recurrence_rate", "crqa_zero_lag_recurrence_rate"):
        same = MEASURES["crqa"](x1, x2, 10)[key] == MEASURES["crqa"](x1, shifted, 10)[key]
        assert same == (key == "crqa_recurrence_rate")


def test_headline_tests_coupling_against_shift_surrogates():
    x1, x2 = coupled_ar1(1200, phi=0.8, c12=0.6, seed=2)
    observed = MEASURES["dtw"](x1, x2, 10)
    test = surrogate_test(x1, x2, 10, measure=headline_function("dtw", observed),
                          n_surrogates=19, seed=0, alternative=HEADLINES["dtw"].alternative,
                          min_shift_s=2)
    assert test.statistic == "dtw_normalized_distance" and test.p_value == 0.05


def test_granger_surrogates_keep_the_real_lag_order(pair, monkeypatch):
    observed = MEASURES["granger"](*pair, 10, max_lag_s=1)
    headline = headline_function("granger", observed, max_lag_s=1)

    def no_selection(*args, **kwargs):
        raise AssertionError("the order is selected again")

    monkeypatch.setattr("attunement.sync.direction.select_var_order", no_selection)
    assert headline(*pair, 10) == {"granger_gc_net": observed["granger_gc_net"]}


def test_group_summary_takes_several_channels_per_partner():
    rng = np.random.default_rng(1)
    out = MEASURES["group"](rng.normal(size=(800, 2)), rng.normal(size=(800, 3)), 10)
    assert set(out) == {"group_cluster_phase_rho", "group_kuramoto_order",
                        "group_team_coherence", "group_sum_normalized_csd",
                        "group_symbolic_entropy"}


def test_coherence_headline_follows_the_bands(pair):
    out = MEASURES["coherence"](*pair, 10, segment_s=10, bands={"slow": (0, 1), "fast": (1, 5)})
    assert headline_column("coherence", out) == "coherence_mean_slow"


def test_measure_summary_takes_a_session(pair):
    session = attunement.Session.from_arrays(*pair, 10, channel="movement")
    assert measure_summary("phase", session, window_s=20) == measure_summary(
        "phase", *pair, 10, window_s=20)
    with pytest.raises(ValueError, match="'x2': expected None when 'x1' is a Session"):
        measure_summary("phase", session, pair[1])


def test_unknown_measure_is_named():
    with pytest.raises(ValueError, match="'measure' parameter. Allowed values are 'wcc', "):
        measure_summary("wavelet", np.zeros(10), np.zeros(10), 1)


def test_check_measures_parses_and_names_the_option():
    assert check_measures("crqa, phase,crqa") == ["crqa", "phase"]
    with pytest.raises(ValueError, match="'--measure' parameter. Allowed .* got 'dwt'"):
        check_measures("phase,dwt", "--measure")
    with pytest.raises(ValueError, match="expected one or more of wcc, phase"):
        check_measures(" , ")


def test_parameters_come_from_the_functions_signature():
    assert measure_parameters("granger") == {"max_lag_s": 2.0, "criterion": "aic",
                                             "lag_s": None}
    assert "channel" not in measure_parameters("crqa")
    assert measure_parameters("physio") == {"interval_s": 15.0, "lag_s": 1.0}
    assert check_params("dtw", {"window_s": 1}) == {"window_s": 1}
    with pytest.raises(ValueError, match="Invalid parameter 'radiuss' for measure 'crqa': "
                                         "expected one of 'dimension', .*got 'radiuss'"):
        check_params("crqa", {"radiuss": 0.5})
    with pytest.raises(ValueError, match="Invalid parameter 'lag' for measure 'granger'"):
        measure_summary("granger", np.zeros(100), np.ones(100), 1, lag=2)


def test_public_names_are_exported():
    for name in ("crqa", "crqa_windows", "recurrence_profile", "phase_sync", "coherence",
                 "wavelet_coherence", "granger", "transfer_entropy", "contingency", "dtw",
                 "cluster_phase", "kuramoto_order", "team_coherence", "mdrqa"):
        assert callable(getattr(attunement, name)), name
