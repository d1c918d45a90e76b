"""Segmentation: cleaned blocks to sentence passages with spaCy's sentencizer.

The blank English tokenizer gets special cases for the abbreviations reviews
use (Dr., Mrs., e.g., approx., para., No., a.m., et al., months ...), so the
sentencizer does not split after them; an opening bracket the sentencizer left
at a sentence's end goes to the sentence it opens. A paragraph number stays with its
first sentence: "4.12 The social worker visited." is one passage, never "4."
plus the rest (any fragment that is only a number or list label is joined to
the sentence after it). Heading blocks are section labels, not passages.
Table rows are one passage each unless they are long. A text longer than
``CHUNK_CHARS`` (spaCy refuses more than ``nlp.max_length``) is parsed in
chunks cut at a sentence end or a space, never refused.

``segment_text`` does the same for plain text that was never ingested
(``tag``, the benchmarks): paragraphs at blank lines, pages at form feeds,
offsets into the text as given.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from practice_themes.clean import page_at
from practice_themes.types import Document, Passage

ABBREVIATIONS = (
    "Dr.", "Mr.", "Mrs.", "Ms.", "Prof.", "St.", "Cllr.", "Rev.", "Sgt.", "Insp.", "PC.", "DC.",
    "e.g.", "i.e.", "etc.", "approx.", "para.", "paras.", "incl.", "No.", "Nos.", "no.", "vs.", "cf.",
    "a.m.", "p.m.", "wk.", "wks.", "yrs.", "est.", "Fig.", "ref.", "Ref.", "Vol.", "pp.", "p.", "al.",
    "Jan.", "Feb.", "Mar.", "Apr.", "Jun.", "Jul.", "Aug.", "Sep.", "Sept.", "Oct.", "Nov.", "Dec.",
)
MAX_ROW_WORDS = 80  # longer table rows are split into sentences
# Longer texts are parsed in pieces: well under spaCy's max_length (1,000,000),
# and small enough that one piece's tokens stay a few MB.
CHUNK_CHARS = 100_000
_CUT_AFTER = re.compile(r"[.!?…][\"')\]]*\s+")
_WHITESPACE = re.compile(r"\s")
_CLOSING_QUOTES = ('"', "”", "’", "'")
_ATTRIBUTION = re.compile(r"[(\[][^()\[\]]{1,40}[)\]]")
# A number or list label, with the opening quote mark of the sentence it numbers if the split took that too.
_LABEL_ONLY = re.compile(r"^\(?(?:\d{1,3}(?:\.\d{1,3})*|[a-z]|[ivx]{1,4})[.)]?\)?(?:\s*['\"‘“])?$")


@lru_cache(maxsize=1)
def sentence_pipeline():
    """spaCy blank English + sentencizer with the review abbreviations as special cases."""
    import spacy
    from spacy.symbols import ORTH

    nlp = spacy.blank("en")
    for abbreviation in ABBREVIATIONS:
        for form in {abbreviation, abbreviation.capitalize(), abbreviation.lower()}:
            nlp.tokenizer.add_special_case(form, [{ORTH: form}])
    nlp.add_pipe("sentencizer")
    return nlp


def _chunks(text: str, size: int = CHUNK_CHARS) -> list[tuple[int, int]]:
    """(start, end) pieces of at most ``size`` characters, cut after a sentence end, else at a space."""
    pieces, start = [], 0
    while len(text) - start > size:
        window = text[start:start + size]
        tail = size - size // 10
        ends = [m.end() for m in _CUT_AFTER.finditer(window, tail)]
        cut = ends[-1] if ends else (window.rfind(" ", tail) + 1 or size)
        pieces.append((start, start + cut))
        start += cut
    pieces.append((start, len(text)))
    return pieces


def sentence_bounds(texts: Iterable[str], *, batch_size: int = 256) -> list[list[tuple[int, int]]]:
    """For each text, spaCy's sentences as (start, end) character offsets into that text.

    Texts over ``CHUNK_CHARS`` are parsed in chunks, so no length is refused.
    """
    nlp = sentence_pipeline()
    texts = list(texts)
    pieces = [(i, a, text[a:b]) for i, text in enumerate(texts) for a, b in _chunks(text)]
    bounds: list[list[tuple[int, int]]] = [[] for _ in texts]
    parsed_pieces = nlp.pipe((piece for _, _, piece in pieces), batch_size=batch_size)
    for (i, offset, _), parsed in zip(pieces, parsed_pieces):
        bounds[i].extend((offset + sent.start_char, offset + sent.end_char) for sent in parsed.sents)
    return bounds


def _skip_space(text: str, start: int, end: int) -> int:
    """``start`` moved past any whitespace, not beyond ``end``."""
    while start < end and text[start].isspace():
        start += 1
    return start


def _trim_space(text: str, start: int, end: int) -> int:
    """``end`` moved back over any whitespace, not before ``start``."""
    while end > start and text[end - 1].isspace():
        end -= 1
    return end


def _sentence_spans(text: str, bounds: list[tuple[int, int]]) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for start, end in bounds:
        start = _skip_space(text, start, end)
        end = _trim_space(text, start, end)
        if start == end:
            continue
        if spans and text[spans[-1][1] - 1] in "([":
            # The sentencizer ends a sentence after the bracket that opens the next one ('... as follows. ('
            # + '1) The verge ...', 'thoughts. [' + 'REDACTED] signposted ...'): it belongs to what it opens.
            first, bracket = spans[-1][0], spans[-1][1] - 1
            start, last = bracket, _trim_space(text, first, bracket)
            spans[-1:] = [(first, last)] if last > first else []
        previous = text[spans[-1][0] : spans[-1][1]] if spans else ""
        # A quotation's bracketed attribution ('... their needs are." (Practitioner)') ends the quotation.
        aside = _ATTRIBUTION.match(text, start, end) if previous.endswith(_CLOSING_QUOTES) else None
        if aside and not _LABEL_ONLY.match(aside.group()):
            spans[-1] = (spans[-1][0], aside.end())
            start = _skip_space(text, aside.end(), end)
            if start == end:
                continue
            previous = text[spans[-1][0] : spans[-1][1]]
        # A lone paragraph number or list label belongs to the next sentence.
        if spans and _LABEL_ONLY.match(previous):
            spans[-1] = (spans[-1][0], end)
        else:
            spans.append((start, end))
    return spans


# Somewhere a sentence could end inside the text; blocks without one are a
# single sentence and skip spaCy (a large share of list items and rows).
_INNER_BOUNDARY = re.compile(r"[.!?…][\"')\]]*\s+\S")


def _needs_split(block_kind: str, text: str) -> bool:
    if block_kind == "table_row" and len(text.split()) <= MAX_ROW_WORDS:
        return False
    return bool(_INNER_BOUNDARY.search(text))


# A numbered or lettered item at the start of a line ("...diagnosed;\n(2) Lisa's results...") starts a
# sentence even with no full stop before it: coroners and reviewers list their concerns so. The item's
# first word must be capitalised, so a wrapped "section\n(2) of the Act" stays whole.
_LIST_ITEM = re.compile(r"\n[ \t]*(?=\(?(?:\d{1,2}|[a-h]|[ivx]{1,4})\)[ \t]+[A-Z])")


def _split_list_items(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """``spans`` cut again before every list item that starts a line inside them."""
    out = []
    for start, end in spans:
        for cut in [m.end() for m in _LIST_ITEM.finditer(text, start, end)]:
            last = _trim_space(text, start, cut)
            if last > start:
                out.append((start, last))
            start = cut
        out.append((start, end))
    return out


def block_sentences(texts: list[str], kinds: list[str]) -> list[list[tuple[int, int]]]:
    """For each block text (of the given kind), its sentences as (start, end) offsets into that text.

    The one sentence splitter: documents and plain text both come through here.
    """
    split = [_needs_split(kind, text) for kind, text in zip(kinds, texts)]
    # Line breaks inside a block are layout, not sentence ends; one space for one character keeps offsets.
    parsed = iter(sentence_bounds(_WHITESPACE.sub(" ", t) for t, s in zip(texts, split) if s))
    # A block that needs no split is one sentence: the whole block, trimmed as any sentence is.
    return [_split_list_items(text, _sentence_spans(text, next(parsed) if needs else [(0, len(text))]))
            for text, needs in zip(texts, split)]


def segment_document(doc: Document) -> list[Passage]:
    """Split every non-heading block of ``doc`` into sentences anchored to ``doc.text``."""
    blocks = [(i, b) for i, b in enumerate(doc.blocks) if b.kind != "heading"]
    texts = [doc.text[b.start : b.end] for _, b in blocks]
    starts = doc.metadata.get("page_starts") or []
    keys = [s for s, _ in starts]
    passages: list[Passage] = []
    for (index, block), text, spans in zip(blocks, texts, block_sentences(texts, [b.kind for _, b in blocks])):
        for start, end in spans:
            absolute = block.start + start
            passages.append(
                Passage(
                    doc_id=doc.doc_id, page=page_at(doc, absolute, keys=keys), start=absolute,
                    end=block.start + end, text=text[start:end], section=block.section,
                    region=block.region, paragraph=index, passage_id=len(passages),
                    section_kind=block.section_kind,
                )
            )
    return passages


# Paragraphs of plain text end at a blank line; a form feed (as the text reader reads it) starts a new page.
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n|\f")


def segment_text(text: str, doc_id: str = "") -> list[Passage]:
    """Sentences of plain text that never went through ingestion (``tag``, benchmarks).

    Paragraphs at blank lines, pages at form feeds; ``start``/``end`` index ``text`` itself.
    """
    spans, position = [], 0
    for match in [*_PARAGRAPH_BREAK.finditer(text), None]:
        end = match.start() if match else len(text)
        if text[position:end].strip():
            spans.append((position, end))
        position = match.end() if match else len(text)
    texts = [text[a:b] for a, b in spans]
    passages: list[Passage] = []
    for index, ((offset, _), sentences) in enumerate(zip(spans, block_sentences(texts, ["paragraph"] * len(texts)))):
        page = 1 + text.count("\f", 0, offset)  # the paragraph's page, the same for each of its sentences
        for start, end in sentences:
            passages.append(Passage(doc_id=doc_id, page=page, start=offset + start,
                                    end=offset + end, text=text[offset + start:offset + end], paragraph=index,
                                    passage_id=len(passages)))
    return passages
