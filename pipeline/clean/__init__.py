"""Cleaning: raw page text to the cleaned document text and labelled blocks."""

from __future__ import annotations

import re
import unicodedata

from pipeline.types import Block, Document

_BULLETS = "\uf0b7\u2022\u25cf\u25aa\u2023\u2043"


def normalise_text(text: str) -> str:
    """Unicode NFKC, line endings, private-use bullets and line-end hyphens."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = re.sub(r"\x02\n?", "", text)  # pypdfium2's soft hyphen at a line end
    for bullet in _BULLETS:
        text = text.replace(bullet, "•")
    return unicodedata.normalize("NFKC", text)


def clean_document(doc: Document) -> Document:
    """Fill ``doc.text`` and ``doc.blocks``: one paragraph block per blank-line run."""
    parts: list[str] = []
    blocks: list[Block] = []
    offset = 0
    for page in doc.pages:
        for para in re.split(r"\n\s*\n", normalise_text(page.text)):
            para = " ".join(para.split())
            if not para:
                continue
            if parts:
                offset += 2
            blocks.append(Block(page=page.number, start=offset, end=offset + len(para), kind="paragraph"))
            parts.append(para)
            offset += len(para)
    doc.text = "\n\n".join(parts)
    doc.blocks = blocks
    return doc
