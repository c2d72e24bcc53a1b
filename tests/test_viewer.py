"""The viewer's page data and its guards (no browser: see test_viewer_browser.py).

References: the encoded signals and heat maps are checked against the arrays they encode
(the session's samples, the WCC matrix), to within the quantisation step they declare.
"""

from __future__ import annotations

import base64
import json
import re

import numpy as np
import pytest
from typer.testing import CliRunner

import attunement as att
from attunement.analysis import analyze
from attunement.cli import app
from attunement.config import AnalysisConfig
from attunement.report.viewer import encode_signal, viewer_data, write_viewer

CFG = AnalysisConfig.model_validate({"read": {"channels": ["movement"]},
                                     "surrogates": {"n_surrogates": 0}})
EVIL = 'x</script><img src=x onerror="alert(1)">&'


@pytest.fixture(scope="module")
def analysis():
    sim = att.simulate_dyad("sensitive", duration_s=90, sampling_rate=10, seed=3, id=EVIL)
    return analyze(sim.session, CFG)


def test_signals_round_trip_within_their_step(analysis):
    data = viewer_data(analysis)
    assert [(s["partner"], s["channel"]) for s in data["series"]] == [
        ("caregiver", "movement"),
        ("infant", "movement"),
    ]
    for enc in data["series"]:
        x = analysis.session.signal(enc["partner"], enc["channel"])
        codes = np.frombuffer(base64.b64decode(enc["data"]), dtype="<i2")
        back = enc["offset"] + codes * enc["scale"]
        assert len(codes) == len(x)
        np.testing.assert_allclose(back, x, atol=enc["scale"] / 2 + 1e-12)


def test_missing_samples_keep_their_code():
    enc = encode_signal(np.array([1.0, np.nan, 3.0, np.inf]))
    codes = np.frombuffer(base64.b64decode(enc["data"]), dtype="<i2")
    assert codes.tolist() == [-32767, -32768, 32767, -32768]


def test_heatmap_matches_the_wcc_matrix(analysis):
    heat = viewer_data(analysis)["channels"][0]["heatmap"]
    wcc = analysis.channels[0].wcc
    lags = np.asarray(wcc.lags_s)
    keep = np.isin(np.round(lags, 4), heat["lags_s"])
    assert 0.0 in heat["lags_s"] and len(heat["lags_s"]) <= 121
    codes = np.frombuffer(base64.b64decode(heat["data"]), dtype=np.uint8)
    codes = codes.reshape(heat["n_windows"], len(heat["lags_s"]))
    decoded = (codes / 127.0 - 1) * heat["vmax"]
    expected = np.clip(np.asarray(wcc.values)[:, keep], -heat["vmax"], heat["vmax"])
    np.testing.assert_allclose(decoded, expected, atol=heat["vmax"] / 127 / 2 + 1e-9)
    # Drawn at window centres: the first window starts at 0 and lasts window_s.
    assert heat["t0"] == pytest.approx(wcc.times_s[0] + wcc.params["window_s"] / 2)


def test_user_text_cannot_escape_the_page(analysis, tmp_path):
    html = write_viewer(analysis, tmp_path / "viewer.html").read_text()
    assert '<img src=x onerror="alert(1)">' not in html
    # Only the page's own blocks end: the JSON data and the two scripts.
    assert html.count("</script>") == html.count("<script") == 3
    block = re.search(
        r'<script type="application/json" id="viewer-data">(.*?)</script>', html, re.S
    )
    assert json.loads(block.group(1))["session"]["id"] == EVIL
    assert "<title>Attunement viewer: x&lt;/script&gt;&lt;img" in html


@pytest.mark.parametrize(
    ("videos", "match"),
    [
        (["missing.mp4"], r"video missing\.mp4: no such file"),
        (["notes.txt"], r"video .*notes\.txt: expected one of \.mp4"),
        (["a.mp4", "b.mp4", "c.mp4"], "one split-screen video or one per partner, got 3"),
    ],
)
def test_bad_videos_are_named(analysis, tmp_path, monkeypatch, videos, match):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "notes.txt").write_text("not a video")
    with pytest.raises(ValueError, match=match):
        write_viewer(analysis, tmp_path / "viewer.html", videos=videos)


