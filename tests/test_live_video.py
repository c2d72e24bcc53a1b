"""attune live on a video: motion energy extracted frame by frame as the frames arrive, pushed
through LSL on this machine and recorded.

References: ``attune extract``'s offline extraction (:func:`attunement.extract_video`) of the
same synthetic video (``write_synthetic_dyad``, partner 2 copies partner 1 six frames later):
the live recording must hold the very same counts, frame by frame, since both run
:class:`attunement.extract.FrameFeatures`.
"""

import json

import numpy as np
import pytest
from typer.testing import CliRunner

import attunement as att
from attunement.cli import app
from attunement.extract import extract_video, write_synthetic_dyad

pytest.importorskip("pylsl")
pytest.importorskip("cv2", reason="the video extra (OpenCV) is not installed")

from live_sinks import Collect

from attunement.live.run import run_live  # noqa: E402
from attunement.live.video import VideoSource, open_video  # noqa: E402

N_FRAMES, FPS = 150, 15.0


@pytest.fixture(scope="module")
def video(tmp_path_factory):
    path = tmp_path_factory.mktemp("livevideo") / "dyad.avi"
    write_synthetic_dyad(path, n_frames=N_FRAMES, fps=FPS, lag_frames=6, width=320,
                         height=240, seed=11)
    return path


@pytest.fixture(scope="module")
def live_run(video, tmp_path_factory):
    out = tmp_path_factory.mktemp("liveout")
    source = VideoSource(video, layout="split-lr", partners=("caregiver", "infant"), speed=10,
                         suffix="-test-live-video")
    collect = Collect()
    # short surrogate delays and calibration, so that a 10 s video gives windows
    summary = run_live(out, video=source, sinks=[collect], idle_s=1.0, markers=False,
                       session_id="dyad", score_params=dict(min_shift_s=2.0, calibration_s=3.0))
    return out, collect, summary


def test_live_video_records_the_offline_extraction(video, live_run):
    out, _, summary = live_run
    assert summary["frames"] == N_FRAMES
    for stream in summary["streams"].values():
        assert stream["received"] == N_FRAMES
        assert stream["dropped"] == 0 and stream["late"] == 0
    offline = extract_video(video, layout="split-lr", partners=("caregiver", "infant"))
    recorded = att.read(out / "dyad.parquet")[0]
    assert recorded.partners == offline.partners
    assert recorded.sampling_rate == pytest.approx(FPS)
    for channel in ("motion_whole", "motion"):
        for partner in offline.partners:
            np.testing.assert_array_equal(recorded.signal(partner, channel),
                                          offline.signal(partner, channel))
    # the content is a real signal: partner 2 follows partner 1 (lag 6 frames, ground truth)
    a, b = offline.pair("motion")
    assert np.nanstd(a) > 0
    assert np.corrcoef(a[1:-6], b[7:])[0, 1] > 0.8


def test_live_video_scores_the_stream(live_run):
    _, collect, summary = live_run
    assert summary["updates"] == len(collect.updates) > 0
    scores = np.array([u["score"] for u in collect.updates], dtype=float)
    # the partners are coupled by construction: the live score is above chance on average
    assert np.nanmean(scores) > 1.0


def test_live_video_bad_input(video, tmp_path):
    with pytest.raises(ValueError, match="exactly one of 'video' \\(a file\\) and 'camera'"):
        open_video(video, 0)
    with pytest.raises(ValueError, match="a camera runs in real time"):
        VideoSource(0, speed=2)
    with pytest.raises(ValueError, match="no such video file"):
        VideoSource(tmp_path / "none.avi")
    result = CliRunner().invoke(app, ["live", "--out", str(tmp_path / "o"), "--video", str(video),
                                      "--replay", str(video)])
    assert result.exit_code != 0
    assert "--video" in result.output and "--replay" in result.output


def test_live_video_cli(video, tmp_path):
    result = CliRunner().invoke(app, [
        "live", "--out", str(tmp_path), "--video", str(video), "--layout", "split-lr",
        "--speed", "20", "--no-markers", "--idle", "1.0", "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["frames"] == N_FRAMES
    assert sorted(s["partner"] for s in summary["streams"].values()) == ["partner_1",
                                                                         "partner_2"]
    assert all(s["received"] == N_FRAMES for s in summary["streams"].values())
