"""Kept for callers not yet moved: plain text is segmented by ``practice_themes.segment.segment_text``."""

from practice_themes.segment import segment_text as passages_from_text

__all__ = ["passages_from_text"]