def test_playable_video_is_referenced_not_converted(tmp_path):
    pytest.importorskip("av")
    pytest.importorskip("cv2")
    from attunement.extract import write_synthetic_dyad
    from attunement.report.viewer_video import is_playable, prepare_video

    clip = tmp_path / "my clip.avi"
    write_synthetic_dyad(clip, n_frames=20, fps=10, width=160, height=80)
    page_dir = tmp_path / "out"
    page_dir.mkdir()
    first = prepare_video(clip, page_dir, "viewer_s_video0")
    assert first == {
        "src": "viewer_s_video0.mp4",
        "label": "viewer_s_video0.mp4",
        "converted": True,
    }
    assert is_playable(page_dir / "viewer_s_video0.mp4")
    again = prepare_video(page_dir / "viewer_s_video0.mp4", tmp_path, "unused")
    assert again["src"] == "out/viewer_s_video0.mp4" and not again["converted"]
    assert not (tmp_path / "unused.mp4").exists()
    with pytest.raises(ValueError, match="not a readable video"):
        bad = tmp_path / "bad.mp4"
        bad.write_bytes(b"no video here")
        prepare_video(bad, tmp_path, "x")


def test_cli_view_needs_one_session_per_video(tmp_path, data_dir):
    mea = data_dir / "applied_project_mea"
    assert len(list(mea.glob("*.txt"))) > 1
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"")
    result = CliRunner().invoke(
        app,
        [
            "view",
            str(mea),
            "--sampling-rate",
            "25",
            "--video",
            str(clip),
            "--out",
            str(tmp_path / "o"),
        ],
    )
    assert result.exit_code == 1
    assert "--video: a video belongs to one session" in result.stderr


def test_a_video_brings_a_sound_switch(analysis, tmp_path):
    """Videos start muted; the page offers to play the first one's sound (the voices)."""
    pytest.importorskip("av")
    pytest.importorskip("cv2")
    from attunement.extract import write_synthetic_dyad

    clip = tmp_path / "clip.avi"
    write_synthetic_dyad(clip, n_frames=20, fps=10, width=160, height=80)
    with_video = write_viewer(analysis, tmp_path / "v.html", videos=[clip]).read_text()
    assert 'id="sound"' in with_video and "master.muted = !master.muted" in with_video
    without = write_viewer(analysis, tmp_path / "w.html").read_text()
    assert 'id="sound"' not in without


def test_a_converted_video_keeps_its_sound(tmp_path):
    """An AVI (MPEG-4 part 2 + PCM) converted for the browser keeps a sound track (AAC)
    about as long as the original."""
    av = pytest.importorskip("av")
    from attunement.report.viewer_video import prepare_video

    rate, clip = 16000, tmp_path / "talk.avi"
    with av.open(str(clip), "w") as out:
        video = out.add_stream("mpeg4", rate=10)
        video.width, video.height, video.pix_fmt = 64, 48, "yuv420p"
        sound = out.add_stream("pcm_s16le", rate=rate, layout="mono")
        for k in range(20):
            frame = av.VideoFrame.from_ndarray(np.full((48, 64, 3), 10 * k, np.uint8),
                                               format="rgb24")
            for packet in video.encode(frame):
                out.mux(packet)
        tone = (8000 * np.sin(np.arange(2 * rate) * 2 * np.pi * 200 / rate)).astype("<i2")
        frame = av.AudioFrame.from_ndarray(tone.reshape(1, -1), format="s16", layout="mono")
        frame.rate = rate
        for packet in (*sound.encode(frame), *sound.encode(None), *video.encode(None)):
            out.mux(packet)
    info = prepare_video(clip, tmp_path, "converted")
    assert info["converted"]
    with av.open(str(tmp_path / info["src"])) as c:
        assert c.streams.audio[0].codec_context.name == "aac"
        n = sum(f.samples for f in c.decode(audio=0))
    assert abs(n / rate - 2.0) < 0.2
