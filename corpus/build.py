"""Render the bundled review corpus from its Markdown sources into PDF and DOCX.

Usage::

    python corpus/build.py                 # every corpus/source/*.md -> corpus/reviews/
    python corpus/build.py --only r01_lcspr_child_a r08_rapid_review_child_h

Also an importable module, so benchmarks can render long documents::

    review = parse_source(Path("corpus/source/r01_lcspr_child_a.md"))
    pages = render_pdf(review, out, repeat_body=5, image_pages=(-1,))

The source format (front matter, ``#`` headings, numbered paragraphs, bullets, pipe tables,
footnotes) is described in ``corpus/README.md``. Output is deterministic: re-running the
script on unchanged sources rewrites byte-identical files.
"""

from __future__ import annotations

import argparse
import csv
import io
import re
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Union
from xml.sax.saxutils import escape

import yaml

CORPUS_DIR = Path(__file__).resolve().parent
SOURCE_DIR = CORPUS_DIR / "source"
REVIEWS_DIR = CORPUS_DIR / "reviews"
METADATA_PATH = CORPUS_DIR / "metadata.csv"
METADATA_COLUMNS = ("doc_id", "file", "title", "review_type", "area", "year", "child_age_group", "split")

REVIEW_TYPES = ("scr", "lcspr", "rapid_review", "national_review")
AGE_GROUPS = ("under_1", "1_4", "5_10", "11_15", "16_17")
FORMATS = ("pdf", "docx")
LAYOUTS = ("single", "two_column")
SPLITS = ("dev", "heldout")
REQUIRED_FIELDS = (
    "doc_id", "title", "running_header", "partnership", "review_type", "area", "year",
    "child_age_group", "format", "layout", "split", "author",
)
# Optional extensions of the shared format: a display date for the title page, and body pages
# to rasterise (1-based, negative counts from the end) so the corpus holds a "scanned" page.
OPTIONAL_FIELDS = ("date", "image_pages")

REVIEW_TYPE_NAMES = {
    "scr": "Serious Case Review",
    "lcspr": "Local Child Safeguarding Practice Review",
    "rapid_review": "Rapid Review",
    "national_review": "National Child Safeguarding Practice Review",
}

# A fixed timestamp keeps DOCX zips and metadata byte-identical between runs.
_FIXED_ZIP_TIME = (2024, 1, 1, 0, 0, 0)


class SourceError(ValueError):
    """A corpus source file is malformed; the message names the file, the line and the reason."""


# --------------------------------------------------------------------------------------------
# Source model
# --------------------------------------------------------------------------------------------


@dataclass
class Heading:
    """A ``#`` (level 1), ``##`` (level 2) or ``###`` (level 3) heading."""

    level: int
    text: str
    line: int = 0


@dataclass
class Paragraph:
    """A body paragraph; ``number`` is its paragraph number such as ``"4.12"``, or None."""

    number: str | None
    text: str
    line: int = 0


@dataclass
class Bullet:
    """One bullet-list item."""

    text: str
    line: int = 0


@dataclass
class Table:
    """A pipe table; ``rows[0]`` is the header row."""

    rows: list[list[str]]
    line: int = 0


@dataclass
class Footnote:
    """A footnote definition ``[^id]: text``; it is printed where it is first referenced."""

    id: str
    text: str
    line: int = 0


Block = Union[Heading, Paragraph, Bullet, Table, Footnote]


@dataclass
class ReviewSource:
    """One review: its front-matter fields and its body as a list of blocks."""

    doc_id: str
    title: str
    running_header: str
    partnership: str
    review_type: str
    area: str
    year: int
    child_age_group: str
    format: str
    layout: str
    split: str
    author: str
    blocks: list[Block] = field(default_factory=list)
    date: str = ""
    image_pages: tuple[int, ...] = ()
    path: Path | None = None

    @property
    def footnotes(self) -> dict[str, Footnote]:
        """Footnote definitions by id."""
        return {b.id: b for b in self.blocks if isinstance(b, Footnote)}

    @property
    def output_name(self) -> str:
        """File name of the rendered review, e.g. ``r01_lcspr_child_a.pdf``."""
        return f"{self.doc_id}.{self.format}"

    def body_text(self) -> str:
        """The body as plain text, one block per line, markup and footnote markers removed."""
        lines: list[str] = []
        for b in self.blocks:
            if isinstance(b, Heading):
                lines.append(strip_inline(b.text))
            elif isinstance(b, Paragraph):
                lines.append(strip_inline(b.text))
            elif isinstance(b, Bullet):
                lines.append(strip_inline(b.text))
            elif isinstance(b, Table):
                lines.extend(" ".join(strip_inline(c) for c in row) for row in b.rows)
            elif isinstance(b, Footnote):
                lines.append(strip_inline(b.text))
        return "\n".join(lines)


