"""The screening report: escaping, self-containment, ranking, evidence anchors, JSON = HTML content.

These use the keyword stand-in classifier, so they run in well under a second
each; the real model is exercised by ``test_screen_cli.py`` and the browser test.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from stand_ins import KeywordClassifier
from practice_themes.codebook import load_codebook
from practice_themes.screen.render import full_text_pages, render_html, render_json
from practice_themes.screen.screener import Screener

HOSTILE = '<script>alert("pwned")</script>'


def _write_docx(path: Path, paragraphs: list[str], heading: str = "Findings") -> Path:
    from docx import Document

    document = Document()
    document.add_heading("Rapid review: Child Z", level=1)
    document.add_heading(heading, level=2)
    for text in paragraphs:
        document.add_paragraph(text)
    document.save(str(path))
    return path


@pytest.fixture(scope="module")
def screener() -> Screener:
    return Screener(KeywordClassifier(load_codebook()))


@pytest.fixture(scope="module")
def hostile_report(screener, tmp_path_factory):
    path = _write_docx(tmp_path_factory.mktemp("docx") / "review.docx", [
        f"Information about the father was not shared with the school {HOSTILE} before the visit.",
        "The health visitor recorded <img src=x onerror=alert(1)> as the child's weight & height.",
        "Police attended after a report of domestic abuse and the child was present in the flat.",
        "Information sharing between the agencies was weak throughout.",
        "Domestic abuse was a feature of the household for at least a year.",
        "The review panel met on four occasions and considered the agency chronologies.",
    ], heading=f"Findings {HOSTILE}")
    return screener.screen(path, document_name=f"evil{HOSTILE}.docx")


class _Collector(HTMLParser):
    """Tags, attributes and ids of an HTML document, as a browser would parse them."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.ids: dict[str, str] = {}
        self.urls: list[str] = []
        self._open: list[tuple[str, str]] = []
        self.text_by_id: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        attrs = dict(attrs)
        for key in ("src", "href", "action"):
            if attrs.get(key):
                self.urls.append(attrs[key])
        if "id" in attrs:
            self.ids[attrs["id"]] = tag
            if tag == "mark":
                self._open.append((attrs["id"], ""))

    def handle_data(self, data):
        if self._open:
            key, text = self._open[-1]
            self._open[-1] = (key, text + data)

    def handle_endtag(self, tag):
        if tag == "mark" and self._open:
            key, text = self._open.pop()
            self.text_by_id[key] = text


def _parse(html: str) -> _Collector:
    collector = _Collector()
    collector.feed(html)
    return collector


def test_document_text_with_script_renders_as_text(hostile_report):
    html = render_html(hostile_report)
    parsed = _parse(html)
    assert "script" not in parsed.tags and "img" not in parsed.tags
    assert "<script" not in html.lower()
    # Escaped in the title, the quotes, the section names and the full text.
    assert html.count("&lt;script&gt;alert(&#34;pwned&#34;)&lt;/script&gt;") >= 3
    assert "&lt;img src=x onerror=alert(1)&gt;" in html and "weight &amp; height" in html
    # The hostile sentence is quoted as evidence and highlighted in place, still as text.
    sharing = next(t for t in hostile_report.themes if t.theme_id == "information_sharing")
    quote = next(q for q in sharing.evidence if HOSTILE in q.text)
    assert HOSTILE in parsed.text_by_id[quote.anchor]


def test_report_is_self_contained_and_loads_nothing(hostile_report):
    html = render_html(hostile_report)
    parsed = _parse(html)
    assert not {"link", "script", "iframe", "object", "embed", "img"} & set(parsed.tags)
    assert all(url.startswith("#") for url in parsed.urls), parsed.urls
    assert "http://" not in html and "https://" not in html
    assert re.search(r"<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'", html)
    assert "@media print" in html


def test_themes_ranked_and_grouped_by_band_and_kind(hostile_report):
    scores = [t.score for t in hostile_report.themes]
    assert scores == sorted(scores, reverse=True)
    assert [t.rank for t in hostile_report.themes] == list(range(1, len(scores) + 1))
    assert {t.theme_id for t in hostile_report.themes} == set(load_codebook().ids)
    present = {t.theme_id for t in hostile_report.themes if t.band == "present"}
    assert {"information_sharing", "domestic_abuse"} <= present
    html = render_html(hostile_report)
    practice = html[html.index('id="overview-practice"'):html.index('id="overview-context"')]
    context = html[html.index('id="overview-context"'):html.index('id="evidence"')]
    assert 'data-theme="information_sharing"' in practice and 'data-theme="information_sharing"' not in context
    assert 'data-theme="domestic_abuse"' in context and 'data-theme="domestic_abuse"' not in practice
    # Definitions travel with every theme (hover tip), and present themes get a side note.
    for theme in hostile_report.themes:
        assert theme.definition.replace("'", "&#39;").replace('"', "&#34;")[:40] in html
    assert html.count('<aside class="definition">') == len(hostile_report.with_evidence())


def test_every_quote_links_to_its_highlighted_sentence(hostile_report):
    html = render_html(hostile_report)
    parsed = _parse(html)
    quotes = [q for t in hostile_report.themes for q in t.evidence]
    assert quotes
    for quote in quotes:
        assert parsed.ids.get(quote.anchor) == "mark"
        assert parsed.text_by_id[quote.anchor] == quote.text
        assert f'href="#{quote.anchor}"' in html
        assert quote.page >= 1 and quote.section.startswith("Findings")
    assert 'id="page-1"' in html


def test_full_text_pieces_rebuild_every_block(hostile_report):
    for page in full_text_pages(hostile_report):
        for shown, block in zip(page.blocks, [b for b in hostile_report.blocks if b.page == page.number]):
            assert "".join(p.text for p in shown.pieces) == hostile_report.text[block.start:block.end]


def test_json_export_holds_the_same_content(hostile_report):
    data = json.loads(render_json(hostile_report))
    assert data["document_name"] == hostile_report.document_name
    assert [(t["theme_id"], t["score"], t["band"]) for t in data["themes"]] == \
        [(t.theme_id, t.score, t.band) for t in hostile_report.themes]
    quotes = [(q["anchor"], q["page"], q["text"]) for t in data["themes"] for q in t["evidence"]]
    assert quotes == [(q.anchor, q.page, q.text) for t in hostile_report.themes for q in t.evidence]
    assert data["text"] == hostile_report.text and data["classifier"]["codebook_version"]


def test_header_shows_pages_versions_and_ingestion_warnings(hostile_report):
    hostile_report.warnings = ["pages 4–6 had no text layer and were OCR'd"]
    try:
        html = render_html(hostile_report)
    finally:
        hostile_report.warnings = []
    assert "Ingestion warnings" in html and "pages 4–6 had no text layer and were OCR&#39;d" in html
    assert f"practice-themes {load_codebook().version}" in html
    assert re.search(r"<dt>Pages</dt><dd>1 \(Word document", html)
    assert "Ingestion warnings" not in render_html(hostile_report)
