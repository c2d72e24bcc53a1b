"""The session viewer as a coder uses it, in real headless Chromium (Debian's ``chromium``,
driven by Playwright): offline page, video under one playhead with the signals, seeking to
ruptures, reviewing and coding, kept across reloads, exported.

References: the ruptures are the simulator's ground truth (``attune simulate``, seed 14:
three ruptures, all three found by the detector) and the detector's own episode table (what
the page must show and seek to); the video is ``write_synthetic_dyad``; the expected export
rows are built here from the episode table and the edits the test makes.
"""

from __future__ import annotations

import re
import shutil
import xml.etree.ElementTree as ET

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from attunement.cli import app

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DURATION_S, RATE_HZ, SEED, VIDEO_FPS = 300, 10, 14, 5
#: Files the browser test downloaded and the rows they must hold (for the read-back test).
_EXPORTS: dict = {}
CONFIG = '[read]\nchannels = ["movement"]\n[surrogates]\nn_surrogates = 0\n'

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="Debian chromium is not installed"),
]


@pytest.fixture(scope="module")
def viewer_dir(tmp_path_factory):
    """``attune simulate`` + a synthetic split-screen AVI (MJPEG) -> ``attune view``."""
    pytest.importorskip("av")
    pytest.importorskip("cv2")
    from attunement.extract import write_synthetic_dyad

    root = tmp_path_factory.mktemp("viewer")
    runner = CliRunner()
    result = runner.invoke(
        app,
        [
            "simulate",
            "--out",
            str(root / "dyad.parquet"),
            "--duration",
            str(DURATION_S),
            "--sampling-rate",
            str(RATE_HZ),
            "--seed",
            str(SEED),
        ],
    )
    assert result.exit_code == 0, result.output
    write_synthetic_dyad(
        root / "dyad.avi", n_frames=DURATION_S * VIDEO_FPS, fps=VIDEO_FPS, width=320, height=120
    )
    (root / "attune.toml").write_text(CONFIG)
    result = runner.invoke(
        app,
        [
            "view",
            str(root / "dyad.parquet"),
            "--video",
            str(root / "dyad.avi"),
            "--config",
            str(root / "attune.toml"),
            "--out",
            str(root / "out"),
        ],
    )
    assert result.exit_code == 0, result.output
    return root


@pytest.fixture(scope="module")
def detected(viewer_dir):
    """The detector's episodes for the same session and settings (what the page shows)."""
    from attunement.analysis import analyze, read_one
    from attunement.config import load_config

    cfg = load_config(viewer_dir / "attune.toml")
    analysis = analyze(read_one(viewer_dir / "dyad.parquet", cfg), cfg)
    return analysis.episodes.episodes.sort_values("onset_s").reset_index(drop=True)


def _wait(page, expression, timeout_s=10.0):
    """Poll ``expression`` until truthy (``wait_for_function`` evaluates strings, which the
    page's Content-Security-Policy forbids, as it should)."""
    for _ in range(int(timeout_s / 0.05)):
        if page.evaluate(expression):
            return
        page.wait_for_timeout(50)
    raise AssertionError(f"timed out waiting for {expression}")


