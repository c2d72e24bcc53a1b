"""One vocabulary: every public signature and constant uses the agreed names (issue 18.1).

The reference is the agreement itself, written down in :mod:`attunement.vocabulary` (the
null names, the retired spellings) and in this file (the names no public signature may
use); the walk covers ``attunement.__all__`` and the ``__all__`` of every subpackage.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import typing

import numpy as np
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
        check_option(retired, "null")


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
