"""Is a document about an adult? Child-only themes cannot apply to one.

Coroners' reports, adult safeguarding reviews and domestic homicide reviews
share the vocabulary of child reviews: "self-harm", "learning disability",
"neglect". A theme the codebook marks ``subject: child`` (a young person's
self-harm, a child's disability) describes a child's own circumstances, so
in a document about an adult its passages count for ``ADULT_SUBJECT_FACTOR``
of their score.

A document is about an adult when it names no child (a baby, a pupil, a
teenager, "Child A", a serious case review) and either every age it states is
adult, or it states none, mentions no child at all (not even "his son") and
its opening passages introduce an adult ("the death of Mr A", "his wife").
Anything else is left alone: most case reviews name the child without an age
on every page, and a wrong "adult" would hide the child's themes.
"""

from __future__ import annotations

import re
from typing import Iterable

# The share of its score a child-only theme keeps in a document about an adult; chosen by
# grouped CV on the real development set (see README, Accuracy).
ADULT_SUBJECT_FACTOR = 0.2
ADULT_AGE = 18
# The passages that introduce the subject: a report says whom it is about at the start.
HEAD_PASSAGES = 3

_AGE = re.compile(
    r"\b(?:aged|age of|age)\s+(\d{1,3})\b"
    r"|\b(\d{1,3})[- ]years?[- ]old\b"
    r"|\b(\d{1,3}) years of age\b",
    re.IGNORECASE,
)
_CHILD = re.compile(
    r"\b(?:bab(?:y|ies)|infants?|new-?borns?|toddlers?|pupils?|school ?(?:boy|girl|child|children)s?"
    r"|teenagers?|teenage|young (?:person|people)|adolescents?|minors?|under 18"
    r"|(?:aged|age) (?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen"
    r"|fifteen|sixteen|seventeen)\b)",
    re.IGNORECASE,
)
# A child review names its subject so ("Child A", "Baby T"), or says what kind of review it is.
_CHILD_NAMED = re.compile(r"\b(?:Child|Baby|Sibling) [A-Z]\b")
_CHILD_REVIEW = re.compile(r"\b(?:serious case|(?:child )?safeguarding practice|rapid) review", re.IGNORECASE)
# With no age stated, any mention of a child keeps the document a possible child's: an adult's
# report with no age seldom mentions one, a child's can hardly avoid it.
_CHILD_WORDS = re.compile(r"\b(?:boys?|girls?|child|children|sons?|daughters?)\b", re.IGNORECASE)
# How a report introduces an adult when it gives no age: a title (not "Miss", which girls are
# given too) or a spouse.
_ADULT = re.compile(r"\b(?:Mr|Mrs|Ms)\.? [A-Z]|\b(?i:his|her|the deceased's) (?i:wife|husband)\b")


def stated_ages(text: str) -> list[int]:
    """Ages stated as "aged 55", "a 55-year-old", "55 years of age"."""
    return [int(next(g for g in match.groups() if g)) for match in _AGE.finditer(text)]


def names_a_child(text: str) -> bool:
    """True when the text names a child, a child's age in words, or a child review."""
    return any(pattern.search(text) for pattern in (_CHILD, _CHILD_NAMED, _CHILD_REVIEW))


def is_adult_subject(texts: Iterable[str]) -> bool:
    """True when a document's passage ``texts`` (in order) are about an adult (module docstring)."""
    texts = list(texts)
    text = "\n".join(texts)
    if names_a_child(text):
        return False
    ages = stated_ages(text)
    if ages:
        return min(ages) >= ADULT_AGE
    if _CHILD_WORDS.search(text) is not None:
        return False
    return _ADULT.search("\n".join(texts[:HEAD_PASSAGES])) is not None
