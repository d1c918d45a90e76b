"""The data types that flow through the pipeline.

ingest -> ``Document`` (pages of raw text)
clean  -> ``Document.text`` + ``Document.blocks`` (cleaned text, labelled regions)
segment -> ``Passage`` (one sentence, anchored to a page and a character span)
classify -> ``ThemeTag`` (a theme's document probability and its evidence)
outputs -> ``DocumentResult`` (everything one document produced, or why it failed)

Character spans always index into ``Document.text``, the cleaned text of the
whole document, so any passage can be shown in place.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class TextLine:
    """One line of a page in reading order, with where it sits on the page.

    Coordinates are fractions of the page width/height measured from the top
    left, so layouts of different page sizes compare directly. ``size`` is the
    font height in points (of the text after ``mark``), ``kind`` a hint from
    the source ("" for PDF text, "heading1"/"heading2"/"bullet"/"table_row"/
    "title" from Word styles or extracted tables).
    """

    text: str
    x0: float = 0.0
    top: float = 0.0
    x1: float = 1.0
    bottom: float = 0.0
    size: float = 0.0
    bold: bool = False
    kind: str = ""
    # A raised note mark that opened the line, kept apart from ``text`` ("4"
    # before "Early help means ..."): a note's number at the page foot, a
    # reference mark anywhere else.
    mark: str = ""


@dataclass
class Page:
    """One page as extracted, before cleaning. ``number`` is 1-based."""

    number: int
    text: str
    # True when the page had no usable text layer (scanned) and was not OCR'd.
    needs_ocr: bool = False
    ocr: bool = False  # True when the text came from OCR
    garbled: bool = False  # text layer decodes to nonsense (e.g. CID fonts)
    # Layout lines in reading order; empty when the source gave plain text only.
    lines: list[TextLine] = field(default_factory=list, repr=False)


@dataclass
class Block:
    """A paragraph, heading, list item or table row of the cleaned text.

    ``region`` says what part of the document the block sits in, so that
    classification can skip or down-weight it: ``body``, ``front_matter``,
    ``contents``, ``footnotes``, ``references`` or ``appendix``.
    ``section`` is the nearest heading above the block ("Findings", ...) and
    ``section_kind`` its kind in cleaning's one vocabulary
    (``practice_themes.clean.sections.SECTION_KINDS``: "findings", ...).
    """

    page: int
    start: int
    end: int
    kind: str  # "paragraph" | "heading" | "bullet" | "table_row"
    section: str = ""
    region: str = "body"
    section_kind: str = "other"


@dataclass
class Document:
    """A review as ingested: its pages and, once cleaned, its text and blocks."""

    doc_id: str
    source_path: str
    pages: list[Page]
    metadata: dict[str, Any] = field(default_factory=dict)
    text: str = ""
    blocks: list[Block] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def n_pages(self) -> int:
        return len(self.pages)


@dataclass
class Passage:
    """A sentence of the cleaned text: the unit that is scored and quoted.

    ``start``/``end`` index into ``Document.text``. ``paragraph`` numbers the
    block the sentence came from, so neighbouring sentences can be grouped
    into paragraph windows. ``section_kind`` is the block's, set at clean
    time; text that was never cleaned (and passages stored before the field
    existed) read as "other".
    """

    doc_id: str
    page: int
    start: int
    end: int
    text: str
    section: str = ""
    region: str = "body"
    paragraph: int = 0
    passage_id: int = 0
    section_kind: str = "other"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Evidence:
    """One passage offered as evidence for a theme, with its passage score."""

    passage: Passage
    score: float


@dataclass
class ThemeTag:
    """A theme's document-level probability and the passages that earned it."""

    theme_id: str
    score: float
    present: bool
    evidence: list[Evidence] = field(default_factory=list)
    # "present" | "possible" | "absent": possible sits just under threshold.
    band: str = "absent"


@dataclass
class DocumentResult:
    """What coding one file produced: tags on success, the reason on failure."""

    doc_id: str
    source_path: str
    status: str  # "ok" | "error" | "needs_ocr"
    n_pages: int = 0
    tags: list[ThemeTag] = field(default_factory=list)
    error: str = ""
    error_type: str = ""
    stage: str = ""  # the stage that failed: ingest | clean | segment | classify
    warnings: list[str] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    n_passages: int = 0
