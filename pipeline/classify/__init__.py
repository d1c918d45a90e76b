"""Theme classification: passage scores, document probabilities, evidence.

``load_classifier`` (``loader.py``) is the one entry point: no model gives
the zero-shot classifier built from the codebook alone; a model name or
folder gives a trained model (``persistence.py``); a plug-in name gives a
registered classifier. Every one is a ``protocol.ThemeClassifier``:
``.codebook``, ``.tag(passages)``, ``.tag_documents(documents)``,
``.fingerprint`` and ``.describe()``.
"""

from __future__ import annotations

from practice_themes.classify.loader import (ZERO_SHOT_NAMES, ClassifierSpec, build_classifier, check_model,
                                             load_classifier)
from practice_themes.classify.protocol import ThemeClassifier

__all__ = ["ZERO_SHOT_NAMES", "ClassifierSpec", "ThemeClassifier", "build_classifier", "check_model",
           "load_classifier"]
