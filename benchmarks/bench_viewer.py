"""Session viewer: a one-hour session at 30 Hz in Debian Chromium (headless, Playwright).

Run by hand: ``.venv/bin/python benchmarks/bench_viewer.py [--minutes 60] [--repeats 3]``.

Measures the page size without video, the open time (navigation start to the first complete
timeline drawing, ``performance.now()`` in the page) and the time of one timeline redraw
while zooming from the whole session down to 10 s and panning at that zoom. Baseline, opened
side by side in the same browser: the static session report of the same analysis
(``report_<session>.html``: the same session's figures as PNG images), its open time taken at
the ``load`` event. Every analysed channel of the simulated dyad is shown (five channels: ten
signals and five heat maps), the worst case for size.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from attunement import simulate_dyad
from attunement.analysis import analyze
from attunement.config import AnalysisConfig
from attunement.report.session_report import write_session_report
from attunement.report.viewer import write_viewer

ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

ZOOM_JS = """() => {
  const v = window.attuneViewer, [a, b] = v.view(), out = {zoom: [], pan: []};
  for (let span = b - a; span >= 10; span /= 1.5) {
    const t = performance.now(), mid = (a + b) / 2;
    v.setView(mid - span / 2, mid + span / 2); v.draw();
    out.zoom.push(performance.now() - t);
  }
  for (let k = 0; k < 30; k++) {
    const [c, d] = v.view(), t = performance.now(); v.setView(c + 2, d + 2); v.draw();
    out.pan.push(performance.now() - t);
  }
  return out;
}"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=60)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium")
    out = Path(tempfile.mkdtemp())
    start = time.perf_counter()
    sim = simulate_dyad("sensitive", duration_s=args.minutes * 60, sampling_rate=30, seed=0)
    analysis = analyze(sim.session,
                       AnalysisConfig.model_validate({"surrogates": {"n_surrogates": 0}}))
    print(
        f"simulate + analyze: {time.perf_counter() - start:.1f} s "
        f"({sim.session.n_samples} samples, channels {analysis.session.channels})"
    )
    start = time.perf_counter()
    viewer = write_viewer(analysis, out / "viewer.html")
    print(
        f"write_viewer: {time.perf_counter() - start:.2f} s, "
        f"page {viewer.stat().st_size / 1e6:.2f} MB (no video)"
    )
    report = write_session_report(analysis, out / "report.html")
    print(f"baseline report page {report.stat().st_size / 1e6:.2f} MB")
    opens, bases, draws = [], [], None
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=ARGS)
        for _ in range(args.repeats):
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(viewer.as_uri())
            while not page.evaluate("window.attuneViewer && window.attuneViewer.openMs"):
                page.wait_for_timeout(20)
            opens.append(page.evaluate("window.attuneViewer.openMs"))
            draws = page.evaluate(ZOOM_JS)
            page.close()
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(report.as_uri(), wait_until="load")
            bases.append(
                page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd")
            )
            page.close()
        browser.close()
    med, base = statistics.median(opens), statistics.median(bases)
    print(f"viewer open (median of {args.repeats}): {med:.0f} ms  runs {[round(o) for o in opens]}")
    print(f"baseline static report load: {base:.0f} ms; viewer / report = {med / base:.2f}")
    for key in ("zoom", "pan"):
        ms = draws[key]
        print(
            f"redraw while {key}ing: median {statistics.median(ms):.1f} ms, "
            f"max {max(ms):.1f} ms over {len(ms)} steps"
        )


if __name__ == "__main__":
    main()
