"""The live dashboard as a user sees it: Debian Chromium (Playwright) on the page served by
``attune live`` while a simulated session is replayed through LSL on the loopback. Checks
that updates arrive and grow, the state and events are shown, no console error occurs and
nothing is requested beyond the local server."""

import queue
import shutil
import threading

import pytest

import attunement as att

pytest.importorskip("pylsl")
from attunement.live.run import run_live  # noqa: E402

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-sync",
        "--disable-component-update", "--disable-quic", "--no-first-run"]


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason="Debian chromium is not installed")
def test_dashboard_updates_in_chromium(tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api")
    sim = att.simulate_dyad("intrusive", duration_s=90, sampling_rate=10, seed=3,
                            id="dyad <b>3</b>", channels=["movement", "positive_affect"])
    ready: queue.Queue = queue.Queue()
    result = {}

    def run():
        result["summary"] = run_live(tmp_path / "out", replay=sim.session, speed=4.0,
                                     dashboard_port=0, markers=False, idle_s=2.0,
                                     on_ready=lambda dash: ready.put(dash.url))

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    url = ready.get(timeout=60)
    errors, requests = [], []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("request", lambda r: requests.append(r.url))
        page.goto(url)
        assert "dyad <b>3</b>" in page.title()  # escaped: shown as text, not markup
        assert page.locator("h1 b").count() == 0
        page.wait_for_function("Number(document.getElementById('n').textContent) > 5",
                               timeout=60_000)
        first = int(page.text_content("#n"))
        page.wait_for_function(
            f"Number(document.getElementById('n').textContent) > {first + 10}", timeout=30_000)
        assert page.text_content("#state") in ("attuned", "not attuned")
        page.wait_for_function("document.querySelectorAll('#events tr').length >= 1",
                               timeout=60_000)
        page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)
        browser.close()
    thread.join(timeout=120)
    assert not thread.is_alive() and result["summary"]["updates"] > first
    assert errors == []
    assert requests and all(u.startswith(url) for u in requests), requests
    assert (tmp_path / "dashboard.png").stat().st_size > 10_000
