"""The measure registry: one signature, float summary columns, named errors."""

from __future__ import annotations

import numpy as np
import pytest
from sim_pairs import coupled_ar1

import attunement
from attunement.sync.registry import MEASURES, measure_summary

PARAMS = {
    "phase": {"window_s": 20},
    "coherence": {"segment_s": 10},
    "crqa_windows": {"window_s": 20},
    "drp": {"max_lag_s": 2},
    "dtw": {"window_s": 2},
    "granger": {"max_lag_s": 1},
}
PREFIX = {"phase": "phase_", "coherence": "coherence_", "wavelet_coherence": "wavelet_",
          "crqa": "crqa_", "crqa_windows": "crqa_window_", "drp": "drp_", "dtw": "dtw_",
          "granger": "granger_", "transfer_entropy": "transfer_entropy_",
          "contingency": "contingency_", "mdrqa": "mdrqa_"}


@pytest.mark.parametrize("name", sorted(MEASURES))
def test_every_measure_gives_float_columns(name):
    x1, x2 = coupled_ar1(600, phi=0.8, c12=0.3, seed=0)
    out = MEASURES[name](x1, x2, 10, **PARAMS.get(name, {}))
    assert out and all(isinstance(v, float) for v in out.values())
    assert all(k.startswith(PREFIX.get(name, "")) for k in out)
    # deterministic: a surrogate test can call it again and get the same numbers
    again = MEASURES[name](x1, x2, 10, **PARAMS.get(name, {}))
    assert out.keys() == again.keys()
    assert all(v == again[k] or (np.isnan(v) and np.isnan(again[k])) for k, v in out.items())


def test_group_summary_takes_several_channels_per_partner():
    rng = np.random.default_rng(1)
    out = MEASURES["group"](rng.normal(size=(800, 2)), rng.normal(size=(800, 3)), 10)
    assert set(out) == {"cluster_phase_rho", "kuramoto_order", "team_coherence",
                        "sum_normalized_csd", "symbolic_entropy"}


def test_unknown_measure_is_named():
    with pytest.raises(ValueError, match="'measure' parameter. Allowed values are 'phase'"):
        measure_summary("wavelet", np.zeros(10), np.zeros(10), 1)


def test_public_names_are_exported():
    for name in ("crqa", "crqa_windows", "recurrence_profile", "phase_sync", "coherence",
                 "wavelet_coherence", "granger", "transfer_entropy", "contingency", "dtw",
                 "cluster_phase", "kuramoto_order", "team_coherence", "mdrqa"):
        assert callable(getattr(attunement, name)), name
