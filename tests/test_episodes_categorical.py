"""Tronick-style matching from coded states (match_states, read_codes).

References: hand-coded toy sequences whose episodes are counted by hand, and the two
Paxton dyads (../shared/data/paxton_emotion_codes; Main, Paxton & Dale 2016), whose facts
checked here are read off the coded file itself (the 494 -> 501 s gap, which codes occur).
"""

import numpy as np
import pandas as pd
import pytest

from attunement import match_states, read_codes
from attunement.episodes.categorical import SPAFF_CLASSES


def _codes(parent, teen, times=None):
    times = np.arange(float(len(parent))) if times is None else times
    return pd.DataFrame({"time_s": times, "parent": parent, "teen": teen})


def test_matching_by_class_with_repairs_and_initiators():
    codes = _codes(["Humor", "Affection", "Neutral", "Neutral", "Anger", "Anger"],
                   ["Affection", "Backchannels", "Humor", "Neutral", "Neutral", "Contempt"])
    res = match_states(codes, session_id="toy")
    assert res.states.attuned.tolist() == [True, True, False, True, False, True]
    rup = res.ruptures
    assert rup.onset_s.tolist() == [2.0, 4.0] and rup.repair_latency_s.tolist() == [1.0, 1.0]
    assert rup.repair_initiator.tolist() == ["teen", "teen"]
    assert res.summary()["matched_proportion"] == pytest.approx(4 / 6)
    assert res.summary()["matched_positive_proportion"] == pytest.approx(2 / 6)
    assert res.episodes.session.unique().tolist() == ["toy"]


def test_exact_code_matching_and_typing():
    codes = _codes(["a", "b", "Stonewalling", "Stonewalling", "a", "b"],
                   ["a", "a", "a", "a", "a", "a"])
    res = match_states(codes, classes=None, rupture_codes={"stonewalling": "withdrawal"})
    rup = res.ruptures.iloc[0]
    assert (rup.onset_s, rup.offset_s, rup.repair_initiator) == (1.0, 4.0, "parent")
    assert res.ruptures.repair_initiator.tolist() == ["parent", pd.NA]  # the last is open
    assert rup.rupture_type == "withdrawal-like" and rup.withdrawal_score == pytest.approx(2 / 3)


def test_gaps_split_episodes_and_are_counted():
    codes = _codes(["a", "a", "b", "b", "a"], ["a", "a", "a", "a", "a"],
                   times=np.array([0.0, 1, 2, 5, 6]))
    res = match_states(codes, classes=None)
    assert res.states.missing.sum() == 2 and len(res.states) == 7
    rup = res.ruptures
    assert rup.onset_s.tolist() == [2.0, 5.0]
    assert rup.repaired.tolist() == [False, True]  # the first runs into the gap
    assert res.summary()["missing_fraction"] == pytest.approx(2 / 7)


def test_min_episode_merges_short_runs():
    codes = _codes(list("aabaaaabbbb"), list("aaaaaaaaaaa"))
    res = match_states(codes, classes=None, min_episode_s=2)
    assert res.ruptures.onset_s.tolist() == [7.0]


def test_errors_name_what_is_wrong(tmp_path):
    with pytest.raises(ValueError, match=r"code\(s\) \['giggle'\] that it does not map"):
        match_states(_codes(["Humor", "giggle"], ["Humor", "Humor"]))
    with pytest.raises(ValueError, match="'codes': expected a DataFrame with 'time_s'"):
        match_states(pd.DataFrame({"a": [1]}))
    with pytest.raises(ValueError, match="not on a grid of step 1 s"):
        match_states(_codes(["a"] * 3, ["a"] * 3, times=np.array([0, 1, 2.5])), classes=None)
    f = tmp_path / "c.csv"
    f.write_text("when,p,a\n0,x,y\n")
    with pytest.raises(ValueError, match="no time column"):
        read_codes(f)
    f.write_text("t,p,a,b\n0,x,y,z\n")
    with pytest.raises(ValueError, match="exactly two code columns"):
        read_codes(f)


def test_spaff_classes_cover_main_paxton_dale_groups():
    for code in ("backchannels", "mirroring with interest", "humor"):
        assert SPAFF_CLASSES[code] == "positive"
    for code in ("contempt", "stonewalling", "domineering", "tension"):
        assert SPAFF_CLASSES[code] == "negative"


def test_paxton_dyads(shared_dir):
    """Matched states of the real coded mother-adolescent dyads: the high-satisfaction dyad
    matches more positive, less negative affect."""
    folder = shared_dir / "data" / "paxton_emotion_codes"
    high = match_states(read_codes(folder / "high-satisfaction-dyad.csv"))
    low = match_states(read_codes(folder / "low-satisfaction-dyad.csv"))
    h, lo = high.summary(), low.summary()
    # the high dyad's file skips t = 495-500 s; the low one is complete
    assert high.states.missing.sum() == 6 and lo["missing_fraction"] == 0
    assert h["matched_negative_proportion"] == 0 and lo["matched_negative_proportion"] > 0.5
    assert h["matched_positive_proportion"] > lo["matched_positive_proportion"]
    types = low.ruptures.rupture_type.value_counts()
    assert types.idxmax() == "confrontation-like"
    assert high.ruptures.rupture_type.eq("confrontation-like").sum() <= 2
