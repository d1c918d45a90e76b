"""Text-layer quality: is a page's text English-like or decoded nonsense?

CID fonts without a usable ToUnicode map decode to strings such as
"Ç¸ÃÅ ÊÃ¸" or "gdkkn vnqkc". Real English prose has a high share of tokens
that are common stop words or have an ordinary word shape (letters, an
optional capital, vowels present). No dictionary download is needed.
"""

from __future__ import annotations

import re
from functools import lru_cache

_TOKEN = re.compile(r"\S+")
_WORD_SHAPE = re.compile(r"^[A-Za-z][a-z]*(?:['’-][A-Za-z]+)*$")
_VOWEL = re.compile(r"[aeiouyAEIOUY]")
MIN_TOKENS = 30  # pages with fewer tokens are not judged
GARBLED_BELOW = 0.45  # share of word-like tokens under which a page is garbled


@lru_cache(maxsize=1)
def _stop_words() -> frozenset[str]:
    from spacy.lang.en.stop_words import STOP_WORDS

    return frozenset(STOP_WORDS)


def wordlike_share(text: str) -> float:
    """Share of tokens that look like English words (1.0 for empty text)."""
    tokens = [t.strip(".,;:!?()[]\"'“”‘’") for t in _TOKEN.findall(text)]
    tokens = [t for t in tokens if t and not t.isdigit()]
    if not tokens:
        return 1.0
    stops = _stop_words()
    good = sum(
        1 for t in tokens
        if t.lower() in stops or (_WORD_SHAPE.match(t) and _VOWEL.search(t) and len(t) <= 20)
    )
    return good / len(tokens)


def stopword_share(text: str) -> float:
    """Share of tokens that are English stop words (about 0.4-0.5 in prose)."""
    tokens = [t.strip(".,;:!?()[]\"'“”‘’").lower() for t in _TOKEN.findall(text)]
    tokens = [t for t in tokens if t]
    if not tokens:
        return 0.0
    stops = _stop_words()
    return sum(1 for t in tokens if t in stops) / len(tokens)


def is_garbled(text: str) -> bool:
    """True when a page with enough tokens has too few word-like ones.

    Both measures must fail: tables of figures or reference lists have few
    stop words but ordinary word shapes, and a shifted-alphabet CID font has
    word shapes but no stop words.
    """
    tokens = _TOKEN.findall(text)
    if len(tokens) < MIN_TOKENS:
        return False
    sample = " ".join(tokens[:300])  # a page's first 300 tokens decide; keeps this cheap
    share = stopword_share(sample)
    if share >= 0.15:  # ordinary prose: no need for the word-shape measure
        return False
    wordlike = wordlike_share(sample)
    # Cover pages and tables have few stop words but ordinary word shapes.
    return wordlike < GARBLED_BELOW or (share < 0.03 and wordlike < 0.7)
