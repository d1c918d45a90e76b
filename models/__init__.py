"""Package data: the theme codebook, the zero-shot thresholds and the shipped trained models.

Read them through ``practice_themes.codebook.MODELS_DIR`` (``importlib.resources``),
never by a path relative to a source checkout.
"""
