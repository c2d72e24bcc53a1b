"""One vocabulary: every public signature and constant uses the agreed names (issue 18.1).

The reference is the agreement itself, written down in :mod:`attunement.vocabulary` (the
null names, the retired spellings) and in this file (the names no public signature may
use); the walk covers ``attunement.__all__`` and the ``__all__`` of every subpackage.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
import typing

import numpy as np
import pandas as pd
import pytest

import attunement
from attunement import vocabulary
from attunement.config import SurrogateConfig
from attunement.vocabulary import NULLS, PARAMS, RETIRED_VALUES, check_option, fill_doc

#: Parameter names no public signature may use (retired spellings of one concept).
FORBIDDEN_PARAMS = {"n_surr", "surrogates", "circular_shift", "time_shift", "pseudo_pair",
                    "p1", "p2", "s1", "s2"}


def _public_callables():
    modules = [attunement] + [
        importlib.import_module(m.name)
        for m in pkgutil.walk_packages(attunement.__path__, "attunement.") if m.ispkg
    ]
    seen = {}
    for mod in modules:
        for name in getattr(mod, "__all__", []):
            obj = getattr(mod, name, None)
            if callable(obj) and id(obj) not in seen:
                seen[id(obj)] = (f"{mod.__name__}.{name}", obj)
    return list(seen.values())


def _signatures():
    out = []
    for qualname, obj in _public_callables():
        try:
            sig = inspect.signature(obj)
        except (TypeError, ValueError):
            continue
        out.append((qualname, sig))
    return out


SIGNATURES = _signatures()


def test_the_walk_covers_the_public_api():
    names = {q.rsplit(".", 1)[1] for q, _ in SIGNATURES}
    assert len(SIGNATURES) > 100
    assert {"wcc", "surrogate_test", "interbrain_test", "interbrain_wtc_test", "dtw",
            "detect_episodes", "physio_linkage"} <= names


def test_no_public_signature_uses_a_retired_parameter_name():
    bad = [f"{q}({p})" for q, sig in SIGNATURES for p in sig.parameters if p in FORBIDDEN_PARAMS]
    assert not bad, f"retired parameter names: {bad}"


def test_every_null_default_is_a_canonical_null():
    bad = [f"{q}(null={p.default!r})" for q, sig in SIGNATURES
           for p in sig.parameters.values()
           if p.name == "null" and p.default is not inspect.Parameter.empty
           and p.default is not None and p.default not in NULLS]
    assert not bad, bad


def _defaults(name):
    return {q: sig.parameters[name].default for q, sig in SIGNATURES if name in sig.parameters}


def test_seed_defaults_to_0_everywhere():
    bad = {q: d for q, d in _defaults("seed").items() if d != 0}
    assert len(_defaults("seed")) >= 15 and not bad, bad


def test_n_surrogates_has_one_default():
    # a count with another default has a name of its own (n_gate_surrogates, n_peak_surrogates)
    found = _defaults("n_surrogates")
    bad = {q: d for q, d in found.items()
           if d is not inspect.Parameter.empty and d != PARAMS["n_surrogates"].default}
    assert len(found) >= 10 and not bad, bad
    assert _defaults("n_gate_surrogates") and _defaults("n_peak_surrogates")


def test_window_and_segment_names_mean_one_thing():
    # window_s: a WCC (or measure) window, never DTW's warping bound; segment_s: the
    # 'segments' null's segment, never a Welch segment (welch_segment_s)
    sigs = dict(SIGNATURES)
    assert "window_s" not in sigs["attunement.dtw"].parameters
    assert "max_lag_s" in sigs["attunement.dtw"].parameters
    for name in ("attunement.coherence", "attunement.team_coherence",
                 "attunement.sum_normalized_csd"):
        assert "segment_s" not in sigs[name].parameters
        assert "welch_segment_s" in sigs[name].parameters


def test_wcc_defaults_are_one_in_api_and_config():
    from attunement.config import SyncConfig

    wcc = dict(SIGNATURES)["attunement.wcc"].parameters
    for name in ("window_s", "max_lag_s", "step_s", "fisher_z", "absolute"):
        assert wcc[name].default == SyncConfig.model_fields[name].default \
            == PARAMS[name].default, name


def test_every_nulls_constant_names_canonical_nulls_only():
    modules = [importlib.import_module(m.name)
               for m in pkgutil.walk_packages(attunement.__path__, "attunement.")
               if not m.name.startswith("attunement.cli")]
    found = {}
    for mod in modules:
        for name, value in vars(mod).items():
            if name.endswith("NULLS") and isinstance(value, (tuple, list, dict)):
                found[f"{mod.__name__}.{name}"] = set(value)
    assert len(found) >= 4
    bad = {k: v - set(NULLS) for k, v in found.items() if v - set(NULLS)}
    assert not bad, bad


def test_the_config_accepts_exactly_the_session_nulls():
    from attunement.stats.surrogates import NULLS as SESSION_NULLS

    literal = SurrogateConfig.model_fields["null"].annotation
    assert set(typing.get_args(literal)) == set(SESSION_NULLS)


@pytest.mark.parametrize("retired, canonical", sorted(RETIRED_VALUES.items()))
def test_a_retired_null_is_rejected_naming_the_canonical_one(retired, canonical):
    with pytest.raises(ValueError, match=f"'{retired}' is now called '{canonical}'"):
        check_option(retired, "null", NULLS)


def test_measures_reject_retired_nulls_naming_the_canonical_one():
    from attunement.linkage import interval_correlation

    rng = np.random.default_rng(0)
    x1, x2 = rng.normal(size=(2, 400))
    with pytest.raises(ValueError, match="'circular_shift' is now called 'shift'"):
        attunement.surrogate_test(x1, x2, 4, null="circular_shift", n_surrogates=9,
                                  params=dict(window_s=20, max_lag_s=2, step_s=10))
    with pytest.raises(ValueError, match="'segment_shuffle' is now called 'segments'"):
        interval_correlation(x1, x2, 4, null="segment_shuffle", n_surrogates=9)
    with pytest.raises(ValueError, match="'pseudo_pair' is now called 'pseudo-dyads'"):
        attunement.interbrain_test((rng.normal(size=(2, 2, 200)),) * 2, "plv", "alpha_low",
                                   null="pseudo_pair", sampling_rate=100)
    with pytest.raises(ValueError, match="'time_shift' is now called 'shift'"):
        attunement.interbrain_wtc_test((x1, x2), null="time_shift", sampling_rate=4)


def test_an_unknown_value_lists_the_allowed_ones():
    with pytest.raises(ValueError, match=r"Allowed values are 'shift', .* but got 'bogus'"):
        check_option("bogus", "null")


def test_fill_doc_indents_entries_and_names_a_missing_one():
    def f(n_surrogates=500):
        """Count.

        Parameters
        ----------
        %(n_surrogates)s
        """

    doc = fill_doc(f).__doc__.splitlines()
    assert doc[4] == "        n_surrogates : int"
    assert doc[5].startswith("            Number of surrogates")

    def g():
        """%(no_such_parameter)s"""

    with pytest.raises(KeyError, match="no vocabulary entry 'no_such_parameter'"):
        fill_doc(g)


def test_every_vocabulary_entry_documents_itself():
    for name, param in PARAMS.items():
        assert param.name == name and param.text.endswith(".")
        assert param.doc.startswith(f"{name} : {param.type}\n    ")
        if param.allowed:
            assert param.default in param.allowed or param.required
    assert vocabulary.cli_flag("max_lag_s") == "--max-lag-s"


def test_rates_lags_and_times_carry_no_float_noise(tmp_path):
    # time stamps summed in floating point step at 1 / 0.039999999999999... s; the reference
    # is the sample grid itself: k / 25 for integer k (issue 18: best_lag_s -9.44, not
    # -9.439999999999799; sampling_rate 25.0, not 25.000000000000533)
    t = np.cumsum(np.full(3000, 0.04)) - 0.04
    assert 1 / np.median(np.diff(t)) != 25.0
    rng = np.random.default_rng(0)
    x = rng.normal(size=3000)
    path = tmp_path / "d.csv"
    pd.DataFrame({"time_s": t, "caregiver_motion": x,
                  "infant_motion": np.roll(x, -236) + rng.normal(size=3000)}).to_csv(path,
                                                                                     index=False)
    session = attunement.read_table(path)
    assert session.sampling_rate == 25.0
    res = attunement.wcc(session, window_s=60, max_lag_s=10, step_s=30)
    assert res.summary()["best_lag_s"] == -236 / 25 == -9.44
    assert res.lags_s.tolist() == (np.arange(-250, 251) / 25).tolist()
    assert res.times_s.tolist() == [0.0, 30.0]  # windows of 60 s, 10 s lags each side


#: Positional partner tokens that no written table may carry (issue 18: p1/p2 in
#: summary.csv, s1/s2 in the report, 1to2 in contingency, 100_01:p1 in pseudo-dyads).
POSITIONAL = re.compile(r"(?<![A-Za-z0-9])(p1|p2|s1|s2|1to2|2to1|1to1|2to2|1_to_2|2_to_1)"
                        r"(?![A-Za-z0-9])")


def test_command_tables_name_partners_as_the_session_does(tmp_path):
    # two short sessions whose columns name the partners (caregiver, infant)
    from typer.testing import CliRunner

    from attunement.cli import app

    rng = np.random.default_rng(0)
    files = []
    for k in range(2):
        x = np.convolve(rng.normal(size=1200), np.ones(5) / 5, "same")
        path = tmp_path / f"dyad{k}.csv"
        pd.DataFrame({"time_s": np.arange(1200) / 10, "caregiver_motion": x,
                      "infant_motion": np.roll(x, 5) + rng.normal(scale=0.5, size=1200)}
                     ).to_csv(path, index=False)
        files.append(str(path))
    out = tmp_path / "out"
    result = CliRunner().invoke(app, [
        "sync", *files, "--window", "20", "--lag", "2", "--step", "10",
        "--measure", "wcc,contingency,granger", "--n-surrogates", "3", "--out", str(out)])
    assert result.exit_code == 0, result.output
    summary = pd.read_csv(out / "summary.csv")
    assert {"caregiver_leads_mean", "infant_leads_share",
            "contingency_interactive_caregiver_to_infant",
            "granger_gc_infant_to_caregiver"} <= set(summary.columns)
    pseudo = pd.read_csv(out / "pseudo_dyads.csv")
    assert {"dyad0:caregiver", "dyad1:infant"} <= set(pseudo.partner_1) | set(pseudo.partner_2)
    for name in ("summary.csv", "pseudo_dyads.csv", "group.csv"):
        table = pd.read_csv(out / name)
        cells = [str(v) for c in table.columns if table[c].dtype == object for v in table[c]]
        bad = [t for t in [*table.columns, *cells] if POSITIONAL.search(t)]
        assert not bad, f"{name}: {bad}"


def test_name_partners_leaves_other_tokens_alone():
    from attunement.vocabulary import name_partners, name_partners_row

    pair = ("caregiver", "infant")
    assert name_partners("partner_effect_1_to_2", pair) == "partner_effect_caregiver_to_infant"
    assert name_partners("hp1_band_p10", pair) == "hp1_band_p10"
    assert name_partners_row({"session": "p1", "direction": "2to1"}, pair) == {
        "session": "p1", "direction": "infant->caregiver"}


def test_docstrings_config_and_cli_help_derive_from_the_vocabulary():
    from typer.testing import CliRunner

    from attunement.cli import app
    from attunement.config import SyncConfig
    from attunement.linkage import interval_correlation

    def flat(text):
        return " ".join(text.split())

    for func in (interval_correlation,):
        for name in ("x1", "sampling_rate", "n_surrogates", "seed"):
            assert flat(PARAMS[name].doc) in flat(func.__doc__), (func.__name__, name)
    assert SyncConfig.model_fields["window_s"].description == PARAMS["window_s"].text
    assert SurrogateConfig.model_fields["n_surrogates"].description == PARAMS["n_surrogates"].text
    help_text = flat(CliRunner().invoke(app, ["sync", "--help"], env={"COLUMNS": "200"}).output)
    assert "--n-surrogates" in help_text and "--surrogates " not in help_text
    assert "(500 as SUSY" in help_text
