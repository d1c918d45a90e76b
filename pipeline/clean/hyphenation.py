"""Words hyphenated at a line end, rejoined.

pypdfium2 marks a hyphen that ends a line with ``\\x02`` (older releases,
lines kept apart) or ``\\ufffe`` (5.x, lines already joined). The mark does not
say whether the hyphen was a word break ("safe-/guarding") or a real compound
("multi-/agency"), so the document's own vocabulary decides: a form seen
elsewhere in the document wins; otherwise a common prefix or a real word
followed by a real word keeps the hyphen, and fragments are joined.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

HYPHEN_MARKS = "\x02\ufffe"
_MARKED = re.compile(r"([\w'’]*)[\x02\ufffe]\s*([\w'’]*)")
_WORD = re.compile(r"[A-Za-z][A-Za-z'’]*(?:-[A-Za-z]+)*")
_KEEP_PREFIXES = frozenset(
    "ex non self co pre post anti multi inter cross well long short full part semi sub "
    "over under out pro step half mid low high able able-bodied one two three four".split()
)


def build_vocabulary(texts: Iterable[str]) -> frozenset[str]:
    """Lower-cased words (and hyphenated compounds) seen in the texts."""
    words: set[str] = set()
    for text in texts:
        words.update(w.lower() for w in _WORD.findall(text))
    return frozenset(words)


def rejoin(left: str, right: str, vocabulary: frozenset[str]) -> str:
    """The word that ``left`` + line-end hyphen + ``right`` stands for."""
    if not left or not right:
        return left + ("-" if left and not right else "") + right
    joined, compound = left + right, f"{left}-{right}"
    if compound.lower() in vocabulary:
        return compound
    if joined.lower() in vocabulary:
        return joined
    if not left[-1].isalpha() or not right[0].islower():
        return compound
    # Real words either side of the break ("trauma-/informed", "ex-/partner")
    # make a compound; a fragment on either side ("man-/agers", "ex-/cluded")
    # is a word broken by the typesetter.
    left_is_word = left.lower() in _KEEP_PREFIXES or (len(left) >= 3 and left.lower() in vocabulary)
    if left_is_word and len(right) >= 3 and right.lower() in vocabulary:
        return compound
    return joined


def without_marked_words(text: str) -> str:
    """``text`` with every word broken by a line-end hyphen mark removed."""
    return _MARKED.sub(" ", text)


def dehyphenate(text: str, vocabulary: frozenset[str]) -> str:
    """Resolve every line-end hyphen mark in ``text``."""
    if not any(mark in text for mark in HYPHEN_MARKS):
        return text
    return _MARKED.sub(lambda m: rejoin(m.group(1), m.group(2), vocabulary), text)


def join_lines(first: str, second: str, vocabulary: frozenset[str]) -> str:
    """Join two wrapped lines of one paragraph, resolving a hyphen at the break."""
    first, second = first.rstrip(), second.lstrip()
    if not first:
        return second
    if not second:
        return first
    if first[-1] in HYPHEN_MARKS or (first.endswith("-") and len(first) > 1 and first[-2].isalpha()
                                     and second[:1].islower()):
        head = re.search(r"([\w'’]*)[-\x02\ufffe]$", first)
        tail = re.match(r"[\w'’]*", second)
        left, right = head.group(1), tail.group(0)
        return first[: head.start()] + rejoin(left, right, vocabulary) + second[tail.end():]
    return f"{first} {second}"
