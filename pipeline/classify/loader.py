"""The one classifier loader: a model string, a codebook and thresholds in, a ``ThemeClassifier`` out.

A model string is, in the order tried:

- nothing, or ``zero-shot``: the zero-shot classifier built from the codebook;
- a trained model: a folder holding ``metadata.json``, or the name of one
  shipped in the package (``lr-v1``);
- a plug-in: a name registered under the entry-point group
  ``practice_themes.classifiers`` by an installed distribution, or in the
  ``CLASSIFIERS`` dict (name -> factory) of a module named in
  ``PRACTICE_THEMES_CLASSIFIER_PLUGINS`` (comma-separated importable modules).
  The variable exists for code that is not installed, such as the test
  suite's stand-ins: worker processes and CLI subprocesses inherit the
  environment, so they find the same plug-ins as the process that started
  them. A factory is called as ``factory(codebook, thresholds=..., embedder=...)``.

Every classifier built here shares one embedder (``embed.default_embedder()``)
unless one is passed.
"""

from __future__ import annotations

import importlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from practice_themes.classify.protocol import ThemeClassifier
from practice_themes.codebook import MODELS_DIR, Codebook, load_codebook
from practice_themes.embed import Embedder, default_embedder
from practice_themes.errors import ClassifierPluginError

ZERO_SHOT_NAMES = ("zero-shot", "zeroshot", "zero_shot", "")
ENTRY_POINT_GROUP = "practice_themes.classifiers"
PLUGINS_ENV = "PRACTICE_THEMES_CLASSIFIER_PLUGINS"


@dataclass(frozen=True)
class ClassifierSpec:
    """Everything needed to rebuild the same classifier in another process."""

    model: str | None = None  # None: zero-shot from the codebook
    codebook_path: str | None = None
    thresholds_json: str | None = None  # JSON text keeps the spec hashable
    torch_threads: int | None = None


def is_zero_shot(model: str | Path | None) -> bool:
    return model is None or str(model).strip().lower() in ZERO_SHOT_NAMES


def _model_folder(model: str | Path) -> Path | None:
    from practice_themes.classify.persistence import METADATA_FILE

    for candidate in (Path(model), MODELS_DIR / str(model)):
        if (candidate / METADATA_FILE).is_file():
            return candidate
    return None


def shipped_models() -> list[str]:
    from practice_themes.classify.persistence import METADATA_FILE

    return sorted(p.parent.name for p in MODELS_DIR.glob(f"*/{METADATA_FILE}"))


def plugin_factories() -> dict[str, Callable]:
    """Plug-in name -> factory: installed entry points, then the modules named in ``PLUGINS_ENV``."""
    from importlib.metadata import entry_points

    found: dict[str, Callable] = {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}
    for module_name in filter(None, (m.strip() for m in os.environ.get(PLUGINS_ENV, "").split(","))):
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            raise ClassifierPluginError(f"{PLUGINS_ENV}: cannot import classifier plug-in module "
                                        f"{module_name!r} ({exc})") from None
        declared = getattr(module, "CLASSIFIERS", None)
        if not isinstance(declared, dict):
            raise ClassifierPluginError(f"{PLUGINS_ENV}: module {module_name!r} has no CLASSIFIERS dict "
                                        f"(name -> factory)")
        found.update(declared)
    return found


def check_model(model: str | Path | None) -> None:
    """Raise the loader's error now if ``model`` names nothing, before any worker starts."""
    if not is_zero_shot(model) and _model_folder(model) is None:
        _plugin_factory(model)


def _plugin_factory(model: str | Path) -> Callable:
    """The plug-in factory ``model`` names, or the loader's "model not found" error."""
    from practice_themes.classify.persistence import ModelLoadError

    plugins = plugin_factories()
    if str(model) not in plugins:
        raise ModelLoadError(f"model not found: {model}: not a model folder (no metadata.json), not a shipped model "
                             f"({', '.join(shipped_models()) or 'none'}) and not a classifier plug-in "
                             f"({', '.join(sorted(plugins)) or 'none registered'}); omit --model for zero-shot")
    factory = plugins[str(model)]
    return factory.load() if hasattr(factory, "load") else factory  # an entry point: import its target only now


def load_classifier(model: str | Path | None = None, *, codebook: Codebook | None = None,
                    thresholds: dict | None = None, embedder: Embedder | None = None) -> ThemeClassifier:
    """A ready classifier: zero-shot when ``model`` is None, else the trained model or plug-in it names.

    ``thresholds`` maps theme ids to overriding thresholds (see
    ``aggregate.parse_threshold_overrides`` for the CLI form).
    """
    codebook = codebook or load_codebook()
    embedder = embedder if embedder is not None else default_embedder()
    if is_zero_shot(model):
        from practice_themes.classify.zeroshot import ZeroShotClassifier

        return ZeroShotClassifier(codebook, thresholds=thresholds, embedder=embedder).fit()
    folder = _model_folder(model)
    if folder is not None:
        from practice_themes.classify.persistence import load_model

        return load_model(folder, codebook=codebook, thresholds=thresholds, embedder=embedder)
    classifier = _plugin_factory(model)(codebook, thresholds=thresholds, embedder=embedder)
    # Checked here, once, so the store, the screen and the report can rely on every member.
    if not isinstance(classifier, ThemeClassifier):
        missing = [m for m in ("codebook", "tag", "tag_documents", "fingerprint", "describe")
                   if not hasattr(classifier, m)]
        raise ClassifierPluginError(f"classifier plug-in {model!r} built a {type(classifier).__name__}, which lacks "
                                    f"{', '.join(missing)} (see practice_themes.classify.protocol.ThemeClassifier)")
    return classifier


def build_classifier(spec: ClassifierSpec):
    """Load the classifier ``spec`` describes (no caching)."""
    codebook = load_codebook(spec.codebook_path)
    thresholds = json.loads(spec.thresholds_json) if spec.thresholds_json else None
    return load_classifier(spec.model, codebook=codebook, thresholds=thresholds)