def _open(p, url, viewer=True):
    browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
    context = browser.new_context(accept_downloads=True, viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    log = {"errors": [], "requests": [], "blocked": []}
    page.on("console", lambda m: log["errors"].append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: log["errors"].append(str(e)))
    page.on("request", lambda r: log["requests"].append(r.url))

    def block(route):
        url = route.request.url
        if url.startswith(("file://", "data:", "blob:")):
            route.continue_()
        else:
            log["blocked"].append(url)
            route.abort()

    page.route("**/*", block)
    page.goto(url)
    if viewer:
        _wait(page, "window.attuneViewer && window.attuneViewer.openMs > 0")
    return browser, page, log


def test_truth_has_three_ruptures_the_detector_finds(viewer_dir, detected):
    truth = pd.read_csv(viewer_dir / "dyad.truth_episodes.csv")
    ruptures = detected[detected.kind == "rupture"]
    true_r = truth[truth.kind == "rupture"]
    assert len(ruptures) == len(true_r) == 3
    for (_, d), (_, t) in zip(ruptures.iterrows(), true_r.iterrows(), strict=True):
        assert d.onset_s < t.offset_s and t.onset_s < d.offset_s  # each overlaps its truth


def test_view_with_video_codes_and_exports(viewer_dir, detected, tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api")
    out = viewer_dir / "out"
    page_file = out / "viewer_dyad.html"
    assert (out / "viewer_dyad_video0.mp4").stat().st_size > 0  # AVI MJPEG converted
    ruptures = detected[detected.kind == "rupture"].reset_index(drop=True)
    with sync_api.sync_playwright() as p:
        browser, page, log = _open(p, page_file.as_uri())
        _wait(page, "document.querySelector('#video0').readyState >= 2")
        assert page.evaluate("document.querySelector('#video0').duration") == pytest.approx(
            DURATION_S, abs=0.5
        )
        # Play: the video runs and the playhead follows it.
        page.click("#play")
        _wait(page, "document.querySelector('#video0').currentTime > 0.5")
        page.keyboard.press("Space")
        assert page.evaluate("document.querySelector('#video0').paused")
        assert page.evaluate("window.attuneViewer.time()") == pytest.approx(
            page.evaluate("document.querySelector('#video0').currentTime"), abs=0.1
        )
        # Seek to the third rupture with n n n from the start.
        page.click("#zoom-fit")
        page.evaluate("window.attuneViewer.seek(0)")
        for _ in range(3):
            page.keyboard.press("n")
        video_t = page.evaluate("document.querySelector('#video0').currentTime")
        assert video_t == pytest.approx(ruptures.onset_s[2], abs=0.1)
        page.keyboard.press("p")
        assert page.evaluate("window.attuneViewer.time()") == pytest.approx(
            ruptures.onset_s[1], abs=0.01
        )
        # Clicking a table row seeks there.
        page.click("#episodes tbody tr[data-id=d0] td:first-child")
        assert page.evaluate("document.querySelector('#video0').currentTime") == pytest.approx(
            detected.onset_s[0], abs=0.1
        )
        # Reject the first episode; move the offset of the second in its table cell; move
        # the onset of the last by dragging its edge on the timeline.
        page.click("#episodes tbody tr[data-id=d0] button.reject")
        offset_input = page.locator("#episodes tbody tr[data-id=d1] td:nth-child(4) input")
        new_offset = round(float(detected.offset_s[1]) - 1.5, 2)
        offset_input.fill(f"{new_offset:.2f}")
        offset_input.press("Enter")
        last = len(detected) - 1
        box = page.locator("#timeline").bounding_box()
        x = page.evaluate(f"window.attuneViewer.x({detected.onset_s[last]})")
        tr = page.evaluate("window.attuneViewer.track('episodes')")
        y = box["y"] + tr["y"] + tr["h"] / 2
        page.mouse.move(box["x"] + x, y)
        page.mouse.down()
        page.mouse.move(box["x"] + x + 20, y, steps=5)
        page.mouse.up()
        moved = page.evaluate(f"window.attuneViewer.state().decisions['d{last}'].onset_s")
        assert detected.onset_s[last] < moved < detected.onset_s[last] + 10
        # Undo takes back exactly the last change.
        page.click("#episodes tbody tr[data-id=d2] button.reject")
        page.click("#undo")
        assert "rejected" not in page.get_attribute("#episodes tbody tr[data-id=d2]", "class")
        # A free code, with a label that would be markup if it were not escaped.
        page.fill("#coder", "AB")
        page.dispatch_event("#coder", "change")
        page.fill("#code-label", "gaze <away>")
        page.fill("#code-tier", "gaze")
        page.fill("#code-onset", "10")
        page.fill("#code-offset", "12.5")
        page.click("#code-add")
        # Reload: everything is kept.
        page.reload()
        _wait(page, "window.attuneViewer && window.attuneViewer.openMs > 0")
        assert "rejected" in page.get_attribute("#episodes tbody tr[data-id=d0]", "class")
        assert offset_input.input_value() == f"{new_offset:.2f}"
        assert page.locator("#codes tbody td").first.text_content() == "gaze <away>"
        assert page.locator("#codes tbody b").count() == 0
        downloads = {}
        for button in ("export-csv", "export-eaf", "export-boris", "export-detector"):
            with page.expect_download() as info:
                page.click(f"#{button}")
            target = tmp_path / info.value.suggested_filename
            info.value.save_as(target)
            downloads[button] = target
        page.screenshot(path=str(tmp_path / "viewer.png"))
        browser.close()
    assert log["errors"] == []
    assert log["blocked"] == []
    assert all(u.startswith(("file://", "data:", "blob:")) for u in log["requests"]), log
    _check_exports(downloads, detected, new_offset, moved, last)


def _check_exports(downloads, detected, new_offset, moved, last):
    coded = pd.read_csv(downloads["export-csv"])
    assert list(coded.columns) == ["onset_s", "offset_s", "label", "tier", "coder"]
    expected = detected.iloc[1:][["onset_s", "offset_s", "kind"]].rename(columns={"kind": "label"})
    expected.loc[1, "offset_s"] = new_offset
    expected.loc[last, "onset_s"] = moved
    expected = expected.assign(tier="episodes", coder="AB")
    expected = pd.concat(
        [
            pd.DataFrame(
                [
                    {
                        "onset_s": 10.0,
                        "offset_s": 12.5,
                        "label": "gaze <away>",
                        "tier": "gaze",
                        "coder": "AB",
                    }
                ]
            ),
            expected,
        ],
        ignore_index=True,
    )
    expected = expected.sort_values(["tier", "onset_s"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(
        coded.sort_values(["tier", "onset_s"]).reset_index(drop=True),
        expected,
        check_dtype=False,
        atol=1e-3,
    )
    detector = pd.read_csv(downloads["export-detector"])
    np.testing.assert_allclose(detector.onset_s, detected.onset_s, atol=1e-3)
    assert (detector.coder == "detector").all()
    root = ET.parse(downloads["export-eaf"]).getroot()
    values = [a.text for a in root.iter("ANNOTATION_VALUE")]
    assert sorted(values) == sorted(expected.label)
    slots = {s.get("TIME_SLOT_ID"): int(s.get("TIME_VALUE")) for s in root.iter("TIME_SLOT")}
    gaze = [
        t for t in root.iter("TIER") if t.get("TIER_ID") == "gaze" and t.get("ANNOTATOR") == "AB"
    ][0]
    ann = gaze.find("ANNOTATION/ALIGNABLE_ANNOTATION")
    assert (slots[ann.get("TIME_SLOT_REF1")], slots[ann.get("TIME_SLOT_REF2")]) == (10000, 12500)
    boris = pd.read_csv(downloads["export-boris"])
    assert {"Subject", "Behavior", "Start (s)", "Stop (s)", "Behavior type"} <= set(boris.columns)
    assert len(boris) == len(expected)
    _EXPORTS.update(downloads=downloads, expected=expected)


def test_exports_read_back_with_package_reader():
    """The three exports through ``attunement.io.annotations.read_annotations``: the same
    rows, tiers kept (coder lost only in BORIS)."""
    from attunement.io.annotations import read_annotations

    if not _EXPORTS:
        pytest.skip("the browser test made no exports")
    downloads, expected = _EXPORTS["downloads"], _EXPORTS["expected"]
    cols = ["onset_s", "offset_s", "label", "tier"]
    want = expected.sort_values(cols).reset_index(drop=True)
    for key in ("export-csv", "export-eaf", "export-boris"):
        got = read_annotations(downloads[key]).sort_values(cols).reset_index(drop=True)
        pd.testing.assert_frame_equal(
            got[cols].astype({"label": str, "tier": str}),
            want[cols].astype({"label": str, "tier": str}),
            check_dtype=False,
            atol=1e-3,
        )
        if key != "export-boris":
            assert (got["coder"] == "AB").all(), key


def _unit_labels(table: pd.DataFrame, n_units: int) -> list[str]:
    """Per 1 s unit, the label covering most of it ("none" where nothing is coded)."""
    out = []
    for k in range(n_units):
        cover = np.clip(np.minimum(table.offset_s, k + 1) - np.maximum(table.onset_s, k), 0, None)
        out.append(str(table.label.iloc[int(np.argmax(cover))]) if cover.max() > 0 else "none")
    return out


def test_coder_export_agrees_with_the_detector_through_attune_agree(tmp_path):
    """The coder's exported CSV read back by ``attune agree`` against the detector's export.
    Reference: Cohen's kappa from scikit-learn on the 1 s units of the two tables (the coder
    rejected one episode and moved two edges, so agreement is high but below 1)."""
    from sklearn.metrics import cohen_kappa_score

    if not _EXPORTS:
        pytest.skip("the browser test made no exports")
    downloads = _EXPORTS["downloads"]
    coder = pd.read_csv(downloads["export-csv"])
    coder = coder[coder.tier == "episodes"]
    coder.to_csv(tmp_path / "coder.csv", index=False)
    detector = pd.read_csv(downloads["export-detector"])
    out = tmp_path / "agree"
    result = CliRunner().invoke(app, ["agree", str(tmp_path / "coder.csv"),
                                      str(downloads["export-detector"]), "--out", str(out)])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out / "agreement.csv")
    kappa = table[(table.measure == "cohen_kappa") & (table.label == "all")].value.iloc[0]
    n_units = int(np.ceil(max(coder.offset_s.max(), detector.offset_s.max())))
    ref = cohen_kappa_score(_unit_labels(coder, n_units), _unit_labels(detector, n_units))
    assert kappa == pytest.approx(ref, abs=1e-9)
    assert 0.3 < kappa < 1


def test_view_without_video_plays_signals(viewer_dir, tmp_path):
    """``attune analyze`` writes a viewer beside each report, linked both ways."""
    sync_api = pytest.importorskip("playwright.sync_api")
    out = tmp_path / "analyze"
    result = CliRunner().invoke(
        app,
        [
            "analyze",
            str(viewer_dir / "dyad.parquet"),
            "--config",
            str(viewer_dir / "attune.toml"),
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert 'href="viewer_dyad.html"' in (out / "report_dyad.html").read_text()
    with sync_api.sync_playwright() as p:
        browser, page, log = _open(p, (out / "report_dyad.html").as_uri(), viewer=False)
        page.click("#viewer-link")
        _wait(page, "window.attuneViewer && window.attuneViewer.openMs > 0")
        browser.close()
    with sync_api.sync_playwright() as p:
        browser, page, log = _open(p, (out / "viewer_dyad.html").as_uri())
        assert page.locator("#no-video").is_visible()
        assert page.get_attribute("#report-link", "href") == "report_dyad.html"
        page.keyboard.press("Space")
        page.wait_for_timeout(400)
        page.keyboard.press("Space")
        assert page.evaluate("window.attuneViewer.time()") > 0.1
        page.keyboard.press("n")
        assert page.evaluate("window.attuneViewer.time()") > 0.1
        browser.close()
    assert log["errors"] == [] and log["blocked"] == []


def test_two_videos_stay_in_sync(viewer_dir, tmp_path):
    """One video per partner: both follow play and seek (the converted MP4, twice)."""
    sync_api = pytest.importorskip("playwright.sync_api")
    clips = []
    for who in ("caregiver", "infant"):
        clips += [
            "--video",
            str(
                shutil.copy(viewer_dir / "out" / "viewer_dyad_video0.mp4", tmp_path / f"{who}.mp4")
            ),
        ]
    result = CliRunner().invoke(
        app,
        [
            "view",
            str(viewer_dir / "dyad.parquet"),
            *clips,
            "--config",
            str(viewer_dir / "attune.toml"),
            "--out",
            str(tmp_path / "out"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert not list((tmp_path / "out").glob("*.mp4"))  # playable: referenced, not copied
    times = "[0, 1].map((k) => document.querySelector('#video' + k).currentTime)"
    with sync_api.sync_playwright() as p:
        browser, page, log = _open(p, (tmp_path / "out" / "viewer_dyad.html").as_uri())
        _wait(page, "document.querySelector('#video1').readyState >= 2")
        assert page.get_attribute("#video1", "src") == "../infant.mp4"
        page.click("#play")
        _wait(page, "document.querySelector('#video0').currentTime > 1.5")
        a, b = page.evaluate(times)
        assert abs(a - b) < 0.1
        page.keyboard.press("Space")
        page.evaluate("window.attuneViewer.seek(123.4)")
        assert page.evaluate(times) == pytest.approx([123.4, 123.4], abs=0.01)
        browser.close()
    assert log["errors"] == [] and log["blocked"] == []


def test_real_recording_opens(data_dir, tmp_path):
    """A real MEA recording (tests/data, PROVENANCE.md there), signals only."""
    sync_api = pytest.importorskip("playwright.sync_api")
    result = CliRunner().invoke(
        app,
        [
            "view",
            str(data_dir / "applied_project_mea" / "MEA_video101.txt"),
            "--sampling-rate",
            "25",
            "--out",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 0, result.output
    with sync_api.sync_playwright() as p:
        browser, page, log = _open(p, (tmp_path / "viewer_MEA_video101.html").as_uri())
        assert page.locator("#channel option").count() >= 1
        page.click("#zoom-in")
        page.keyboard.press("ArrowRight")
        assert page.evaluate("window.attuneViewer.time()") == pytest.approx(1 / 25, abs=1e-6)
        # Hovering the heat map reads out its value.
        box = page.locator("#timeline").bounding_box()
        heat = page.evaluate("window.attuneViewer.track('heat')")
        x = page.evaluate("window.attuneViewer.x(window.attuneViewer.view()[0] + 40)")
        page.mouse.move(box["x"] + x, box["y"] + heat["y"] + heat["h"] / 2)
        # the default settings give plain r (issue 18: the config's WCC defaults are the API's)
        assert re.fullmatch(
            r"window at [\d.]+ s, lag -?[\d.]+ s: r -?[\d.]+", page.text_content("#status")
        )
        # A coder's own episode joins the ruptures that n/p step through.
        page.fill("#code-label", "rupture")
        page.fill("#code-tier", "episodes")
        page.fill("#code-onset", "7.5")
        page.fill("#code-offset", "9")
        page.click("#code-add")
        onsets = page.evaluate("window.attuneViewer.ruptures().map((e) => e.onset_s)")
        assert 7.5 in onsets
        page.keyboard.press("n")
        assert page.evaluate("window.attuneViewer.time()") == min(o for o in onsets if o > 0.04)
        browser.close()
    assert log["errors"] == [] and log["blocked"] == []
