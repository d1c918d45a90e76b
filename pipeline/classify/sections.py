"""How much a passage's section and region count as evidence.

A theme named only in "Recommendations" or in a generic "Terms of reference"
list is weaker evidence than one described in "Findings" or "Analysis";
contents pages, references and footnotes are not evidence at all and are
skipped before encoding. Section kinds come from
``practice_themes.clean.sections.section_kind`` when cleaning provides it; until
then a local heading matcher stands in.
"""

from __future__ import annotations

import re
from functools import lru_cache

from practice_themes.types import Passage

# Multiplier on a passage's theme probability, by section kind.
SECTION_WEIGHTS: dict[str, float] = {
    "findings": 1.0,
    "analysis": 1.0,
    "practice": 1.0,
    "chronology": 0.9,
    "background": 0.85,
    "other": 0.9,
    "introduction": 0.6,
    "summary": 0.8,
    "conclusions": 0.8,
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

_LOCAL_KINDS: tuple[tuple[str, str], ...] = (
    (r"terms of reference|scope of the review|key lines of enquiry|review questions", "terms_of_reference"),
    (r"recommendation|next steps|actions? for the partnership|improvement", "recommendations"),
    (r"finding|learning|lessons", "findings"),
    (r"analysis|appraisal|evaluation of practice|practice issues|themes", "analysis"),
    (r"chronolog|timeline|key events|key practice episodes|narrative", "chronology"),
    (r"methodolog|process of the review|review process|approach|involvement of the family|family involvement", "methodology"),
    (r"background|family composition|family history|the family|case summary|circumstances", "background"),
    (r"introduction|purpose|preface|foreword", "introduction"),
    (r"conclusion", "conclusions"),
    (r"summary|overview", "summary"),
    (r"contents", "contents"),
    (r"references|bibliography|sources", "references"),
    (r"glossary|abbreviations|acronyms", "glossary"),
)


def _local_section_kind(section: str) -> str:
    heading = re.sub(r"^[\d.\s]+", "", section or "").strip().lower()
    if not heading:
        return "other"
    for pattern, kind in _LOCAL_KINDS:
        if re.search(pattern, heading):
            return kind
    return "other"


@lru_cache(maxsize=4096)
def section_kind(section: str) -> str:
    """The kind of a section heading: findings, analysis, recommendations, ...

    Cleaning's ``section_kind`` decides; headings it leaves as "other"
    (glossaries, abbreviations, contents) get the local matcher's kind.
    """
    try:
        from practice_themes.clean.sections import section_kind as cleaning_section_kind
    except ImportError:
        return _local_section_kind(section)
    kind = cleaning_section_kind(section)
    return _local_section_kind(section) if kind == "other" else kind


def passage_weight(passage: Passage) -> float:
    """Section weight x region weight for one passage; 0 means skip it."""
    region = REGION_WEIGHTS.get(passage.region or "body", 1.0)
    if region == 0.0:
        return 0.0
    return region * SECTION_WEIGHTS.get(section_kind(passage.section), 0.9)


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
