"""Unicode normalisation of extracted text.

NFKC folds ligatures (ﬁ -> fi), full-width forms and non-breaking spaces;
curly quotes become straight ones so that matching and display agree;
private-use bullets from Symbol/Wingdings fonts (U+F0B7 and friends) become
"•". Tabs survive: they separate the cells of table rows. Line-end hyphen marks (``\\x02``, ``\\ufffe``) are left in place for
:mod:`practice_themes.clean.hyphenation`.
"""

from __future__ import annotations

import re
import unicodedata

BULLET = "•"
# Bullet glyphs as Word/Symbol/Wingdings fonts put them in the private-use area,
# plus the ordinary bullet-like characters.
_BULLET_CHARS = "\uf0b7\uf0a7\uf076\uf0d8\uf0fc\uf0a8\uf0e0\uf0f0\uf06e\uf0a1\uf02d\u2022\u25cf\u25aa\u25a0\u2023\u2043\u2219\u25e6\u25cb\u00b7\u2027"
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
                         "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"'})
_BULLETS = str.maketrans({ch: BULLET for ch in _BULLET_CHARS})
# Zero-width and soft-hyphen characters carry no text.
_INVISIBLE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff]")
_CONTROL = re.compile("[\x00\x01\x03-\x08\x0b\x0c\x0e-\x1f\x7f]")
_OTHER_PRIVATE = re.compile("[\ue000-\uf8ff]")
_SPACES = re.compile(r"[ \u00a0\u2000-\u200a\u202f\u205f\u3000]+")


def normalise_text(text: str) -> str:
    """Normalise one string: line endings, ligatures, quotes, bullets, spaces.

    >>> normalise_text("\\uf0b7 \\u201cﬁrst\\u201d\\u00a0step\\r\\n")
    '• "first" step\\n'
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.translate(_BULLETS)
    text = _OTHER_PRIVATE.sub("", text)  # remaining private-use glyphs are unreadable
    text = unicodedata.normalize("NFKC", text)
    text = text.translate(_QUOTES)
    text = _INVISIBLE.sub("", text)
    text = _CONTROL.sub("", text)
    return _SPACES.sub(" ", text)
