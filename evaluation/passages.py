"""Passage-level agreement: do the machine's evidence passages hit what humans highlighted?

Matching rule (recorded in metrics.json as ``MATCHING_RULE``):

1. Each human quote is located in the document text when the text is known
   (``--text`` ingest JSONL, or the sources of a .qdpx): first by exact
   search, then by a search that ignores case, runs of whitespace and soft
   hyphens. A human row with a span and no quote uses its span as given.
2. A machine passage and a human span match when they overlap by at least
   ``min_overlap`` (50%) of the shorter of the two spans, in characters.
3. When either side has no span (the quote could not be located, no text
   was given, or a machine passage's span does not hold its text in the given
   text), they match when, after normalising both texts (lower case,
   punctuation dropped, whitespace collapsed), the longest common stretch
   covers at least ``min_overlap`` of the shorter text: fuzzy containment.

Passage precision = machine passages that match any human item of the same
theme and document / machine passages judged. A machine passage is judged
when the reference quoted that theme in that document, or coded the theme
absent there (then it cannot match); a theme coded present with no quote
cannot be judged and is left out. Only passages of themes the machine tagged
present count: evidence for an absent tag is not a claim. Passage recall =
human items matched by any machine passage / human items.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Mapping

import pandas as pd

from practice_themes.stats.metrics import f1_of_rates

MATCHING_RULE = (
    "A machine evidence passage matches a human-coded quote of the same theme in the same document when "
    "their character spans overlap by at least {pct}% of the shorter span. Human quotes are located in the "
    "document text (exact, then ignoring case, whitespace and soft hyphens). When a span is unavailable, "
    "the texts match when, normalised (lower case, no punctuation, single spaces), their longest common "
    "stretch covers at least {pct}% of the shorter text. Precision counts the machine's passages for themes it "
    "tagged present where the reference either quoted the theme in that document or coded it absent (a theme coded "
    "present without quotes cannot be judged); recall counts human quotes."
)

_SOFT = {"\x02", "\u00ad"}
_PUNCT = re.compile(r"[^\w\s]")


def _normalise_with_map(text: str) -> tuple[str, list[int]]:
    """Lower-case, drop soft hyphens, collapse whitespace; keep each output char's source index."""
    out: list[str] = []
    index: list[int] = []
    previous_space = True
    for i, ch in enumerate(text):
        if ch in _SOFT:
            continue
        if ch.isspace():
            if previous_space:
                continue
            out.append(" ")
            index.append(i)
            previous_space = True
            continue
        out.append(ch.lower())
        index.append(i)
        previous_space = False
    return "".join(out), index


def locate_quote(quote: str, text: str) -> tuple[int, int] | None:
    """Character span of ``quote`` in ``text``: exact first, then whitespace- and case-insensitive."""
    quote = quote.strip()
    if not quote:
        return None
    position = text.find(quote)
    if position >= 0:
        return position, position + len(quote)
    norm_text, index = _normalise_with_map(text)
    norm_quote, _ = _normalise_with_map(quote)
    norm_quote = norm_quote.strip()
    position = norm_text.find(norm_quote)
    if position < 0 or not norm_quote:
        return None
    return index[position], index[position + len(norm_quote) - 1] + 1


def normalise_words(text: str) -> str:
    """Lower case, soft hyphens and punctuation dropped, single spaces: the text-matching form."""
    return " ".join(_PUNCT.sub(" ", "".join(c for c in text if c not in _SOFT).lower()).split())


def spans_match(a: tuple[float, float], b: tuple[float, float], min_overlap: float = 0.5) -> bool:
    """Overlap of two [start, end) spans is at least ``min_overlap`` of the shorter one."""
    overlap = min(a[1], b[1]) - max(a[0], b[0])
    shorter = min(a[1] - a[0], b[1] - b[0])
    return shorter > 0 and overlap / shorter >= min_overlap


def texts_match(a: str, b: str, min_overlap: float = 0.5) -> bool:
    """Normalised fuzzy containment: the longest common stretch covers ``min_overlap`` of the shorter text."""
    a, b = normalise_words(a), normalise_words(b)
    if not a or not b:
        return False
    shorter, longer = (a, b) if len(a) <= len(b) else (b, a)
    if shorter in longer:
        return True
    block = SequenceMatcher(None, shorter, longer, autojunk=False).find_longest_match(0, len(shorter), 0, len(longer))
    return block.size / len(shorter) >= min_overlap


@dataclass
class _Item:
    span: tuple[float, float] | None
    text: str


