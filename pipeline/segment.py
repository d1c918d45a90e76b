"""Segmentation: cleaned blocks to sentence passages with spaCy's sentencizer.

The blank English tokenizer gets special cases for the abbreviations reviews
use (Dr., Mrs., e.g., approx., para., No., a.m., months ...), so the
sentencizer does not split after them. A paragraph number stays with its
first sentence: "4.12 The social worker visited." is one passage, never "4."
plus the rest (any fragment that is only a number or list label is joined to
the sentence after it). Heading blocks are section labels, not passages.
Table rows are one passage each unless they are long.
"""

from __future__ import annotations

import re
from functools import lru_cache

from pipeline.clean import page_at
from pipeline.types import Document, Passage

ABBREVIATIONS = (
    "Dr.", "Mr.", "Mrs.", "Ms.", "Prof.", "St.", "Cllr.", "Rev.", "Sgt.", "Insp.", "PC.", "DC.",
    "e.g.", "i.e.", "etc.", "approx.", "para.", "paras.", "incl.", "No.", "Nos.", "no.", "vs.", "cf.",
    "a.m.", "p.m.", "wk.", "wks.", "yrs.", "est.", "Fig.", "ref.", "Ref.", "Vol.", "pp.", "p.",
    "Jan.", "Feb.", "Mar.", "Apr.", "Jun.", "Jul.", "Aug.", "Sep.", "Sept.", "Oct.", "Nov.", "Dec.",
)
MAX_ROW_WORDS = 80  # longer table rows are split into sentences
_LABEL_ONLY = re.compile(r"^\(?(?:\d{1,3}(?:\.\d{1,3})*|[a-z]|[ivx]{1,4})[.)]?\)?$")


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


def _sentence_spans(text: str, parsed) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for sent in parsed.sents:
        start, end = sent.start_char, sent.end_char
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start == end:
            continue
        # A lone paragraph number or list label belongs to the next sentence.
        if spans and _LABEL_ONLY.match(text[spans[-1][0] : spans[-1][1]]):
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


def segment_document(doc: Document) -> list[Passage]:
    """Split every non-heading block of ``doc`` into sentences anchored to ``doc.text``."""
    nlp = sentence_pipeline()
    blocks = [(i, b) for i, b in enumerate(doc.blocks) if b.kind != "heading"]
    texts = [doc.text[b.start : b.end] for _, b in blocks]
    split = [_needs_split(b.kind, t) for (_, b), t in zip(blocks, texts)]
    parsed_docs = iter(nlp.pipe((t for t, s in zip(texts, split) if s), batch_size=256))
    starts = doc.metadata.get("page_starts") or []
    keys = [s for s, _ in starts]
    passages: list[Passage] = []
    for (index, block), text, needs in zip(blocks, texts, split):
        spans = _sentence_spans(text, next(parsed_docs)) if needs else [(0, len(text))]
        for start, end in spans:
            absolute = block.start + start
            passages.append(
                Passage(
                    doc_id=doc.doc_id, page=page_at(doc, absolute, keys=keys), start=absolute,
                    end=block.start + end, text=text[start:end], section=block.section,
                    region=block.region, paragraph=index, passage_id=len(passages),
                )
            )
    return passages
