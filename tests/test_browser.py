"""The real server in headless Chromium: upload the bundled rapid review (.docx) and a PDF.

Starts ``practice-themes serve`` on a free loopback port (the real model),
drives Debian's Chromium through Playwright, checks the expected themes and
a highlighted quote, and saves screenshots to ``tests/artifacts/``.
Skipped, with the reason shown, when Chromium or Playwright is missing.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from live_server import live_server
from practice_themes.codebook import load_codebook

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "tests" / "artifacts"
DOCX = ROOT / "corpus" / "reviews" / "r08_rapid_review_child_h.docx"
PDF = ROOT / "corpus" / "reviews" / "r12_rapid_review_child_m.pdf"
CHROMIUM = os.environ.get("PRACTICE_THEMES_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]

pytestmark = [pytest.mark.browser, pytest.mark.slow]

if not Path(CHROMIUM).exists():
    pytest.skip(f"browser test skipped: no Chromium at {CHROMIUM} (apt-get install chromium)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api",
                               reason="browser test skipped: playwright is not installed (pip install playwright)")


@pytest.fixture(scope="module")
def server():
    with live_server() as (base, _):
        yield base


@pytest.fixture(scope="module")
def page():
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
        try:
            yield context.new_page()
        finally:
            context.close()
            browser.close()


def _upload(page, base: str, path: Path) -> None:
    page.goto(base + "/")
    page.set_input_files("input[name=file]", str(path))
    page.click("button[type=submit]")
    page.wait_for_selector("#themes", timeout=180_000)


def _present_labels(page, kind: str) -> list[str]:
    return page.locator(f"#overview-{kind} li.present .term").evaluate_all(
        "els => els.map(e => e.firstChild.textContent.trim())")


@pytest.fixture(scope="module", autouse=True)
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    # Screenshots show review text: the folder ignores itself, so they never reach git.
    (ARTIFACTS / ".gitignore").write_text("*\n")
    return ARTIFACTS


def test_rapid_review_docx_in_chromium(server, page):
    _upload(page, server, DOCX)
    assert DOCX.name in page.locator("h1").inner_text()
    # Child H: domestic abuse at home, school never told of the police call-outs.
    assert "Domestic abuse" in _present_labels(page, "context")
    assert "Weak information sharing" in _present_labels(page, "practice")
    page.screenshot(path=str(ARTIFACTS / "screen_r08_docx_top.png"))

    card = page.locator("#theme-information_sharing")
    link = card.locator("a.jump").first
    quote = card.locator("blockquote p").first.inner_text().strip("“”")
    link.click()
    target = page.locator("mark.hl:target")
    target.wait_for(timeout=5_000)
    assert target.inner_text() == quote
    assert page.evaluate("() => getComputedStyle(document.querySelector('mark.hl:target')).outlineStyle") == "solid"
    # Smooth scrolling: wait until the highlighted sentence has arrived near the top of the viewport.
    page.wait_for_function("() => { const r = document.querySelector('mark.hl:target').getBoundingClientRect();"
                           " return r.top >= 0 && r.top < 200; }", timeout=5_000)
    page.screenshot(path=str(ARTIFACTS / "screen_r08_docx_quote.png"))

    with page.expect_download() as download:
        page.click("text=Data (JSON)")
    assert download.value.suggested_filename == "r08_rapid_review_child_h.screen.json"


def test_pdf_upload_in_chromium(server, page):
    _upload(page, server, PDF)
    assert "Weak information sharing" in _present_labels(page, "practice")
    assert "Injury to a non-mobile infant" in _present_labels(page, "context")
    header = page.locator("header.masthead").inner_text()
    assert "PDF" in header and f"practice-themes {load_codebook().version}" in header
    assert page.locator("mark.hl").count() >= 3
    page.screenshot(path=str(ARTIFACTS / "screen_r12_pdf_full.png"), full_page=True)
    page.emulate_media(media="print")
    page.screenshot(path=str(ARTIFACTS / "screen_r12_pdf_print.png"))
    page.emulate_media(media="screen")


def test_bad_upload_message_in_chromium(server, page, tmp_path):
    fake = tmp_path / "minutes.pdf"
    fake.write_text("Panel minutes, not a PDF at all.")
    page.goto(server + "/")
    page.set_input_files("input[name=file]", str(fake))
    page.click("button[type=submit]")
    assert "Not a PDF or Word file" in page.locator("h1").inner_text()
    assert "neither a PDF nor a Word (.docx) file" in page.locator("[role=alert]").inner_text()
