"""Many dyads at once (attunement.brain.summary): the summary rows, the group test joined
in, the step lines. References: closed forms (the PLV of a signal with itself is 1; a
mean over channel pairs), and the per-dyad results of attunement.interbrain itself."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from attunement import interbrain
from attunement.brain.summary import (
    interbrain_dyads,
    interbrain_group_test,
    interbrain_summary,
    join_group_test,
)

RATE = 250.0


def _epochs(seed, n_epochs=4):
    return np.random.default_rng(seed).normal(size=(n_epochs, 3, 500))


def test_summary_is_the_mean_over_channel_pairs_per_mode_and_band(caplog):
    x, y = _epochs(1), _epochs(2)
    with caplog.at_level(logging.INFO, logger="attunement.progress"):
        results = interbrain_dyads([(x, x), (x, y)], ["same", "other"], ["plv", "ccorr"],
                                   ["theta", "alpha_low"], sampling_rate=RATE)
    assert "same: interbrain plv,ccorr" in caplog.text and "other: interbrain" in caplog.text
    summary = interbrain_summary(results, pair_by="name")
    assert summary[["session", "mode", "band"]].values.tolist()[:4] == [
        ["same", "plv", "theta"], ["same", "plv", "alpha_low"],
        ["same", "ccorr", "theta"], ["same", "ccorr", "alpha_low"]]
    assert list(summary.columns[:4]) == ["session", "mode", "band", "value"]
    assert summary.loc[0, "n_epochs"] == 4 and summary.loc[0, "pair_by"] == "name"
    # A signal with itself: PLV 1 on the diagonal, so the mean over 3x3 pairs is
    # (3 + mean of the 6 off-diagonal pairs) / 9, computed here from the matrix.
    direct = interbrain(x, x, "plv", "theta", sampling_rate=RATE).to_frame()
    assert summary.loc[0, "value"] == pytest.approx(direct["value"].mean())
    diagonal = direct[direct.channel_1 == direct.channel_2]["value"]
    np.testing.assert_allclose(diagonal, 1.0, atol=1e-12)


def test_group_test_is_joined_to_one_dyad_and_added_for_several(caplog):
    x, y, z = _epochs(1), _epochs(2), _epochs(3)
    one = interbrain_dyads([(x, y)], ["d1"], "plv", "alpha_low", sampling_rate=RATE)
    with caplog.at_level(logging.INFO, logger="attunement.progress"):
        test = interbrain_group_test([(x, y)], "plv", "alpha_low", n_surrogates=5, seed=0,
                                     sampling_rate=RATE)
    assert "1 dyad(s): plv against 5 surrogates (epochs)" in caplog.text
    assert test.null_name == "epochs"
    joined = join_group_test(interbrain_summary(one), test, ["d1"], seed=0)
    assert len(joined) == 1 and {"p_value", "null_mean", "seed"} <= set(joined.columns)
    assert joined.loc[0, "value"] == interbrain_summary(one).loc[0, "value"]

    dyads = [(x, y), (y, z), (z, x)]
    three = interbrain_dyads(dyads, ["a", "b", "c"], "plv", "alpha_low", sampling_rate=RATE)
    group = interbrain_group_test(dyads, "plv", "alpha_low", n_surrogates=3,
                                  sampling_rate=RATE)
    assert group.null_name == "pseudo-dyads"
    added = join_group_test(interbrain_summary(three), group, ["a", "b", "c"], seed=0)
    assert added["session"].tolist() == ["a", "b", "c", "a+b+c"]


def test_names_must_match_the_dyads():
    x = _epochs(1)
    with pytest.raises(ValueError, match="names: expected one per dyad"):
        interbrain_dyads([(x, x)], ["a", "b"], sampling_rate=RATE)
