"""How much a passage's section and region count as evidence.

A theme named only in "Recommendations" or in a generic "Terms of reference"
list is weaker evidence than one described in "Findings" or "Analysis";
contents pages, references and footnotes are not evidence at all and are
skipped before encoding. The section's kind is cleaning's
(``practice_themes.clean.sections.SECTION_KINDS``), assigned once at clean
time and carried on the passage; here only its weight is looked up.
"""

from __future__ import annotations

import re

from practice_themes.types import Passage

# Multiplier on a passage's theme probability, by section kind: one per kind cleaning assigns.
SECTION_WEIGHTS: dict[str, float] = {
    "findings": 1.0,
    "analysis": 1.0,
    "chronology": 0.9,
    "background": 0.85,
    "other": 0.9,
    "introduction": 0.6,
    "summary": 0.8,
    "conclusion": 0.8,
    # "What went well" describes good practice: for a practice theme that is praise, not a failing.
    "good_practice": 0.5,
    "methodology": 0.4,
    "recommendations": 0.45,
    "terms_of_reference": 0.35,
    "glossary": 0.0,
    "contents": 0.0,
    "references": 0.0,
}
# Regions (from cleaning) that are never evidence, or weak evidence.
REGION_WEIGHTS: dict[str, float] = {
    "body": 1.0,
    "appendix": 0.6,
    "front_matter": 0.3,
    "contents": 0.0,
    "references": 0.0,
    "footnotes": 0.0,
    "header": 0.0,
    "footer": 0.0,
}


def passage_weight(passage: Passage) -> float:
    """Section weight x region weight for one passage; 0 means skip it."""
    region = REGION_WEIGHTS.get(passage.region or "body", 1.0)
    if region == 0.0:
        return 0.0
    return region * SECTION_WEIGHTS.get(passage.section_kind, SECTION_WEIGHTS["other"])


_WORD = re.compile(r"[A-Za-z]{2,}")


def is_substantive(text: str) -> bool:
    """False for fragments that cannot carry a theme: page furniture, contents lines, bare lists."""
    words = _WORD.findall(text)
    if len(words) < 4:
        return False
    letters = sum(c.isalpha() for c in text)
    if letters < 0.5 * len(text):
        return False  # tables of dates, contents lines with dot leaders and page numbers
    if re.search(r"\.{4,}\s*\d+\s*$", text):
        return False
    return True
