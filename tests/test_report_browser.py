"""The HTML report as a reader sees it: opened in real headless Chromium (Debian's
``chromium``, driven by Playwright), with no console errors and every section and figure
rendered. CI installs Chromium (.ci/run), so this runs there; elsewhere it skips."""

import shutil

import pytest
from typer.testing import CliRunner

import attunement as att
from attunement.cli import app
from attunement.io.writers import safe_name

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SECTIONS = ["quality", "synchrony", "timecourse", "episodes", "phases", "parameters"]
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-sync",
    "--disable-component-update",
    "--disable-quic",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def demo_out(tmp_path_factory, data_dir):
    """attune analyze on a simulated still-face dyad and the bundled MEA sample."""
    root = tmp_path_factory.mktemp("analyze")
    inputs = root / "in"
    inputs.mkdir()
    att.simulate_dyad(
        "sensitive", duration_s=360, procedure="still-face", seed=3, id="still face <dyad>"
    ).write(inputs / "still_face.parquet")
    shutil.copy(data_dir / "applied_project_mea" / "MEA_video101.txt", inputs)
    config = root / "attune.toml"
    config.write_text(
        '[read]\nchannels = ["movement", "motion"]\n'
        "[surrogates]\nn_surrogates = 49\nseed = 1\n[sync]\nwindow_s = 20\nstep_s = 2\n"
    )
    out = root / "out"
    result = CliRunner().invoke(
        app,
        [
            "analyze",
            str(inputs),
            "--config",
            str(config),
            "--sampling-rate",
            "25",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    return out


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason="Debian chromium is not installed")
def test_report_renders_in_chromium(demo_out):
    sync_api = pytest.importorskip("playwright.sync_api")
    shots = demo_out / "screenshots"
    shots.mkdir()
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        errors = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        requests = []
        page.on("request", lambda r: requests.append(r.url))
        for report in sorted(demo_out.glob("report_*.html")):
            page.goto(report.as_uri())
            for section in SECTIONS:
                assert page.locator(f"section#{section} h2").is_visible(), (report, section)
            images = page.eval_on_selector_all(
                "img", "els => els.map(e => e.complete && e.naturalWidth > 0)"
            )
            assert len(images) >= 3 and all(images), report
            # episodes are drawn (two figures) or the report says why they are not meaningful
            drawn = page.locator("section#episodes img").count()
            said = page.locator("section#episodes", has_text="Episodes are not drawn").count()
            assert drawn == 2 or (drawn == 0 and said == 1), (report, drawn)
            assert page.locator("section#episodes", has_text="Time scale:").count() == 1
            page.screenshot(path=str(shots / f"{report.stem}.png"), full_page=True)
        page.goto((demo_out / "index.html").as_uri())
        assert page.locator("table a").count() == 2
        browser.close()
    assert errors == []
    # Self-contained: nothing but the report files themselves was fetched.
    assert all(u.startswith(("file://", "data:")) for u in requests), requests
    assert (shots / "report_MEA_video101.png").stat().st_size > 10_000


def test_user_text_is_escaped(demo_out):
    # File names keep the id's letters plus a hash of what they replaced (io.writers.safe_name).
    html = (demo_out / f"report_{safe_name('still face <dyad>')}.html").read_text()
    assert "still face &lt;dyad&gt;" in html and "<dyad>" not in html


def test_analyze_tables(demo_out):
    import pandas as pd

    summary = pd.read_csv(demo_out / "summary.csv")
    assert sorted(summary.session) == ["MEA_video101", "still face <dyad>"]
    for col in (
        "grand_average",
        "surrogate_mean",
        "effect_size",
        "p_value",
        "sync.window_s",
        "surrogates.null",
    ):
        assert col in summary.columns
    # Heart-rate linkage runs where the session records hr_bpm (the simulated dyad only).
    linkage = pd.read_parquet(
        demo_out / f"physio_linkage_{safe_name('still face <dyad>')}.parquet")
    assert {"hr_interval_r", "slope_concordance_index"} <= set(linkage.measure)
    assert not (demo_out / "physio_linkage_MEA_video101.parquet").exists()
    cont = pd.read_parquet(demo_out / "contingency_MEA_video101.parquet")
    # partners by the session's names (issue 18: headerless MEA partners are partner_1/2)
    assert sorted(cont.direction) == ["partner_1->partner_1", "partner_1->partner_2",
                                      "partner_2->partner_1", "partner_2->partner_2"]
    assert "contingency_interactive_partner_1_to_partner_2" in summary.columns
    wide = pd.read_parquet(demo_out / "wcc_MEA_video101.parquet")
    assert list(wide.columns[:2]) == ["channel", "window_start_s"]


def test_analyze_refuses_to_overwrite(demo_out, data_dir):
    inputs = str(data_dir / "applied_project_mea")
    result = CliRunner().invoke(
        app, ["analyze", inputs, "--sampling-rate", "25", "--out", str(demo_out)]
    )
    assert result.exit_code == 1 and "--force" in result.stderr


def test_analyze_config_error_names_location(tmp_path, data_dir):
    bad = tmp_path / "attune.toml"
    bad.write_text("[sync]\nwindow_s = -3\n")
    result = CliRunner().invoke(
        app,
        [
            "analyze",
            str(data_dir / "applied_project_mea"),
            "--config",
            str(bad),
            "--out",
            str(tmp_path / "o"),
        ],
    )
    assert result.exit_code == 1
    assert "sync.window_s: Input should be greater than 0" in result.stderr