_FOOTREF = re.compile(r"\[\^([^\]\s]+)\]")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_ITALIC = re.compile(r"(?<![\*\w])\*(?![\s\*])(.+?)(?<![\s\*])\*(?![\*\w])")


def strip_inline(text: str) -> str:
    """Remove inline markup (``**bold**``, ``*italic*``, ``[^1]``) from source text."""
    text = _FOOTREF.sub("", text)
    text = _BOLD.sub(r"\1", text)
    return _ITALIC.sub(r"\1", text)


_HEADING = re.compile(r"^(#{1,3})\s+(\S.*)$")
_FOOTDEF = re.compile(r"^\[\^([^\]\s]+)\]:\s*(\S.*)$")
_BULLET = re.compile(r"^[-*]\s+(\S.*)$")
_NUMBERED = re.compile(r"^(\d+(?:\.\d+)+|\d+\.)\s+(\S.*)$")
_TABLE_SEP_CELL = re.compile(r"^:?-{3,}:?$")


def _split_front_matter(text: str, path: Path) -> tuple[dict, list[str], int]:
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        raise SourceError(f"{path}: line 1: expected '---' to open the front matter")
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        raise SourceError(f"{path}: front matter opened on line 1 is never closed with '---'") from None
    try:
        # BaseLoader keeps every scalar a string: YAML 1.1 would read 16_17 as the int 1617.
        meta = yaml.load("\n".join(lines[1:end]), Loader=yaml.BaseLoader) or {}
    except yaml.YAMLError as exc:
        raise SourceError(f"{path}: front matter is not valid YAML: {exc}") from None
    if not isinstance(meta, dict):
        raise SourceError(f"{path}: front matter must be a mapping of 'key: value' lines")
    return meta, lines[end + 1:], end + 2


def _check_front_matter(meta: dict, path: Path) -> dict:
    missing = [k for k in REQUIRED_FIELDS if k not in meta or meta[k] in (None, "")]
    if missing:
        raise SourceError(f"{path}: front matter lacks {', '.join(missing)}")
    unknown = sorted(set(meta) - set(REQUIRED_FIELDS) - set(OPTIONAL_FIELDS))
    if unknown:
        raise SourceError(f"{path}: front matter has unknown field(s) {', '.join(unknown)}")
    if meta["doc_id"] != path.stem:
        raise SourceError(f"{path}: doc_id {meta['doc_id']!r} must equal the file stem {path.stem!r}")
    for key, allowed in (("review_type", REVIEW_TYPES), ("child_age_group", AGE_GROUPS),
                         ("format", FORMATS), ("layout", LAYOUTS), ("split", SPLITS)):
        if str(meta[key]) not in allowed:
            raise SourceError(f"{path}: {key} {meta[key]!r} is not one of {', '.join(allowed)}")
    if not re.fullmatch(r"(19|20|21)\d\d", str(meta["year"])):
        raise SourceError(f"{path}: year {meta['year']!r} is not a four-digit year")
    pages = meta.get("image_pages") or []
    if not isinstance(pages, list) or not all(re.fullmatch(r"-?[1-9]\d*", str(p)) for p in pages):
        raise SourceError(f"{path}: image_pages must be a list of non-zero page numbers")
    out = {k: str(meta[k]) for k in REQUIRED_FIELDS}
    out["year"] = int(out["year"])
    out["date"] = str(meta.get("date") or meta["year"])
    out["image_pages"] = tuple(int(p) for p in pages)
    return out


def _table_cells(line: str) -> list[str]:
    body = line.strip()
    if body.startswith("|"):
        body = body[1:]
    if body.endswith("|"):
        body = body[:-1]
    return [c.strip() for c in body.split("|")]


def _parse_table(rows: list[tuple[int, str]], path: Path) -> Table:
    cells = [(n, _table_cells(s)) for n, s in rows]
    cells = [(n, c) for n, c in cells if not all(_TABLE_SEP_CELL.match(x) for x in c)]
    if not cells:
        raise SourceError(f"{path}: line {rows[0][0]}: table has no rows")
    width = len(cells[0][1])
    for n, c in cells:
        if len(c) != width:
            raise SourceError(f"{path}: line {n}: table row has {len(c)} cells, the header has {width}")
    return Table(rows=[c for _, c in cells], line=rows[0][0])


