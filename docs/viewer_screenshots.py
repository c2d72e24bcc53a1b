"""Make docs/viewer.png and docs/viewer_zoom.png: the session viewer with video.

Run: ``.venv/bin/python docs/viewer_screenshots.py`` (needs the video extra, Playwright and
Debian's chromium). A simulated Still-Face dyad (``attune simulate``, seed 3) with a
synthetic split-screen video (``write_synthetic_dyad``) through ``attune view``; the
coding shown (a rejected episode, a free code) is made by clicking, as a coder would.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from typer.testing import CliRunner

from attunement.cli import app
from attunement.extract import write_synthetic_dyad

DOCS = Path(__file__).parent
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def main() -> None:
    from playwright.sync_api import sync_playwright

    root = Path(tempfile.mkdtemp())
    run = CliRunner().invoke
    r = run(
        app,
        [
            "simulate",
            "--out",
            str(root / "still_face.parquet"),
            "--procedure",
            "still-face",
            "--phase-lengths",
            "100,80,100",
            "--sampling-rate",
            "10",
            "--seed",
            "3",
        ],
    )
    assert r.exit_code == 0, r.output
    write_synthetic_dyad(root / "still_face.avi", n_frames=2800, fps=10, width=640, height=240)
    (root / "attune.toml").write_text(
        '[read]\nchannels = ["movement"]\n[surrogates]\nn_surrogates = 0\n')
    r = run(
        app,
        [
            "view",
            str(root / "still_face.parquet"),
            "--video",
            str(root / "still_face.avi"),
            "--config",
            str(root / "attune.toml"),
            "--out",
            str(root / "out"),
        ],
    )
    assert r.exit_code == 0, r.output
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 980})
        page.goto((root / "out" / "viewer_still_face.html").as_uri())
        while not page.evaluate("document.querySelector('video').readyState >= 2"):
            page.wait_for_timeout(50)
        page.fill("#coder", "AB")
        page.dispatch_event("#coder", "change")
        page.click("#episodes tbody tr:last-child button.reject")
        for label, on, off in (("gaze away", "118", "124"), ("reach", "190", "193.5")):
            page.fill("#code-label", label)
            page.fill("#code-tier", "infant gaze" if label == "gaze away" else "caregiver")
            page.fill("#code-onset", on)
            page.fill("#code-offset", off)
            page.click("#code-add")
        page.keyboard.press("n")
        page.keyboard.press("n")
        page.wait_for_timeout(500)
        page.screenshot(path=str(DOCS / "viewer.png"))
        page.click("#zoom-in")
        page.click("#zoom-in")
        page.wait_for_timeout(300)
        page.screenshot(path=str(DOCS / "viewer_zoom.png"))
        browser.close()


if __name__ == "__main__":
    main()
