"""Plain text to passages, for text that never went through ingestion (``tag``)."""

from __future__ import annotations

import re

from practice_themes.types import Passage

_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")


def passages_from_text(text: str, doc_id: str = "") -> list[Passage]:
    """Sentences of ``text``, paragraphs at blank lines; ``start``/``end`` index ``text`` itself."""
    from practice_themes.segment import sentence_bounds

    spans, position = [], 0
    for match in [*_PARAGRAPH_BREAK.finditer(text), None]:
        end = match.start() if match else len(text)
        if text[position:end].strip():
            spans.append((position, end))
        position = match.end() if match else len(text)
    passages: list[Passage] = []
    # Line breaks inside a paragraph are layout, not sentence ends; spaces keep offsets aligned.
    chunks = [re.sub(r"\s", " ", text[a:b]) for a, b in spans]
    for index, ((offset, _), chunk, bounds) in enumerate(zip(spans, chunks, sentence_bounds(chunks))):
        for sent_start, sent_end in bounds:
            sentence = chunk[sent_start:sent_end]
            stripped = sentence.strip()
            if not stripped:
                continue
            start = offset + sent_start + (len(sentence) - len(sentence.lstrip()))
            passages.append(Passage(doc_id=doc_id, page=1, start=start, end=start + len(stripped),
                                    text=text[start:start + len(stripped)], paragraph=index,
                                    passage_id=len(passages)))
    return passages
