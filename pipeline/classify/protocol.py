"""What every theme classifier offers, so callers depend on an interface, not on a class.

``process``, ``bulk``, ``screen``, ``serve``, ``tag`` and the evaluation
harness use only these members; ``tests/test_classifier_contract.py`` checks
every classifier the package can build against them.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from practice_themes.codebook import Codebook
from practice_themes.types import Passage, ThemeTag


@runtime_checkable
class ThemeClassifier(Protocol):
    """Tags passages of one document with every codebook theme.

    - ``codebook``: the themes it tags, in order.
    - ``tag(passages)``: one ``ThemeTag`` per codebook theme, in codebook order, with a
      probability in [0, 1].
    - ``tag_documents(documents)``: ``tag`` of each document, possibly batched; equal to it.
    - ``fingerprint``: a stable hex digest of everything that decides the tags (codebook,
      weights, settings, thresholds); results stored under one fingerprint are reusable.
    - ``describe()``: a JSON-serialisable summary (kind, model, codebook version, thresholds).
    """

    codebook: Codebook

    def tag(self, passages: list[Passage]) -> list[ThemeTag]: ...

    def tag_documents(self, documents: list[list[Passage]]) -> list[list[ThemeTag]]: ...

    @property
    def fingerprint(self) -> str: ...

    def describe(self) -> dict[str, Any]: ...
