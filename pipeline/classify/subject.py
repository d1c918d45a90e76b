"""Is a document about an adult? Child-only themes cannot apply to one.

Coroners' reports, adult safeguarding reviews and domestic homicide reviews
share the vocabulary of child reviews: "self-harm", "learning disability",
"neglect". A theme the codebook marks ``subject: child`` (a young person's
self-harm, a child's disability) describes a child's own circumstances, so
in a document whose stated ages are all adult and that names no child
(a baby, a pupil, a teenager) its passages count for ``ADULT_SUBJECT_FACTOR``
of their score. A document that states no age is left alone: most case
reviews name the child without an age on every page.
"""

from __future__ import annotations

import re
from typing import Iterable

# The share of its score a child-only theme keeps in a document about an adult; chosen by
# grouped CV on the real development set (see README, Accuracy).
ADULT_SUBJECT_FACTOR = 0.2
ADULT_AGE = 18

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


def stated_ages(text: str) -> list[int]:
    """Ages stated as "aged 55", "a 55-year-old", "55 years of age"."""
    return [int(next(g for g in match.groups() if g)) for match in _AGE.finditer(text)]


def is_adult_subject(texts: Iterable[str]) -> bool:
    """True when the text states at least one age, every stated age is adult, and no child is named."""
    text = "\n".join(texts)
    ages = stated_ages(text)
    if not ages or min(ages) < ADULT_AGE:
        return False
    return _CHILD.search(text) is None
