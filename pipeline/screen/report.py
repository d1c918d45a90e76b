"""The content of a screening report, independent of how it is shown.

``build_report`` turns a screened document into a ``ScreenReport``: the
header facts, every theme ranked by probability with its band, definition
and evidence quotes, and the cleaned full text with the quoted sentences
marked. The HTML and the JSON export are two views of this one object.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from practice_themes.codebook import Codebook
from practice_themes.screen.stages import Screened

BANDS = ("present", "possible", "absent")
BAND_TITLES = {"present": "Present", "possible": "Possible", "absent": "Not found"}
KIND_TITLES = {"practice": "Practice themes", "context": "Context themes"}
FILE_TYPES = {".pdf": "PDF", ".docx": "Word document"}


def anchor_for(passage_id: int) -> str:
    """The HTML id of a sentence in the full-text view."""
    return f"s{passage_id}"


@dataclass
class Quote:
    """One evidence sentence for a theme, with where it is in the review."""

    passage_id: int
    page: int
    section: str
    text: str
    score: float
    start: int
    end: int
    anchor: str


@dataclass
class ThemeResult:
    """One codebook theme's result for this review."""

    theme_id: str
    label: str
    kind: str  # practice | context
    definition: str
    include: list[str]
    exclude: list[str]
    score: float
    band: str  # present | possible | absent
    present: bool
    threshold: float | None
    rank: int  # 1 = most probable theme of the review
    evidence: list[Quote] = field(default_factory=list)


@dataclass
class TextBlock:
    """A paragraph, heading, bullet or table row of the cleaned text."""

    page: int
    start: int
    end: int
    kind: str
    section: str
    region: str


@dataclass
class Highlight:
    """A quoted sentence, marked in the full text; ``themes`` are the ids it is evidence for."""

    passage_id: int
    start: int
    end: int
    page: int
    section: str
    anchor: str
    themes: list[str]


@dataclass
class ScreenReport:
    """Everything a screening report shows; ``to_dict`` is the JSON export."""

    document_name: str
    doc_id: str
    file_type: str
    n_pages: int
    n_sentences: int
    screened_at: str  # ISO 8601, seconds, with the UTC offset
    warnings: list[str]
    classifier: dict[str, Any]
    fingerprint: str
    themes: list[ThemeResult]  # ranked, most probable first
    text: str
    blocks: list[TextBlock]
    highlights: list[Highlight]
    timings: dict[str, float] = field(default_factory=dict)
    tool_version: str = ""

    def group(self, kind: str, band: str) -> list[ThemeResult]:
        """Themes of one kind in one band, most probable first."""
        return [t for t in self.themes if t.kind == kind and t.band == band]

    def with_evidence(self) -> list[ThemeResult]:
        """Present, then possible themes (each ranked), practice before context within a band."""
        order = {"practice": 0, "context": 1}
        shown = [t for t in self.themes if t.band in ("present", "possible")]
        return sorted(shown, key=lambda t: (BANDS.index(t.band), order.get(t.kind, 2), t.rank))

    def counts(self) -> dict[str, int]:
        return {band: sum(1 for t in self.themes if t.band == band) for band in BANDS}

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def build_report(screened: Screened, codebook: Codebook, *, classifier_info: dict[str, Any] | None = None,
                 fingerprint: str = "", document_name: str | None = None,
                 screened_at: dt.datetime | None = None) -> ScreenReport:
    """Assemble the report for one screened document.

    Args:
        screened: the output of ``screen_document``.
        codebook: the codebook the classifier used (labels, kinds, definitions).
        classifier_info: the classifier's ``describe()`` (model and codebook versions, thresholds).
        fingerprint: the classifier's fingerprint.
        document_name: the name to show (an upload's original name); default the file name.
        screened_at: when the screening ran; default now.
    """
    import practice_themes

    doc = screened.document
    info = dict(classifier_info or {})
    thresholds = info.get("thresholds") or {}
    tags = {t.theme_id: t for t in screened.tags}
    order = {theme_id: j for j, theme_id in enumerate(codebook.ids)}
    ranked = sorted((tags[i] for i in codebook.ids if i in tags), key=lambda t: (-t.score, order[t.theme_id]))

    themes: list[ThemeResult] = []
    marked: dict[int, Highlight] = {}
    for rank, tag in enumerate(ranked, start=1):
        theme = codebook[tag.theme_id]
        band = tag.band if tag.band in BANDS else ("present" if tag.present else "absent")
        quotes = []
        if band != "absent":
            for ev in tag.evidence:
                p = ev.passage
                quotes.append(Quote(p.passage_id, p.page, p.section, p.text, float(ev.score), p.start, p.end,
                                    anchor_for(p.passage_id)))
                mark = marked.setdefault(p.passage_id, Highlight(p.passage_id, p.start, p.end, p.page, p.section,
                                                                 anchor_for(p.passage_id), []))
                mark.themes.append(tag.theme_id)
        threshold = thresholds.get(tag.theme_id)
        themes.append(ThemeResult(
            theme.id, theme.label, theme.kind, theme.definition, list(theme.include), list(theme.exclude),
            float(tag.score), band, bool(tag.present), float(threshold) if threshold is not None else None,
            rank, quotes))

    when = (screened_at or dt.datetime.now().astimezone()).replace(microsecond=0)
    name = document_name or Path(doc.source_path).name
    return ScreenReport(
        document_name=name,
        doc_id=doc.doc_id,
        file_type=FILE_TYPES.get(Path(name).suffix.lower(), Path(name).suffix.lstrip(".").upper() or "file"),
        n_pages=doc.n_pages,
        n_sentences=len(screened.passages),
        screened_at=when.isoformat(),
        warnings=list(dict.fromkeys(doc.warnings)),
        classifier=info,
        fingerprint=fingerprint,
        themes=themes,
        text=doc.text,
        blocks=[TextBlock(b.page, b.start, b.end, b.kind, b.section, b.region) for b in doc.blocks],
        highlights=sorted(marked.values(), key=lambda h: h.start),
        timings={k: round(v, 4) for k, v in screened.timings.items()},
        tool_version=practice_themes.__version__,
    )
