"""Segmentation: cleaned blocks to sentence passages with spaCy's sentencizer."""

from __future__ import annotations

from functools import lru_cache

from pipeline.types import Document, Passage


@lru_cache(maxsize=1)
def sentence_pipeline():
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    return nlp


def segment_document(doc: Document) -> list[Passage]:
    """Split every block of ``doc`` into sentences anchored to the document text."""
    nlp = sentence_pipeline()
    passages: list[Passage] = []
    texts = [doc.text[b.start : b.end] for b in doc.blocks]
    for index, (block, parsed) in enumerate(zip(doc.blocks, nlp.pipe(texts))):
        for sent in parsed.sents:
            text = sent.text.strip()
            if not text:
                continue
            start = block.start + sent.start_char
            passages.append(
                Passage(
                    doc_id=doc.doc_id, page=block.page, start=start, end=start + len(sent.text),
                    text=text, section=block.section, region=block.region,
                    paragraph=index, passage_id=len(passages),
                )
            )
    return passages
