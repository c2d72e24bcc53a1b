"""``attune extract``: writes a Session file the rest of the tool reads; exit codes."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

import attunement
from attunement.cli import app
from attunement.extract import extract_video, write_synthetic_dyad

pytest.importorskip("cv2", reason="the video extra (OpenCV) is not installed")

runner = CliRunner()


@pytest.fixture(scope="module")
def video(tmp_path_factory):
    path = tmp_path_factory.mktemp("video") / "dyad.mp4"
    write_synthetic_dyad(path, n_frames=40, fps=25, lag_frames=3, seed=2)
    return path


def test_extract_writes_a_session_parquet_and_mea_text(video, tmp_path):
    out = tmp_path / "session.parquet"
    result = runner.invoke(app, ["extract", str(video), "--layout", "split-lr", "--out", str(out),
                                 "--partners", "therapist,client", "--mea", "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout[result.stdout.index("["):])
    assert summary[0]["n_frames_decoded"] == 40 and summary[0]["n_frames_dropped"] == 0
    (session,) = attunement.read(out)
    assert session.partners == ("therapist", "client")
    assert session.sampling_rate == 25
    expected = extract_video(video, layout="split-lr", partners=("therapist", "client"))
    np.testing.assert_array_equal(session.signals.to_numpy(), expected.signals.to_numpy())
    mea = tmp_path / "session.mea.txt"
    assert mea.read_text().splitlines()[0] == "therapist_whole client_whole"


def test_extract_into_a_folder_with_a_regions_file(video, tmp_path):
    regions = tmp_path / "regions.toml"
    regions.write_text('units = "fraction"\n[partners.a]\nhead = [0, 0, 0.5, 0.5]\n'
                       '[partners.b]\nhead = [0.5, 0, 1, 0.5]\n')
    out = tmp_path / "out"
    result = runner.invoke(app, ["extract", str(video), "--regions", str(regions),
                                 "--out", str(out), "--max-frames", "10"])
    assert result.exit_code == 0, result.output
    (session,) = attunement.read(out / "dyad.parquet")
    assert session.channels == ["motion_head", "motion"] and session.n_samples == 10


def test_boxes_given_on_the_command_line(video, tmp_path):
    out = tmp_path / "boxes.parquet"
    boxes = ["--box", "mum.head=0,0,320,240", "--box", "baby.head=320,0,640,240"]
    result = runner.invoke(app, ["extract", str(video), "--out", str(out), "--max-frames", "8",
                                 *boxes, "--units", "pixel"])
    assert result.exit_code == 0, result.output
    session = attunement.read(out)[0]
    assert session.partners == ("mum", "baby")
    assert session.meta["regions"][1]["box_px"] == [320, 0, 640, 240]
    bad = runner.invoke(app, ["extract", str(video), "--out", str(tmp_path / "y.parquet"),
                              "--box", "mum=0,0,1"])
    assert bad.exit_code == 1
    assert "expected PARTNER.REGION=x0,y0,x1,y1" in " ".join(bad.output.split())


def test_existing_output_needs_force(video, tmp_path):
    out = tmp_path / "s.parquet"
    out.write_text("a user's file")
    args = ["extract", str(video), "--layout", "split-lr", "--out", str(out), "--max-frames", "5"]
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    assert "exists; use --force to overwrite" in result.output
    assert out.read_text() == "a user's file"
    assert runner.invoke(app, [*args, "--force"]).exit_code == 0
    assert attunement.read(out)[0].n_samples == 5


@pytest.mark.parametrize(
    "args, message",
    [
        (["--layout", "quad"], "Allowed values are 'split-lr'"),
        (["--layout", "split-lr", "--features", "pose"], "unknown feature(s) ['pose']"),
        ([], "Give exactly one of 'layout'"),
    ],
)
def test_user_errors_exit_1_with_a_message(video, tmp_path, args, message):
    result = runner.invoke(app, ["extract", str(video), "--out", str(tmp_path / "x.parquet"),
                                 *args])
    assert result.exit_code == 1
    assert message in " ".join(result.output.split())


def test_missing_video_and_usage_errors(tmp_path):
    result = runner.invoke(app, ["extract", str(tmp_path / "none.mp4"), "--layout", "split-lr",
                                 "--out", str(tmp_path / "x.parquet")])
    assert result.exit_code == 1 and "no such video file" in result.output
    assert runner.invoke(app, ["extract", "clip.mp4"]).exit_code == 2  # --out missing