def parse_source(path: Path | str) -> ReviewSource:
    """Parse one ``corpus/source/<doc_id>.md`` file into a :class:`ReviewSource`.

    Raises:
        SourceError: the file breaks the corpus format; the message names the file and line.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise SourceError(f"{path}: not UTF-8 ({exc})") from None
    meta, body, first_line = _split_front_matter(text, path)
    fields = _check_front_matter(meta, path)

    blocks: list[Block] = []
    table_rows: list[tuple[int, str]] = []
    for offset, raw in enumerate(body):
        n = first_line + offset
        line = raw.strip()
        if line.startswith("|"):
            table_rows.append((n, line))
            continue
        if table_rows:
            blocks.append(_parse_table(table_rows, path))
            table_rows = []
        if not line:
            continue
        if m := _HEADING.match(line):
            blocks.append(Heading(level=len(m.group(1)), text=m.group(2).strip(), line=n))
        elif m := _FOOTDEF.match(line):
            blocks.append(Footnote(id=m.group(1), text=m.group(2).strip(), line=n))
        elif m := _BULLET.match(line):
            blocks.append(Bullet(text=m.group(1).strip(), line=n))
        elif m := _NUMBERED.match(line):
            blocks.append(Paragraph(number=m.group(1), text=m.group(2).strip(), line=n))
        else:
            blocks.append(Paragraph(number=None, text=line, line=n))
    if table_rows:
        blocks.append(_parse_table(table_rows, path))

    review = ReviewSource(**fields, blocks=blocks, path=path)
    _check_footnotes(review, path)
    if not any(isinstance(b, Heading) and b.level == 1 for b in blocks):
        raise SourceError(f"{path}: the body has no '#' section heading")
    return review


def _block_texts(block: Block) -> list[str]:
    if isinstance(block, Table):
        return [c for row in block.rows for c in row]
    if isinstance(block, Footnote):
        return []
    return [block.text]


def _check_footnotes(review: ReviewSource, path: Path) -> None:
    defined: dict[str, int] = {}
    for b in review.blocks:
        if isinstance(b, Footnote):
            if b.id in defined:
                raise SourceError(f"{path}: line {b.line}: footnote [^{b.id}] defined twice")
            defined[b.id] = b.line
    used: set[str] = set()
    for b in review.blocks:
        for text in _block_texts(b):
            for ref in _FOOTREF.findall(text):
                if ref not in defined:
                    raise SourceError(f"{path}: line {b.line}: footnote [^{ref}] is never defined")
                used.add(ref)
    for ref, line in defined.items():
        if ref not in used:
            raise SourceError(f"{path}: line {line}: footnote [^{ref}] is never referenced")


# --------------------------------------------------------------------------------------------
# PDF
# --------------------------------------------------------------------------------------------

try:  # reportlab hyphenates at line ends when pyphen is importable
    import pyphen  # noqa: F401

    _HYPHENATION_LANG = "en_GB"
except ImportError:  # pragma: no cover - optional
    _HYPHENATION_LANG = ""


def _styles(two_column: bool) -> dict:
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT
    from reportlab.lib.styles import ParagraphStyle

    size, leading = (9.5, 12.5) if two_column else (10.5, 14.5)
    hyph = dict(hyphenationLang=_HYPHENATION_LANG, embeddedHyphenation=1, uriWasteReduce=0.3)
    body = ParagraphStyle("body", fontName="Helvetica", fontSize=size, leading=leading,
                          spaceAfter=6, alignment=TA_JUSTIFY if two_column else TA_LEFT, **hyph)
    return {
        "body": body,
        "numbered": ParagraphStyle("numbered", parent=body, leftIndent=36 if not two_column else 28,
                                   bulletIndent=0, bulletFontName="Helvetica", bulletFontSize=size),
        # Symbol-font bullet, as Word writes it, so the text layer carries a real bullet glyph.
        "bullet": ParagraphStyle("bullet", parent=body, leftIndent=54 if not two_column else 40,
                                 bulletIndent=40 if not two_column else 28, bulletFontName="Symbol",
                                 bulletFontSize=size, spaceAfter=3),
        "h1": ParagraphStyle("h1", fontName="Helvetica-Bold", fontSize=13.5, leading=17,
                             spaceBefore=12, spaceAfter=8, keepWithNext=1,
                             textColor=colors.HexColor("#1F3864")),
        "h2": ParagraphStyle("h2", fontName="Helvetica-Bold", fontSize=size + 0.5, leading=leading,
                             spaceBefore=8, spaceAfter=5, keepWithNext=1),
        "h3": ParagraphStyle("h3", fontName="Helvetica-BoldOblique", fontSize=size, leading=leading,
                             spaceBefore=6, spaceAfter=4, keepWithNext=1),
        "cell": ParagraphStyle("cell", fontName="Helvetica", fontSize=8.5, leading=10.5, **hyph),
        "cellhead": ParagraphStyle("cellhead", fontName="Helvetica-Bold", fontSize=8.5, leading=10.5),
        "footnote": ParagraphStyle("footnote", fontName="Helvetica", fontSize=7.5, leading=9.2),
        "toc": ParagraphStyle("toc", fontName="Helvetica", fontSize=11, leading=15),
        "toc_title": ParagraphStyle("toc_title", fontName="Helvetica-Bold", fontSize=16, leading=20,
                                    spaceAfter=16, textColor=colors.HexColor("#1F3864")),
        "cover_org": ParagraphStyle("cover_org", fontName="Helvetica-Bold", fontSize=14, leading=18,
                                    textColor=colors.HexColor("#1F3864")),
        "cover_title": ParagraphStyle("cover_title", fontName="Helvetica-Bold", fontSize=24,
                                      leading=30, spaceAfter=14),
        "cover_sub": ParagraphStyle("cover_sub", fontName="Helvetica", fontSize=13, leading=17),
        "cover_conf": ParagraphStyle("cover_conf", fontName="Helvetica-Bold", fontSize=15,
                                     leading=20, alignment=TA_CENTER,
                                     textColor=colors.HexColor("#A00000")),
        "cover_meta": ParagraphStyle("cover_meta", fontName="Helvetica", fontSize=11, leading=15),
    }


def _inline_markup(text: str, footnote_numbers: dict[str, int]) -> str:
    """Source inline markup -> reportlab paragraph markup."""
    out = escape(text)
    out = _FOOTREF.sub(lambda m: f"<super>{footnote_numbers[m.group(1)]}</super>", out)
    out = _BOLD.sub(r"<b>\1</b>", out)
    return _ITALIC.sub(r"<i>\1</i>", out)


def _footnote_anchor_class():
    from reportlab.platypus import Flowable
    from reportlab.platypus import Paragraph as RLParagraph

    class FootnoteAnchor(Flowable):
        """Zero-height marker placed before the first paragraph citing a footnote.

        When drawn it raises the frame's bottom by the footnote's height, so later flowables
        on the page leave room, and queues the footnote to be printed at the page bottom.
        """

        def __init__(self, markup: str, style, queue: list, min_room: float) -> None:
            super().__init__()
            self.markup, self.style, self.queue, self.min_room = markup, style, queue, min_room
            self._fh = 0.0

        def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
            self._para = RLParagraph(self.markup, self.style)
            self._fh = self._para.wrap(availWidth, 10_000)[1] + 3
            self._extra = 8 if not any(q[0] is getattr(self, "_frame", None) for q in self.queue) else 0
            need = self._fh + self._extra + self.min_room
            # Taller than the space left pushes the anchor, and its paragraph, to the next frame.
            return (availWidth, 0) if availHeight >= need else (availWidth, availHeight + 1)

        def draw(self) -> None:
            frame = self._frame
            frame._y1p += self._fh + self._extra
            self.queue.append((frame, self._para, self._fh))

    return FootnoteAnchor


def _column_widths(rows: list[list[str]], width: float) -> list[float]:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    ncol = len(rows[0])
    mean_len = [max(6.0, sum(len(strip_inline(r[j])) for r in rows) / len(rows)) for j in range(ncol)]
    longest_word = [max(stringWidth(w, "Helvetica-Bold", 8.5) for r in rows
                        for w in (strip_inline(r[j]).split() or [""])) + 13 for j in range(ncol)]
    spare = width - sum(longest_word)
    if spare <= 0:
        return [w * width / sum(longest_word) for w in longest_word]
    # Every column fits its longest word; the rest goes to the columns with the most text.
    return [lw + spare * m / sum(mean_len) for m, lw in zip(mean_len, longest_word)]


def _table_flowable(table: Table, width: float, styles: dict, fn_numbers: dict[str, int]):
    from reportlab.lib import colors
    from reportlab.platypus import Paragraph as RLParagraph
    from reportlab.platypus import Table as RLTable
    from reportlab.platypus import TableStyle

    data = [[RLParagraph(_inline_markup(c, fn_numbers), styles["cellhead" if i == 0 else "cell"])
             for c in row] for i, row in enumerate(table.rows)]
    t = RLTable(data, colWidths=_column_widths(table.rows, width), repeatRows=1, hAlign="LEFT")
    t.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#555555")),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#D9E2F3")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]))
    t.spaceBefore, t.spaceAfter = 4, 10
    return t


def _body_story(review: ReviewSource, styles: dict, width: float, repeat_body: int,
                footnote_queue: list) -> list:
    """Flowables for the body; footnotes numbered 1..n through all repeats."""
    from reportlab.platypus import Paragraph as RLParagraph

    anchor_cls = _footnote_anchor_class()
    defs = review.footnotes
    order = list(dict.fromkeys(ref for b in review.blocks for t in _block_texts(b)
                               for ref in _FOOTREF.findall(t)))
    story: list = []
    for rep in range(repeat_body):
        numbers = {ref: rep * len(order) + i + 1 for i, ref in enumerate(order)}
        placed: set[str] = set()
        for b in review.blocks:
            if isinstance(b, Footnote):
                continue
            min_room = 80 if isinstance(b, Table) else 2.5 * styles["body"].leading
            for ref in _FOOTREF.findall(" ".join(_block_texts(b))):
                if ref not in placed:
                    placed.add(ref)
                    markup = f"<super>{numbers[ref]}</super> " + _inline_markup(defs[ref].text, numbers)
                    story.append(anchor_cls(markup, styles["footnote"], footnote_queue, min_room))
            if isinstance(b, Heading):
                p = RLParagraph(_inline_markup(b.text, numbers), styles[f"h{b.level}"])
                if b.level == 1:
                    p._toc_text = strip_inline(b.text)
                story.append(p)
            elif isinstance(b, Paragraph):
                style = styles["numbered" if b.number else "body"]
                story.append(RLParagraph(_inline_markup(b.text, numbers), style, bulletText=b.number))
            elif isinstance(b, Bullet):
                story.append(RLParagraph(_inline_markup(b.text, numbers), styles["bullet"],
                                         bulletText="\u2022"))
            elif isinstance(b, Table):
                story.append(_table_flowable(b, width, styles, numbers))
    return story


def _roman(n: int) -> str:
    out = ""
    for value, numeral in ((10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")):
        while n >= value:
            out, n = out + numeral, n - value
    return out


@dataclass
class _Layout:
    """What one reportlab pass learnt: body pages, and the body page of each section."""

    body_pages: int = 0
    toc: list[tuple[str, int]] = field(default_factory=list)


def _build_once(review: ReviewSource, sink, *, two_column: bool, repeat_body: int,
                known: _Layout | None) -> tuple[_Layout, int]:
    """One reportlab build. With ``known`` None only the body is laid out (first pass)."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import cm
    from reportlab.platypus import BaseDocTemplate, Frame, NextPageTemplate, PageBreak, PageTemplate
    from reportlab.platypus import Paragraph as RLParagraph
    from reportlab.platypus import Spacer
    from reportlab.platypus import Table as RLTable
    from reportlab.platypus import TableStyle

    page_w, page_h = A4
    left = right = 2.3 * cm
    top, bottom = 2.6 * cm, 2.4 * cm
    styles = _styles(two_column)
    queue: list = []
    learnt = _Layout()
    state = {"body_start": None}

    class ReviewDoc(BaseDocTemplate):
        def afterFlowable(self, flowable) -> None:
            text = getattr(flowable, "_toc_text", None)
            if text is not None:
                key = f"s{len(learnt.toc)}"
                self.canv.bookmarkPage(key)
                self.canv.addOutlineEntry(text, key, level=0)
                learnt.toc.append((text, self.page - state["body_start"] + 1))

    def draw_footnotes(canv) -> None:
        done: set[int] = set()
        for frame, _, _ in queue:
            if id(frame) in done:
                continue
            done.add(id(frame))
            notes = [(p, h) for f, p, h in queue if f is frame]
            x = frame._x1 + frame._leftPadding
            y = frame._y1 + frame._bottomPadding + sum(h for _, h in notes)
            canv.setStrokeColor(colors.black)
            canv.setLineWidth(0.5)
            canv.line(x, y + 4, x + 0.3 * frame._aW, y + 4)
            for para, h in notes:
                para.drawOn(canv, x, y - h + 3)
                y -= h
        queue.clear()

    def on_body_page(canv, doc) -> None:
        for f in doc.pageTemplate.frames:
            f._geom()  # undo the room footnotes reserved on the previous page
        if state["body_start"] is None:
            state["body_start"] = doc.page
        n = doc.page - state["body_start"] + 1
        total = known.body_pages if known else 0
        canv.saveState()
        canv.setFont("Helvetica", 8.5)
        canv.setFillColor(colors.HexColor("#404040"))
        canv.drawString(left, page_h - 1.5 * cm, review.running_header)
        canv.setStrokeColor(colors.HexColor("#808080"))
        canv.setLineWidth(0.4)
        canv.line(left, page_h - 1.65 * cm, page_w - right, page_h - 1.65 * cm)
        canv.drawCentredString(page_w / 2, 1.3 * cm, f"Page {n} of {total}")
        canv.restoreState()

    def on_body_page_end(canv, doc) -> None:
        draw_footnotes(canv)

    def on_front_page(canv, doc) -> None:
        canv.saveState()
        canv.setFont("Helvetica", 9)
        canv.drawCentredString(page_w / 2, 1.3 * cm, _roman(doc.page))
        canv.restoreState()

    full_w = page_w - left - right
    body_h = page_h - top - bottom
    if two_column:
        gap = 0.7 * cm
        col = (full_w - gap) / 2
        body_frames = [Frame(left, bottom, col, body_h, id="left"),
                       Frame(left + col + gap, bottom, col, body_h, id="right")]
    else:
        body_frames = [Frame(left, bottom, full_w, body_h, id="body")]
    frame_w = body_frames[0]._aW
    body_template = PageTemplate("body", frames=body_frames, onPage=on_body_page,
                                 onPageEnd=on_body_page_end)
    doc = ReviewDoc(sink, pagesize=A4, invariant=1, title=review.title, author=review.author,
                    subject=REVIEW_TYPE_NAMES[review.review_type], creator=review.partnership,
                    producer="practice-themes corpus/build.py",
                    leftMargin=left, rightMargin=right, topMargin=top, bottomMargin=bottom)
    story: list = []
    if known is None:
        doc.addPageTemplates([body_template])
    else:
        cover = Frame(left, bottom, full_w, body_h, id="cover")
        doc.addPageTemplates([
            PageTemplate("title", frames=[cover]),
            PageTemplate("front", frames=[Frame(left, bottom, full_w, body_h, id="front")],
                         onPage=on_front_page),
            body_template,
        ])
        rule = RLTable([[""]], colWidths=[full_w], rowHeights=[4])
        rule.setStyle(TableStyle([("BACKGROUND", (0, 0), (-1, -1), colors.HexColor("#1F3864"))]))
        story += [
            RLParagraph(escape(review.partnership), styles["cover_org"]), Spacer(1, 6), rule,
            Spacer(1, 5 * cm),
            RLParagraph(escape(review.title), styles["cover_title"]),
            RLParagraph(escape(REVIEW_TYPE_NAMES[review.review_type]), styles["cover_sub"]),
            Spacer(1, 2.5 * cm),
            RLParagraph("CONFIDENTIAL", styles["cover_conf"]),
            Spacer(1, 5 * cm),
            RLParagraph(f"Author: {escape(review.author)}", styles["cover_meta"]),
            RLParagraph(f"Date: {escape(review.date)}", styles["cover_meta"]),
            RLParagraph(f"Commissioned by: {escape(review.partnership)}", styles["cover_meta"]),
            NextPageTemplate("front"), PageBreak(),
            RLParagraph("Contents", styles["toc_title"]),
        ]
        rows = [[RLParagraph(escape(text), styles["toc"]), RLParagraph(str(page), styles["toc"])]
                for text, page in known.toc]
        toc = RLTable(rows, colWidths=[full_w - 2 * cm, 2 * cm], hAlign="LEFT")
        toc.setStyle(TableStyle([("ALIGN", (1, 0), (1, -1), "RIGHT"),
                                 ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#BBBBBB"))]))
        story += [toc, NextPageTemplate("body"), PageBreak()]
    story += _body_story(review, styles, frame_w, repeat_body, queue)
    doc.build(story)
    learnt.body_pages = doc.page - state["body_start"] + 1
    return learnt, doc.page


def _rasterise_pages(pdf_bytes: bytes, pages: tuple[int, ...], out_path: Path) -> None:
    """Replace the given pages by low-resolution grayscale scans with no text layer."""
    import pypdfium2 as pdfium
    from PIL import Image

    pdf = pdfium.PdfDocument(pdf_bytes)
    try:
        n = len(pdf)
        indices = sorted({(p - 1) if p > 0 else (n + p) for p in pages})
        bad = [i + 1 for i in indices if not 0 <= i < n]
        if bad:
            raise ValueError(f"{out_path}: image_pages {pages} name pages outside 1..{n}")
        jpegs = []
        for i in indices:
            page = pdf[i]
            w, h = page.get_size()
            img = page.render(scale=100 / 72, grayscale=True).to_pil().convert("L")
            page.close()
            # A slight skew and a grey cast make it read as a scan rather than a clean render.
            img = img.rotate(0.4, resample=Image.BICUBIC, fillcolor=255).point(lambda v: 28 + v * 0.86)
            buf = io.BytesIO()
            img.save(buf, format="JPEG", quality=45, optimize=True)
            buf.seek(0)
            jpegs.append((i, w, h, buf))
        for i, w, h, buf in jpegs:
            pdf.del_page(i)
            page = pdf.new_page(w, h, index=i)
            image = pdfium.PdfImage.new(pdf)
            image.load_jpeg(buf, inline=True)
            image.set_matrix(pdfium.PdfMatrix().scale(w, h))
            page.insert_obj(image)
            page.gen_content()
            page.close()
        out = io.BytesIO()
        pdf.save(out)
    finally:
        pdf.close()
    # pdfium writes a random second file ID; reuse the first (same length, so xref offsets hold).
    data = re.sub(rb"/ID\s*\[\s*<([0-9A-Fa-f]+)>\s*<[0-9A-Fa-f]+>\s*\]",
                  lambda m: b"/ID[<" + m.group(1) + b"><" + m.group(1) + b">]", out.getvalue())
    out_path.write_bytes(data)


def render_pdf(review: ReviewSource, out_path: Path | str, *, repeat_body: int = 1,
               layout: str | None = None, image_pages: tuple[int, ...] = ()) -> int:
    """Render a review as a PDF laid out like a local-authority review.

    Args:
        review: the parsed source.
        out_path: where to write the PDF.
        repeat_body: how many times to repeat the body sections, to make a long document.
        layout: ``"single"`` or ``"two_column"``; None takes the review's own layout.
        image_pages: 1-based pages of the output (negative counts from the end) to rasterise
            as images with no text layer, like a scanned page.

    Returns:
        The number of pages written.
    """
    layout = layout or review.layout
    if layout not in LAYOUTS:
        raise ValueError(f"layout {layout!r} is not one of {', '.join(LAYOUTS)}")
    if repeat_body < 1:
        raise ValueError(f"repeat_body must be at least 1, got {repeat_body}")
    out_path = Path(out_path)
    two_column = layout == "two_column"
    # Pass 1 lays out the body alone: body pages are numbered from 1 and start on a fresh page,
    # so their layout, the section page numbers and the page total do not depend on the front.
    known, _ = _build_once(review, io.BytesIO(), two_column=two_column, repeat_body=repeat_body,
                           known=None)
    buf = io.BytesIO()
    final, pages = _build_once(review, buf, two_column=two_column, repeat_body=repeat_body,
                               known=known)
    if final.toc != known.toc or final.body_pages != known.body_pages:
        raise RuntimeError(f"{review.doc_id}: body layout changed between passes")
    out_path.parent.mkdir(parents=True, exist_ok=True)
    if image_pages:
        _rasterise_pages(buf.getvalue(), tuple(image_pages), out_path)
    else:
        out_path.write_bytes(buf.getvalue())
    return pages


# --------------------------------------------------------------------------------------------
# DOCX
# --------------------------------------------------------------------------------------------


def _add_field(paragraph, instruction: str) -> None:
    """Append a Word field (PAGE, NUMPAGES) to a python-docx paragraph."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    run = paragraph.add_run()
    for kind, text in (("begin", None), (None, instruction), ("separate", None), (None, "1"),
                       ("end", None)):
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        elif text == instruction:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = f" {instruction} "
        else:
            el = OxmlElement("w:t")
            el.text = text
        run._r.append(el)


def _add_inline(paragraph, text: str, numbers: dict[str, int]) -> None:
    """Add source text with **bold**, *italic* and footnote references as runs."""
    pattern = re.compile(r"\*\*(.+?)\*\*|(?<![\*\w])\*(?![\s\*])(.+?)(?<![\s\*])\*(?![\*\w])|\[\^([^\]\s]+)\]")
    pos = 0
    for m in pattern.finditer(text):
        if m.start() > pos:
            paragraph.add_run(text[pos:m.start()])
        if m.group(1):
            paragraph.add_run(m.group(1)).bold = True
        elif m.group(2):
            paragraph.add_run(m.group(2)).italic = True
        else:
            paragraph.add_run(str(numbers[m.group(3)])).font.superscript = True
        pos = m.end()
    if pos < len(text):
        paragraph.add_run(text[pos:])


def _normalise_zip(path: Path) -> None:
    """Rewrite a zip with fixed timestamps so the file is byte-identical between runs."""
    with zipfile.ZipFile(path) as zin:
        items = [(info.filename, zin.read(info.filename)) for info in zin.infolist()]
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zout:
        for name, data in items:
            info = zipfile.ZipInfo(name, date_time=_FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            zout.writestr(info, data)


def render_docx(review: ReviewSource, out_path: Path | str) -> None:
    """Render a review as a Word file: Heading 1/2 styles, numbered paragraphs as text,
    List Bullet bullets, a real table, running header and a ``Page n of N`` footer.
    Footnotes become superscript numbers with the notes listed at the end."""
    import datetime as dt

    from docx import Document as new_document
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
    from docx.shared import Cm, Pt

    out_path = Path(out_path)
    doc = new_document()
    doc.styles["Normal"].font.name = "Arial"
    doc.styles["Normal"].font.size = Pt(11)
    props = doc.core_properties
    props.title, props.author, props.subject = review.title, review.author, review.partnership
    props.created = props.modified = dt.datetime(review.year, 1, 1)
    props.last_modified_by, props.revision = review.author, 1

    section = doc.sections[0]
    section.different_first_page_header_footer = True
    section.header.paragraphs[0].text = review.running_header
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.add_run("Page ")
    _add_field(footer, "PAGE")
    footer.add_run(" of ")
    _add_field(footer, "NUMPAGES")

    doc.add_paragraph(review.partnership).runs[0].bold = True
    doc.add_paragraph(review.title, style="Title")
    doc.add_paragraph(REVIEW_TYPE_NAMES[review.review_type])
    conf = doc.add_paragraph()
    conf.add_run("CONFIDENTIAL").bold = True
    doc.add_paragraph(f"Author: {review.author}")
    doc.add_paragraph(f"Date: {review.date}")
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    doc.add_paragraph("Contents").runs[0].bold = True
    for b in review.blocks:
        if isinstance(b, Heading) and b.level == 1:
            doc.add_paragraph(strip_inline(b.text))
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)

    order = list(dict.fromkeys(ref for b in review.blocks for t in _block_texts(b)
                               for ref in _FOOTREF.findall(t)))
    numbers = {ref: i + 1 for i, ref in enumerate(order)}
    for b in review.blocks:
        if isinstance(b, Heading):
            doc.add_heading(strip_inline(b.text), level=min(b.level, 3))
        elif isinstance(b, Paragraph):
            p = doc.add_paragraph()
            if b.number:
                p.paragraph_format.left_indent = Cm(1.25)
                p.paragraph_format.first_line_indent = Cm(-1.25)
                p.add_run(f"{b.number}\t")
            _add_inline(p, b.text, numbers)
        elif isinstance(b, Bullet):
            _add_inline(doc.add_paragraph(style="List Bullet"), b.text, numbers)
        elif isinstance(b, Table):
            t = doc.add_table(rows=len(b.rows), cols=len(b.rows[0]), style="Table Grid")
            for i, row in enumerate(b.rows):
                for j, text in enumerate(row):
                    cell_p = t.cell(i, j).paragraphs[0]
                    _add_inline(cell_p, text, numbers)
                    if i == 0:
                        for run in cell_p.runs:
                            run.bold = True
    if order:
        doc.add_heading("Notes", level=2)
        defs = review.footnotes
        for ref in order:
            p = doc.add_paragraph()
            p.add_run(str(numbers[ref])).font.superscript = True
            p.add_run(" ")
            _add_inline(p, defs[ref].text, numbers)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(out_path))
    _normalise_zip(out_path)


# --------------------------------------------------------------------------------------------
# Corpus build
# --------------------------------------------------------------------------------------------


def load_sources(source_dir: Path = SOURCE_DIR) -> list[ReviewSource]:
    """Parse every ``*.md`` in ``source_dir``, sorted by doc_id."""
    paths = sorted(source_dir.glob("*.md"))
    if not paths:
        raise SourceError(f"{source_dir}: no *.md review sources found")
    return [parse_source(p) for p in paths]


def render(review: ReviewSource, out_dir: Path = REVIEWS_DIR) -> Path:
    """Render one review in its own format (and image pages) into ``out_dir``."""
    out = out_dir / review.output_name
    if review.format == "docx":
        render_docx(review, out)
    else:
        render_pdf(review, out, image_pages=review.image_pages)
    return out


def write_metadata(reviews: list[ReviewSource], path: Path = METADATA_PATH,
                   reviews_dir: Path = REVIEWS_DIR) -> None:
    """Write the corpus metadata CSV; ``file`` is relative to the metadata file's folder."""
    rel = Path(reviews_dir.resolve().relative_to(path.resolve().parent)) \
        if reviews_dir.resolve().is_relative_to(path.resolve().parent) else reviews_dir.resolve()
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(METADATA_COLUMNS)
        for r in sorted(reviews, key=lambda r: r.doc_id):
            writer.writerow([r.doc_id, (rel / r.output_name).as_posix(), r.title, r.review_type,
                             r.area, r.year, r.child_age_group, r.split])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="+", metavar="DOC_ID", help="render only these documents")
    parser.add_argument("--source-dir", type=Path, default=SOURCE_DIR)
    parser.add_argument("--out-dir", type=Path, default=REVIEWS_DIR)
    parser.add_argument("--metadata", type=Path, default=METADATA_PATH)
    args = parser.parse_args(argv)
    try:
        reviews = load_sources(args.source_dir)
    except SourceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    wanted = set(args.only or [r.doc_id for r in reviews])
    unknown = wanted - {r.doc_id for r in reviews}
    if unknown:
        print(f"error: no source for {', '.join(sorted(unknown))} in {args.source_dir}", file=sys.stderr)
        return 2
    for review in reviews:
        if review.doc_id in wanted:
            out = render(review, args.out_dir)
            print(f"{review.doc_id:40s} {out.suffix[1:]:4s} {out.stat().st_size / 1024:7.1f} KB")
    write_metadata(reviews, args.metadata, args.out_dir)
    print(f"wrote {args.metadata} ({len(reviews)} documents)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
