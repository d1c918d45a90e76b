"""practice-themes: tag practice themes, with evidence, in child-safeguarding case reviews."""

from practice_themes.offline import enforce_offline

# Before anything can import huggingface_hub or transformers.
enforce_offline()

__version__ = "0.1.0"
