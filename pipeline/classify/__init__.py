"""Theme classification: passage scores, document probabilities, evidence.

``load_classifier`` is the entry point: no model gives the zero-shot
classifier built from the codebook alone; a model name or folder gives a
trained model (see ``persistence.py``). Both offer ``.codebook``,
``.tag(passages)``, ``.score_passages(passages)``, ``.fingerprint`` and
``.describe()``.
"""

from __future__ import annotations

from pathlib import Path

from practice_themes.codebook import MODELS_DIR, Codebook, load_codebook

ZERO_SHOT_NAMES = ("zero-shot", "zeroshot", "zero_shot", "")


def resolve_model_path(model: str | Path) -> Path:
    """A model folder: the path itself, else a folder of that name under the shipped ``models/``."""
    from practice_themes.classify.persistence import METADATA_FILE, ModelLoadError

    for candidate in (Path(model), MODELS_DIR / str(model)):
        if (candidate / METADATA_FILE).is_file():
            return candidate
    shipped = sorted(p.parent.name for p in MODELS_DIR.glob(f"*/{METADATA_FILE}"))
    raise ModelLoadError(f"model not found: {model} (no {METADATA_FILE} there or under {MODELS_DIR}); "
                         f"shipped models: {', '.join(shipped) or 'none'}; omit --model for zero-shot")


def load_classifier(model: str | Path | None = None, *, codebook: Codebook | None = None,
                    thresholds: dict | None = None):
    """A ready classifier: zero-shot when ``model`` is None, else the trained model it names.

    ``thresholds`` maps theme ids to overriding thresholds (see
    ``aggregate.parse_threshold_overrides`` for the CLI form).
    """
    if model is None or str(model).strip().lower() in ZERO_SHOT_NAMES:
        from practice_themes.classify.zeroshot import ZeroShotClassifier

        return ZeroShotClassifier(codebook or load_codebook(), thresholds=thresholds).fit()
    from practice_themes.classify.persistence import load_model

    return load_model(resolve_model_path(model), codebook=codebook or load_codebook(), thresholds=thresholds)


__all__ = ["load_classifier", "resolve_model_path"]
