"""``attune analyze`` on a video: it extracts motion energy first (issue #9 item 6)."""

import json
import re

import pandas as pd
import pytest
from typer.testing import CliRunner

from attunement.cli import app


def test_analyze_accepts_a_video(tmp_path):
    """It also writes viewer_dyad.html beside the report, with the video converted for the
    browser (AVI MJPEG is not playable there), linked both ways."""
    pytest.importorskip("cv2")
    pytest.importorskip("av")
    from attunement.extract import write_synthetic_dyad

    video = tmp_path / "dyad.avi"
    write_synthetic_dyad(video, n_frames=360, fps=30, lag_frames=6, seed=1)
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app,
        [
            "analyze",
            str(video),
            "--out",
            str(out),
            "--window",
            "4",
            "--lag",
            "0.5",
            "--step",
            "0.5",
            "--n-surrogates",
            "0",
        ],
    )
    assert result.exit_code == 0, result.output
    # a line per step (issue 18.5): extraction, preprocessing, each measure, episodes, report
    for line in ("dyad.avi: extract motion", "dyad: preprocess", "dyad [motion]: wcc",
                 "dyad [motion]: contingency", "dyad: episodes", "dyad: tables and report"):
        assert line in result.stderr, line
    summary = pd.read_csv(out / "summary.csv")
    motion = summary[summary.channel == "motion"].iloc[0]
    # Ground truth of the synthetic video: partner 2 copies partner 1 six frames (0.2 s) later.
    assert motion.best_lag_s == pytest.approx(0.2)
    assert (out / "report_dyad.html").is_file()
    html = (out / "viewer_dyad.html").read_text()
    block = re.search(r'id="viewer-data">(.*?)</script>', html, re.S)
    videos = json.loads(block.group(1))["videos"]
    assert videos == [
        {"src": "viewer_dyad_video0.mp4", "label": "viewer_dyad_video0.mp4", "converted": True}
    ]
    assert (out / "viewer_dyad_video0.mp4").stat().st_size > 0
    assert 'href="viewer_dyad.html"' in (out / "report_dyad.html").read_text()
    assert 'href="report_dyad.html"' in html


def test_analyze_reports_progress_and_notes(data_dir):
    """Progress is reported step by step; a null that needs other sessions is said, not
    silently skipped."""
    import attunement as att
    from attunement.analysis import analyze
    from attunement.config import load_config

    session = att.read_mea(data_dir / "applied_project_mea" / "MEA_video101.txt", 25)
    seen = []
    cfg = load_config(surrogates={"null": "pseudo-dyads", "n_surrogates": 10},
                      sync={"window_s": 30, "step_s": 10})
    result = analyze(session.crop(0, 240), cfg, progress=lambda d, t, s: seen.append((d, t)))
    assert seen == [(1, 3), (2, 3), (3, 3)]
    assert result.channels[0].test is None
    assert any("Pseudo-dyads need other sessions" in n for n in result.notes)


def test_analyze_runs_the_selected_measures(tmp_path):
    """--measure selects registry measures (issue 18.2); without the WCC there is no WCC
    table nor report page. Reference: the registry's own function on the same pair (the
    pipeline must only route it)."""
    import attunement
    from attunement.sync.registry import MEASURES

    path = tmp_path / "dyad.parquet"
    attunement.simulate_dyad(duration_s=60, sampling_rate=10, seed=4, id="dyad").write(path)
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["analyze", str(path), "--channels", "movement",
                                      "--measure", "phase", "--n-surrogates", "0", "--out",
                                      str(out)])
    assert result.exit_code == 0, result.output
    row = pd.read_csv(out / "summary.csv").iloc[0]
    expected = MEASURES["phase"](*attunement.read(path)[0].pair("movement"), 10)
    for key, value in expected.items():
        assert row[key] == pytest.approx(value, nan_ok=True), key
    assert "grand_average" not in row and "contingency_interactive_1to2" not in row
    assert not list(out.glob("wcc_*")) and not list(out.glob("report_*"))
    assert "1 session(s) analysed" in result.stderr
