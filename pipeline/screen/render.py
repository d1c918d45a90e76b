"""Write a ``ScreenReport`` as one self-contained HTML file, or as JSON.

The HTML has inline CSS (screen and print), no scripts and no external
links, and a Content-Security-Policy that forbids loading anything, so it
opens offline and cannot call out. Jinja2 autoescaping is on: every piece
of document text is HTML-escaped.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from practice_themes.screen.report import BAND_TITLES, KIND_TITLES, Highlight, ScreenReport, TextBlock

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
TEMPLATE = "report.html.j2"


@dataclass
class Piece:
    """A run of text inside a block; ``mark`` is set when the run is a quoted sentence."""

    text: str
    mark: Highlight | None = None


@dataclass
class ShownBlock:
    kind: str
    region: str
    pieces: list[Piece]


@dataclass
class ShownPage:
    number: int
    blocks: list[ShownBlock] = field(default_factory=list)


@lru_cache(maxsize=1)
def _environment():
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    env = Environment(loader=FileSystemLoader(str(TEMPLATE_DIR)), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["pct"] = lambda x: f"{100 * float(x):.0f}%"
    env.filters["when"] = _format_when
    return env


def _format_when(iso: str) -> str:
    try:
        when = dt.datetime.fromisoformat(iso)
    except ValueError:
        return iso
    offset = when.strftime("%z")
    zone = "UTC" if offset in ("+0000", "") else f"UTC{offset[:3]}:{offset[3:]}"
    return f"{when.day} {when:%B %Y, %H:%M} {zone}"


def full_text_pages(report: ScreenReport) -> list[ShownPage]:
    """The cleaned text as pages of blocks, each split around the quoted sentences."""
    blocks = report.blocks or [TextBlock(1, 0, len(report.text), "paragraph", "", "body")]
    marks = report.highlights
    pages: list[ShownPage] = []
    m = 0
    for block in blocks:
        if not pages or pages[-1].number != block.page:
            pages.append(ShownPage(block.page))
        pieces: list[Piece] = []
        cursor = block.start
        while m < len(marks) and marks[m].end <= block.start:
            m += 1
        k = m
        while k < len(marks) and marks[k].start < block.end:
            mark = marks[k]
            start, end = max(mark.start, cursor), min(mark.end, block.end)
            if start > cursor:
                pieces.append(Piece(report.text[cursor:start]))
            if end > start:
                pieces.append(Piece(report.text[start:end], mark))
                cursor = end
            k += 1
        if cursor < block.end:
            pieces.append(Piece(report.text[cursor:block.end]))
        pages[-1].blocks.append(ShownBlock(block.kind, block.region, pieces))
    return pages


def render_html(report: ScreenReport, *, toolbar: dict[str, str] | None = None) -> str:
    """The report as one HTML document.

    Args:
        report: what to show.
        toolbar: links shown above the report by the web app (``html``/``json``
            download URLs, ``back``); None for the standalone file.
    """
    labels = {t.theme_id: t.label for t in report.themes}
    return _environment().get_template(TEMPLATE).render(
        r=report, pages=full_text_pages(report), labels=labels, toolbar=toolbar,
        band_titles=BAND_TITLES, kind_titles=KIND_TITLES, counts=report.counts(),
        codebook=_codebook_line(report.classifier), model=_model_line(report.classifier),
    )


def _codebook_line(info: dict) -> str:
    name = info.get("codebook_name") or "codebook"
    version = info.get("codebook_version") or "?"
    sha = (info.get("codebook_sha256") or "")[:10]
    return f"{name} {version}" + (f" (sha256 {sha})" if sha else "")


def _model_line(info: dict) -> str:
    kind = info.get("kind") or ""
    parts = [kind] + [str(info[k]) for k in ("model", "model_version", "embedding_model") if info.get(k)]
    return " · ".join(p for p in dict.fromkeys(parts) if p) or "unknown"


def render_json(report: ScreenReport) -> str:
    """The same content as JSON (UTF-8 text, two-space indent)."""
    return json.dumps(report.to_dict(), indent=2, ensure_ascii=False)


def write_report(report: ScreenReport, html_path: str | Path | None = None,
                 json_path: str | Path | None = None) -> list[Path]:
    """Write the HTML and/or JSON files; returns the paths written."""
    written = []
    for path, text in ((html_path, render_html(report) if html_path else ""),
                       (json_path, render_json(report) if json_path else "")):
        if path:
            path = Path(path)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            written.append(path)
    return written
