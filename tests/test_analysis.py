"""The one pipeline (issue 18.2): configured measures, many sessions, the pseudo-dyad pool.

References: the registry's own functions on the same pair (the pipeline only routes
them); the number of pseudo-dyads two sessions allow with roles kept (2, by construction,
as tests/test_cli_sync.py); the configuration's documented errors."""

from __future__ import annotations

import pytest

import attunement as att
from attunement.sync.registry import MEASURES

FAST = {"read": {"channels": ["movement"]}, "episodes": {"enabled": False},
        "sync": {"window_s": 20, "max_lag_s": 2, "step_s": 10}}


@pytest.fixture(scope="module")
def dyads():
    return [att.simulate_dyad(duration_s=60, sampling_rate=10, seed=k, id=f"d{k}").session
            for k in range(2)]


def test_configured_measures_in_order_with_their_parameters(dyads):
    cfg = att.load_config(measures={"dtw": {"window_s": 2.0}, "wcc": {}},
                          surrogates={"n": 0}, **FAST)
    row = att.analyze(dyads[0], cfg).summary_frame().iloc[0]
    expected = MEASURES["dtw"](*dyads[0].pair("movement"), 10, window_s=2.0)
    assert row.dtw_normalized_distance == pytest.approx(expected["dtw_normalized_distance"])
    assert row.dtw_param_window_s == 2.0
    assert row.grand_average == pytest.approx(
        att.wcc(dyads[0], channel="movement", **cfg.sync.wcc_params()).summary()
        ["grand_average"])


def test_a_failed_session_does_not_stop_the_rest(dyads):
    short = dyads[0].crop(0, 10).replace(id="short")
    cfg = att.load_config(measures=["wcc"], surrogates={"n": 0}, **FAST)
    results = list(att.analyze_sessions([short, dyads[1]], cfg))
    assert isinstance(results[0][1], ValueError) and "short" in str(results[0][1])
    assert isinstance(results[1][1], att.SessionAnalysis)


def test_pseudo_dyads_draw_from_the_other_sessions(dyads):
    cfg = att.load_config(measures=["wcc", "phase"],
                          surrogates={"n": 50, "null": "pseudo-dyads"}, **FAST)
    for _, analysis in att.analyze_sessions(dyads, cfg):
        row = analysis.summary_frame().iloc[0]
        assert row.n_surrogates == 2 and row.phase_p_value in (1 / 3, 2 / 3, 1)
    alone = att.analyze(dyads[0], cfg)
    assert alone.channels[0].test is None
    assert any("Pseudo-dyads need other sessions" in n for n in alone.notes)


@pytest.mark.parametrize(("measures", "message"), [
    ({"wavelet": {}}, "measures: .*Allowed values are 'wcc'"),
    ({"wcc": {"window_s": 3}}, r"the WCC's parameters are the \[sync\] section"),
    ({"crqa": {"radiuss": 0.3}}, "Invalid parameter 'radiuss' for measure 'crqa'"),
])
def test_measure_settings_are_checked(measures, message):
    with pytest.raises(ValueError, match=message):
        att.load_config(measures=measures)
