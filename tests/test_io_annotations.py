"""Annotations: ELAN .eaf, BORIS exports and CSV -> one table, phases and coded states.

References: ELAN files are written by pympi-ling (the ELAN library the reader uses) from
hand-set intervals; BORIS files are written row for row in the column layout of the BORIS user
guide's "Export events" / "Export aggregated events" (github.com/olivierfriard/boris_docs,
export_events.rst; ``Status`` is the pre-v8 name of ``Behavior type``); expected values are the
hand-set intervals themselves.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pympi
import pytest
from face_files import openface_frames, write_openface
from typer.testing import CliRunner

from attunement import match_states
from attunement.cli import app
from attunement.io.annotation_writers import write_boris, write_eaf
from attunement.io.annotations import (
    annotations_to_codes,
    annotations_to_phases,
    read_annotations,
)

PHASES = [(0, 20000, "play"), (20000, 40000, "still-face"), (40000, 60000, "reunion")]
INFANT = [(5000, 25000, "Pos"), (25000, 45500, "Neg"), (45500, 60000, "Pos")]


def _elan(path, cv_extra=None, rename=None):
    name = (rename or {}).get
    eaf = pympi.Elan.Eaf(author="test")
    eaf.remove_tier("default")
    eaf.add_language("und")
    eaf.add_controlled_vocabulary("affect")
    for v in ("Pos", "Neg", "Neu"):
        eaf.add_cv_entry("affect", f"cv_{v}", [(name(v, v), "und", None)])
    eaf.add_linguistic_type("affect-lt", param_dict={
        "LINGUISTIC_TYPE_ID": "affect-lt", "TIME_ALIGNABLE": "true",
        "GRAPHIC_REFERENCES": "false", "CONTROLLED_VOCABULARY_REF": "affect"})
    eaf.add_tier("phase", ann="RS")
    eaf.add_tier("infant", ling="affect-lt", part="infant", ann="AB")
    eaf.add_tier("mother", ling="affect-lt", part="mother", ann="AB")
    for start, end, label in PHASES:
        eaf.add_annotation("phase", start, end, label)
    for start, end, label in INFANT:  # overlaps the phase tier's boundaries
        eaf.add_annotation("infant", start, end, name(label, label))
    for start, end, label in [(0, 30000, "Pos"), (30000, 60000, cv_extra or "Neu")]:
        eaf.add_annotation("mother", start, end, name(label, label))
    eaf.to_file(str(path))
    return path


def test_elan_tiers_overlap_coders_and_controlled_vocabulary(tmp_path, caplog):
    f = _elan(tmp_path / "coding.eaf", cv_extra="Laugh")
    with caplog.at_level(logging.INFO, logger="attunement"):
        ann = read_annotations(f)
    assert list(ann.columns) == ["onset_s", "offset_s", "label", "tier", "coder"]
    infant = ann[ann.tier == "infant"]
    assert infant[["onset_s", "offset_s"]].to_numpy().tolist() == \
        [[s / 1000, e / 1000] for s, e, _ in INFANT]
    assert set(ann.coder) == {"RS", "AB"} and len(ann) == 8
    assert "1 label(s) outside the tier's controlled vocabulary" in caplog.text
    phases = annotations_to_phases(ann, tier="phase")
    assert phases.label.tolist() == ["play", "still-face", "reunion"]
    assert phases.duration_s.tolist() == [20.0, 20.0, 20.0]
    with pytest.raises(ValueError, match=r"several tiers \['infant', 'mother', 'phase'\]"):
        annotations_to_phases(ann)
    assert read_annotations(f, coder="ZZ").coder.unique().tolist() == ["ZZ"]


def test_coded_states_feed_match_states(tmp_path):
    ann = read_annotations(_elan(tmp_path / "coding.eaf"))
    codes = annotations_to_codes(ann, ["mother", "infant"], step_s=1.0)
    assert len(codes) == 60 and codes.mother.iloc[0] == "Pos"
    assert codes.infant.iloc[:5].isna().all()  # not yet coded: missing, not a code
    assert codes.infant.iloc[46] == "Pos" and codes.infant.iloc[45] == "Neg"  # Neg to 45.5 s
    res = match_states(codes, classes=None)
    eps = res.episodes
    # mother Pos 0-30 s, infant Pos 5-25 s: matched exactly there (hand-set intervals)
    first = eps[eps.kind == "attuned"].iloc[0]
    assert (first.onset_s, first.offset_s) == (5.0, 25.0)


def test_boris_tabular_events_state_and_point(tmp_path):
    f = tmp_path / "obs.tsv"
    rows = [("Observation id", "Subject", "Behavior", "Behavioral category", "Behavior type",
             "Time", "Media file name", "Comment")]
    rows += [("o1", "infant", "gaze mother", "gaze", "START", "1.5", "v.mp4", ""),
             ("o1", "mother", "smile", "affect", "START", "2.0", "v.mp4", ""),
             ("o1", "infant", "vocalise", "voice", "POINT", "3.25", "v.mp4", "loud"),
             ("o1", "infant", "gaze mother", "gaze", "STOP", "4.0", "v.mp4", ""),
             ("o1", "mother", "smile", "affect", "STOP", "6.5", "v.mp4", ""),
             ("o1", "infant", "gaze mother", "gaze", "START", "8.0", "v.mp4", ""),
             ("o1", "infant", "gaze mother", "gaze", "STOP", "9.0", "v.mp4", "")]
    f.write_text("\n".join("\t".join(r) for r in rows) + "\n")
    ann = read_annotations(f, coder="BC")
    assert ann[["onset_s", "offset_s", "label", "tier"]].values.tolist() == [
        [1.5, 4.0, "gaze mother", "infant"], [2.0, 6.5, "smile", "mother"],
        [3.25, 3.25, "vocalise", "infant"], [8.0, 9.0, "gaze mother", "infant"]]
    old = tmp_path / "old.csv"  # BORIS 7: 'Status' instead of 'Behavior type'
    old.write_text("Time,Media file path,Total length,FPS,Subject,Behavior,Comment,Status\n"
                   "1.0,v.mp4,10,25,No focal subject,cry,,START\n"
                   "2.5,v.mp4,10,25,No focal subject,cry,,STOP\n")
    assert read_annotations(old)[["onset_s", "offset_s"]].values.tolist() == [[1.0, 2.5]]
    bad = tmp_path / "bad.tsv"
    bad.write_text("Subject\tBehavior\tBehavior type\tTime\nm\tsmile\tSTOP\t1.0\n")
    with pytest.raises(ValueError, match=r"bad.tsv: row 0: STOP of 'smile'.*without a START"):
        read_annotations(bad)
    unpaired = tmp_path / "open.tsv"
    unpaired.write_text("Subject\tBehavior\tBehavior type\tTime\nm\tsmile\tSTART\t1.0\n")
    with pytest.raises(ValueError, match=r"open.tsv: 'smile' of subject 'm'.*never stops"):
        read_annotations(unpaired)


def test_boris_aggregated_export(tmp_path):
    f = tmp_path / "agg.csv"
    f.write_text("Observation id,Subject,Behavior,Behavior type,Start (s),Stop (s),Duration (s)\n"
                 "o1,mother,smile,STATE,2.0,6.5,4.5\no1,infant,vocalise,POINT,3.25,3.25,NA\n")
    ann = read_annotations(f)
    assert ann[["onset_s", "offset_s", "tier"]].values.tolist() == [
        [2.0, 6.5, "mother"], [3.25, 3.25, "infant"]]


def test_csv_and_episodes_table(tmp_path):
    f = tmp_path / "episodes.csv"
    f.write_text("session,onset_s,offset_s,kind,repaired\ns,0,10,attuned,\ns,10,14,rupture,True\n")
    ann = read_annotations(f)
    assert ann.label.tolist() == ["attuned", "rupture"] and ann.tier.isna().all()
    g = tmp_path / "codes.csv"
    g.write_text("onset_s,offset_s,label,coder\n5,2,play,AB\n")
    with pytest.raises(ValueError, match=r"codes.csv: row 1: the offset \(2.0\) is before"):
        read_annotations(g)
    h = tmp_path / "other.csv"
    h.write_text("start,stop,what\n0,1,x\n")
    with pytest.raises(ValueError, match="other.csv: an annotation table needs an onset column"):
        read_annotations(h)


@pytest.mark.parametrize("suffix", [".eaf", ".tsv", ".csv"])
def test_write_back_round_trip(tmp_path, suffix):
    ann = read_annotations(_elan(tmp_path / "coding.eaf"))
    path = tmp_path / f"back{suffix}"
    (write_eaf if suffix == ".eaf" else write_boris)(ann, path)
    back = read_annotations(path)
    cols = ["onset_s", "offset_s", "label", "tier"]
    key = ["tier", "onset_s"]
    pd.testing.assert_frame_equal(back[cols].sort_values(key).reset_index(drop=True),
                                  ann[cols].sort_values(key).reset_index(drop=True))
    if suffix == ".eaf":
        assert set(back.coder) == {"RS", "AB"}


def test_analyze_runs_from_an_openface_pair_and_an_elan_phase_file(tmp_path):
    """End to end: two OpenFace files and phases coded in ELAN (issue 24's 'done when')."""
    fps, n = 30.0, 1800
    rng = np.random.default_rng(0)
    drive = np.convolve(rng.normal(size=n + 60), np.ones(3) / 3, mode="same")
    lead = np.round(2.5 + 4 * drive[60:], 3)
    # partner 2 = partner 1 six frames (0.2 s) later, plus its own noise (wcc gives NaN at r = 1)
    follow = np.round(2.5 + 4 * drive[54:-6] + rng.normal(0, 0.5, n), 3)
    a = write_openface(tmp_path / "mother.csv", openface_frames(n, fps, lead))
    b = write_openface(tmp_path / "infant.csv", openface_frames(n, fps, follow, seed=1))
    eaf = _elan(tmp_path / "phases.eaf")
    out = tmp_path / "out"
    cfg = tmp_path / "attune.toml"
    cfg.write_text('[read]\nchannels = ["smile"]\n')
    result = CliRunner().invoke(app, [
        "analyze", str(a), str(b), "--phases", str(eaf), "--phase-tier", "phase",
        "--config", str(cfg),
        "--out", str(out), "--window", "4", "--lag", "0.5", "--step", "0.5",
        "--n-surrogates", "0"])
    assert result.exit_code == 0, result.output
    summary = pd.read_csv(out / "summary.csv")
    smile = summary[summary.channel == "smile"].iloc[0]
    assert smile.best_lag_s == pytest.approx(0.2)  # the simulated lag, recovered
    html = (out / "report_mother__infant.html").read_text()
    assert "still-face" in html and "reunion" in html


def test_phase_file_from_any_annotation_format_or_phase_table(tmp_path):
    from attunement.io.annotations import phases_from_file

    table = tmp_path / "phases.csv"  # the older phase-table layout (read_phases)
    table.write_text("phase,start,duration\nplay,0,20\nstill-face,20,20\n")
    assert phases_from_file(table).label.tolist() == ["play", "still-face"]
    boris = tmp_path / "phases.tsv"
    boris.write_text("Subject\tBehavior\tBehavior type\tTime\nphase\tplay\tSTART\t0\n"
                     "phase\tplay\tSTOP\t20\nphase\treunion\tSTART\t40\nphase\treunion\tSTOP\t60\n")
    got = phases_from_file(boris)
    assert got[["onset_s", "duration_s", "label"]].values.tolist() == [
        [0.0, 20.0, "play"], [40.0, 20.0, "reunion"]]
    eaf = _elan(tmp_path / "coding.eaf")
    with pytest.raises(ValueError, match=r"tier: no tier 'phases'; the tiers are"):
        phases_from_file(eaf, tier="phases")


def test_attune_episodes_takes_coded_states_from_elan(tmp_path):
    spaff = {"Pos": "joy", "Neg": "sadness", "Neu": "neutral"}  # codes of SPAFF (the default)
    eaf = _elan(tmp_path / "coding.eaf", rename=spaff)
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["episodes", str(eaf), "--codes", "--tiers",
                                      "mother,infant", "--out", str(out)])
    assert result.exit_code == 0, result.output
    eps = pd.read_csv(out / "episodes.csv")
    first = eps[eps.kind == "attuned"].iloc[0]
    assert (first.onset_s, first.offset_s) == (5.0, 25.0)  # the hand-set overlap of Pos codes
    result = CliRunner().invoke(app, ["episodes", str(eaf), "--codes", "--out",
                                      str(tmp_path / "o2")])
    assert result.exit_code == 1 and "name the two partners' tiers" in result.output