def human_items(human: pd.DataFrame, texts: Mapping[str, str]) -> pd.DataFrame:
    """Human quotes/spans with a resolved span where possible; one row per distinct item.

    Returns columns doc_id, theme, start, end, text, located (how the span was found:
    "quote", "span" or "" when only the text is usable).
    """
    rows = []
    for rec in human.itertuples(index=False):
        quote = rec.quote if isinstance(rec.quote, str) and rec.quote.strip() else None
        has_span = not (pd.isna(rec.start) or pd.isna(rec.end))
        text = texts.get(rec.doc_id)
        span, how = None, ""
        if quote and text is not None:
            span = locate_quote(quote, text)
            how = "quote" if span else ""
        elif quote is None and has_span:
            # Without a quote the span is all there is; it must index the same text as the machine's.
            span, how = (float(rec.start), float(rec.end)), "span"
        if span is None and quote is None:
            continue
        item_text = quote if quote else (text[int(span[0]):int(span[1])] if text is not None else "")
        rows.append({
            "doc_id": rec.doc_id, "theme": rec.theme,
            "start": span[0] if span else math.nan, "end": span[1] if span else math.nan,
            "text": item_text, "located": how,
        })
    items = pd.DataFrame(rows, columns=["doc_id", "theme", "start", "end", "text", "located"])
    # Two coders highlighting the same stretch is one item, not two.
    key = items["start"].astype(str) + "|" + items["end"].astype(str) + "|" + items["text"].map(normalise_words)
    return items.loc[~(items[["doc_id", "theme"]].astype(str).agg("|".join, axis=1) + "|" + key).duplicated()].reset_index(drop=True)


def _matches(a: _Item, b: _Item, min_overlap: float) -> bool:
    if a.span is not None and b.span is not None:
        return spans_match(a.span, b.span, min_overlap)
    return texts_match(a.text, b.text, min_overlap)


def passage_agreement(
    machine: pd.DataFrame,
    human: pd.DataFrame,
    texts: Mapping[str, str] | None = None,
    *,
    absent: set[tuple[str, str]] | frozenset = frozenset(),
    min_overlap: float = 0.5,
) -> dict:
    """Passage precision and recall per theme and overall (micro).

    Args:
        machine: evidence rows (doc_id, theme, start, end, text) already limited
            to the evaluated documents and to themes tagged present.
        human: coded rows (doc_id, theme, quote, start, end) with present = 1.
        texts: document texts by doc_id, for locating quotes.
        absent: (doc_id, theme) pairs the reference coded absent; machine
            passages there are judged (and cannot match).

    Returns:
        ``{"rule", "min_overlap", "n_documents", "located", "themes": {theme: {...}}, "overall": {...}}``
        where each block has n_machine, machine_matched, precision, n_human,
        human_matched, recall, f1. Empty ``themes`` when no human quotes exist.
    """
    texts = texts or {}
    items = human_items(human, texts)
    quoted = set(zip(items["doc_id"], items["theme"]))
    judged = [pair in quoted or pair in absent for pair in zip(machine["doc_id"], machine["theme"])]
    machine = machine[judged]
    docs = set(items["doc_id"]) | set(machine["doc_id"])
    located = items["located"].replace("", "text only").value_counts().to_dict()
    themes: dict[str, dict] = {}
    totals = [0, 0, 0, 0]
    drifted: list[int] = []
    for theme in sorted(set(items["theme"]) | set(machine["theme"])):
        m_rows = machine[machine["theme"] == theme]
        h_rows = items[items["theme"] == theme]
        machine_hit, human_hit = 0, 0
        h_by_doc = {d: [_item(r) for r in g.itertuples(index=False)] for d, g in h_rows.groupby("doc_id")}
        m_by_doc = {d: [_machine_item(r, texts, drifted) for r in g.itertuples(index=False)]
                    for d, g in m_rows.groupby("doc_id")}
        for doc, m_items in m_by_doc.items():
            for m in m_items:
                machine_hit += any(_matches(m, h, min_overlap) for h in h_by_doc.get(doc, []))
        for doc, h_items in h_by_doc.items():
            for h in h_items:
                human_hit += any(_matches(m, h, min_overlap) for m in m_by_doc.get(doc, []))
        counts = [len(m_rows), machine_hit, len(h_rows), human_hit]
        totals = [t + c for t, c in zip(totals, counts)]
        themes[theme] = _block(*counts)
    return {
        "rule": MATCHING_RULE.format(pct=round(min_overlap * 100)),
        "min_overlap": min_overlap,
        "n_documents": len(docs),
        "located": {str(k): int(v) for k, v in located.items()},
        # Machine passages whose span does not hold their text in the given document text
        # (outputs from another cleaning version): matched by text instead of span.
        "machine_spans_not_in_text": len(drifted),
        "themes": themes,
        "overall": _block(*totals),
    }


def _item(row) -> _Item:
    has_span = not (pd.isna(row.start) or pd.isna(row.end))
    return _Item(span=(float(row.start), float(row.end)) if has_span else None, text=str(row.text or ""))


def _machine_item(row, texts: Mapping[str, str], drifted: list[int]) -> _Item:
    item = _item(row)
    text = texts.get(row.doc_id)
    if item.span is not None and text is not None:
        if normalise_words(text[int(item.span[0]):int(item.span[1])]) != normalise_words(item.text):
            drifted.append(1)
            return _Item(span=None, text=item.text)
    return item


def _block(n_machine: int, machine_matched: int, n_human: int, human_matched: int) -> dict:
    precision = machine_matched / n_machine if n_machine else math.nan
    recall = human_matched / n_human if n_human else math.nan
    return {
        "n_machine": n_machine, "machine_matched": machine_matched, "precision": precision,
        "n_human": n_human, "human_matched": human_matched, "recall": recall, "f1": f1_of_rates(precision, recall),
    }
