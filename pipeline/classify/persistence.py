"""Save and load trained models: ``metadata.json`` (+ ``weights.npz`` for the stacked model) in one folder.

No pickle: the weights are the scikit-learn pipeline's plain arrays (scaler
mean and scale, coefficients, intercept) and the rest is JSON, so a model
folder is safe to open and small (< 200 kB). Loading rebuilds the pipeline
from those arrays through public fitted attributes (``fitted_pipeline``). The metadata records the
codebook the model was trained with (its full text, version, sha256 and a
sha256 per theme), the embedding model, the training data's sha256, the
settings, the cross-validation scores and the library versions. A
rate-matched model (``rate_matched.RateMatchedClassifier``) has no weights:
its per-theme cuts are in the metadata.

On load the model's trained themes are checked against the codebook in
use. If any trained theme's definition, exemplars or cues changed, loading
is refused with a message saying which; themes the model never trained
(added to the codebook, or too rare in training) are scored zero-shot.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np

from practice_themes.classify.calibration import map_cut
from practice_themes.classify.rate_matched import RateMatchedClassifier
from practice_themes.classify.stacking import FEATURE_NAMES
from practice_themes.classify.supervised import (PIPELINE_ARRAYS, StackedTagging, TrainedClassifier,
                                                 pipeline_arrays, stacked_pipeline)
from practice_themes.classify.zeroshot import ZERO_SHOT_CALIBRATION, ZeroShotClassifier
from practice_themes.codebook import Codebook, Theme, parse_codebook, theme_to_dict
from practice_themes.embed import MODEL_NAME, Embedder
from practice_themes.errors import PracticeThemesError
from practice_themes.types import Passage

# 2: one stacked document-level model shared by all themes; 3: a scikit-learn pipeline, C by GridSearchCV and
# the global threshold by TunedThresholdClassifierCV (recorded as "global_threshold"); 4: "kind" may also be
# "rate-matched" (cuts only, no weights); 5: a rate-matched model records "calibration", the per-theme Platt
# rows (a, b) its cuts are on. Formats 3 and 4 still read: a format 4 rate-matched model's cuts are on the global
# calibration (``ZERO_SHOT_CALIBRATION``), and are carried onto the calibration in use when it is read.
FORMAT_VERSION = 5
READABLE_FORMATS = (3, 4, 5)
WEIGHTS_FILE = "weights.npz"
CONSTRUCTOR_SETTINGS = ("C", "Cs", "min_docs", "n_splits", "strength", "top_k", "margin", "n_evidence")
METADATA_FILE = "metadata.json"


class ModelLoadError(PracticeThemesError, ValueError):
    """A model folder is missing, unreadable, or does not fit the codebook in use."""


class CodebookMismatchError(ModelLoadError):
    """The codebook's version of a trained theme differs from the one the model was trained with."""


def theme_sha256(theme: Theme) -> str:
    return hashlib.sha256(json.dumps(theme_to_dict(theme), sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def save_model(model: TrainedClassifier | RateMatchedClassifier, directory: str | Path, *, training_sha256: str,
               training_source: str = "", extra: dict | None = None) -> Path:
    """Write ``metadata.json`` (and ``weights.npz`` for a stacked model) for a fitted model; returns the folder."""
    import sklearn

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    codebook = model.codebook
    metadata = {
        "format_version": FORMAT_VERSION,
        "kind": model.kind,
        "name": model.name,
        "embedding_model": MODEL_NAME,
        "codebook": {"name": codebook.name, "version": codebook.version, "sha256": codebook.sha256,
                     "theme_sha256": {t.id: theme_sha256(t) for t in codebook.themes},
                     "content": codebook.to_dict()},
        "training_data": {"sha256": training_sha256, "source": training_source,
                          "n_documents": model.n_documents_},
        "settings": model.settings(),
        "trained_themes": list(model.trained_themes_),
        "default_themes": {t: model.default_reasons_[t] for t in model.default_themes_},
        "cv_scores": model.cv_scores_,
        "versions": {"sklearn": sklearn.__version__, "numpy": np.__version__},
    }
    if isinstance(model, RateMatchedClassifier):
        metadata.update({"cuts": model.cuts_, "n_positive": model.n_positive_,
                         "calibration": {t: [float(a), float(b)]
                                         for t, (a, b) in zip(codebook.ids, model.document_calibration())}})
        (directory / WEIGHTS_FILE).unlink(missing_ok=True)  # a stacked model saved here before
    else:
        with open(directory / WEIGHTS_FILE, "wb") as handle:
            np.savez_compressed(handle, **pipeline_arrays(model.pipeline_))
        metadata.update({"n_positive_passages": model.n_positive_passages_, "thresholds": model.thresholds_,
                         "chosen_C": model.C_, "global_threshold": model.global_threshold_,
                         "weights_sha256": model.weights_digest()})
    metadata.update(extra or {})
    (directory / METADATA_FILE).write_text(json.dumps(metadata, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return directory


def read_metadata(directory: str | Path) -> dict:
    path = Path(directory) / METADATA_FILE
    if not path.is_file():
        raise ModelLoadError(f"{directory}: not a model folder (no {METADATA_FILE})")
    try:
        metadata = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ModelLoadError(f"{path}: not valid JSON: {exc}") from exc
    found = metadata.get("format_version")
    if found not in READABLE_FORMATS:
        age = "an older" if isinstance(found, int) and found < FORMAT_VERSION else "an unknown"
        raise ModelLoadError(f"{path}: model format_version {found!r} is {age} format; this version of "
                             f"practice-themes reads format {' and '.join(map(str, READABLE_FORMATS))}. Retrain the model with "
                             f"`practice-themes train` (or use the practice-themes release that made it)")
    return metadata


def fitted_pipeline(arrays: dict[str, np.ndarray]):
    """The stacked scikit-learn pipeline with saved fitted arrays set as its public fitted attributes."""
    mean, scale = np.asarray(arrays["scaler_mean"], float), np.asarray(arrays["scaler_scale"], float)
    coef, intercept = np.asarray(arrays["coef"], float), np.asarray(arrays["intercept"], float)
    n_features = len(FEATURE_NAMES)
    if coef.shape != (1, n_features) or intercept.shape != (1,) or not mean.shape == scale.shape == (n_features,):
        raise ModelLoadError(f"weights of shape {coef.shape}, expected (1, {n_features}) "
                             f"for the stacked model's features")
    pipeline = stacked_pipeline(C=1.0)
    scaler, lr = pipeline[0], pipeline[-1]
    scaler.mean_, scaler.scale_, scaler.var_ = mean, scale, scale ** 2
    scaler.n_features_in_, scaler.n_samples_seen_ = n_features, 0
    lr.coef_, lr.intercept_, lr.classes_, lr.n_features_in_ = coef, intercept, np.array([0, 1]), n_features
    return pipeline


def load_model(directory: str | Path, *, codebook: Codebook | None = None,
               thresholds: dict[str, float] | None = None, embedder: Embedder | None = None):
    """Load a trained model for ``codebook`` (default: the one it was trained with)."""
    directory = Path(directory)
    metadata = read_metadata(directory)
    trained_codebook = parse_codebook(metadata["codebook"]["content"], source=f"{directory}/{METADATA_FILE}")
    if trained_codebook.sha256 != metadata["codebook"]["sha256"]:
        raise ModelLoadError(f"{directory}: stored codebook does not match its recorded sha256; the file was edited")
    if metadata.get("embedding_model") != MODEL_NAME:
        raise ModelLoadError(f"{directory}: trained on embeddings of {metadata.get('embedding_model')!r}, "
                             f"this install has {MODEL_NAME!r}")
    if metadata.get("kind") == RateMatchedClassifier.kind:
        return _load_rate_matched(directory, metadata, trained_codebook, codebook, thresholds, embedder)
    try:
        with np.load(directory / WEIGHTS_FILE, allow_pickle=False) as arrays:
            weights = {k: arrays[k] for k in PIPELINE_ARRAYS}
        pipeline = fitted_pipeline(weights)
    except (OSError, KeyError, ValueError) as exc:
        raise ModelLoadError(f"{directory / WEIGHTS_FILE}: cannot read weights: {exc}") from exc

    settings = {k: v for k, v in metadata["settings"].items() if k in CONSTRUCTOR_SETTINGS}
    model = TrainedClassifier.from_fitted(
        trained_codebook, pipeline=pipeline, chosen_C=metadata["chosen_C"],
        global_threshold=metadata["global_threshold"],
        thresholds={k: float(v) for k, v in metadata["thresholds"].items()},
        trained_themes=metadata["trained_themes"], default_reasons=metadata.get("default_themes", {}),
        cv_scores=metadata.get("cv_scores", {}), n_documents=metadata["training_data"]["n_documents"],
        n_positive_passages=metadata.get("n_positive_passages", {}), embedder=embedder,
        name=metadata.get("name", directory.name), **settings)
    if model.weights_digest() != metadata.get("weights_sha256"):
        raise ModelLoadError(f"{directory}: {WEIGHTS_FILE} does not match the sha256 recorded in {METADATA_FILE}")

    if codebook is None or codebook.sha256 == trained_codebook.sha256:
        model.threshold_overrides = dict(thresholds or {})
        return model
    _refuse_changed_themes(directory, metadata, trained_codebook, codebook, model.trained_themes_)
    return CodebookAdapter(model, codebook, thresholds=thresholds)


def _refuse_changed_themes(directory: Path, metadata: dict, trained_codebook: Codebook, codebook: Codebook,
                           trained_themes: list[str]) -> None:
    """Raise ``CodebookMismatchError`` when ``codebook`` changed a theme the model learned from coding."""
    changed = [t for t in trained_themes
               if t in codebook and theme_sha256(codebook[t]) != metadata["codebook"]["theme_sha256"][t]]
    if changed:
        raise CodebookMismatchError(
            f"model {directory} was trained with codebook {trained_codebook.name!r} version "
            f"{trained_codebook.version} (sha256 {trained_codebook.sha256[:12]}), but in {codebook.source or 'the codebook in use'} "
            f"(version {codebook.version}, sha256 {codebook.sha256[:12]}) these trained theme(s) changed: "
            f"{', '.join(changed)}. Retrain with `practice-themes train`, use the codebook the model was "
            f"trained with, or run without --model (zero-shot)."
        )


def _load_rate_matched(directory: Path, metadata: dict, trained_codebook: Codebook, codebook: Codebook | None,
                       thresholds: dict[str, float] | None, embedder: Embedder | None) -> RateMatchedClassifier:
    """A rate-matched model for ``codebook``: its cuts for the themes the codebook holds unchanged; a theme it
    added, or edited but never coded, gets the default's cut."""
    try:
        cuts = {t: float(c) for t, c in metadata["cuts"].items()}
    except (KeyError, AttributeError, TypeError, ValueError) as exc:
        raise ModelLoadError(f"{directory / METADATA_FILE}: no readable per-theme cuts ({exc})") from None
    use = codebook if codebook is not None else trained_codebook
    if use.sha256 != trained_codebook.sha256:
        _refuse_changed_themes(directory, metadata, trained_codebook, use, metadata.get("trained_themes", []))
        cuts = {t: c for t, c in cuts.items()
                if t in use and theme_sha256(use[t]) == metadata["codebook"]["theme_sha256"].get(t)}
    settings = {k: v for k, v in metadata["settings"].items() if k in ("factor", "n_splits")}
    model = RateMatchedClassifier.from_fitted(
        use, cuts=cuts, default_reasons=metadata.get("default_themes", {}), cv_scores=metadata.get("cv_scores", {}),
        n_documents=metadata["training_data"]["n_documents"], n_positive=metadata.get("n_positive", {}),
        embedder=embedder, name=metadata.get("name", directory.name), **settings)
    # A cut decides on the scale it was fitted on; the calibration in use may be another (a newer release's
    # per-theme calibrations), so each cut is carried onto it, deciding exactly as it did.
    saved = {t: (float(a), float(b)) for t, (a, b) in metadata.get("calibration", {}).items()}
    current = dict(zip(use.ids, map(tuple, model.document_calibration())))
    for theme, cut in model.cuts_.items():
        fitted_on = saved.get(theme, ZERO_SHOT_CALIBRATION)
        if fitted_on != current[theme]:
            model.cuts_[theme] = map_cut(cut, fitted_on, current[theme])
    model.threshold_overrides = dict(thresholds or {})
    return model


class CodebookAdapter(StackedTagging):
    """A trained model used with a different codebook.

    Themes of the codebook in use that the model's codebook holds unchanged
    keep the stacked model's probabilities (its features never name a theme);
    every other theme (new, or edited but never coded in training) is scored
    zero-shot from the codebook in use.
    """

    kind = "trained"

    def __init__(self, model: TrainedClassifier, codebook: Codebook, *,
                 thresholds: dict[str, float] | None = None) -> None:
        self.model = model
        self.codebook = codebook
        trained_hashes = {t.id: theme_sha256(t) for t in model.codebook.themes}
        self.stacked_themes_ = [t for t in codebook.ids if trained_hashes.get(t) == theme_sha256(codebook[t])]
        self.trained_themes_ = [t for t in model.trained_themes_ if t in self.stacked_themes_]
        fallback_ids = [t for t in codebook.ids if t not in self.stacked_themes_]
        self.zeroshot_ = None
        if fallback_ids:
            sub = Codebook(codebook.name, codebook.version, tuple(codebook[t] for t in fallback_ids),
                           codebook.source, codebook.sha256)
            self.zeroshot_ = ZeroShotClassifier(sub, top_k=model.top_k, margin=model.margin,
                                                n_evidence=model.n_evidence, embedder=model.embedder_).fit()
        self.threshold_overrides = dict(thresholds or {})
        self.aggregator_ = model.aggregator_

    @property
    def embedder_(self):
        return self.model.embedder_

    def document_scores(self, passages: list[Passage]) -> tuple[np.ndarray, np.ndarray]:
        """(evidence scores [n_passages, n_themes], document probabilities [n_themes]) for the codebook in use."""
        ids = self.codebook.ids
        scores = np.zeros((len(passages), len(ids)))
        probabilities = np.zeros(len(ids))
        inner_scores, inner_probabilities = self.model.document_scores(passages)
        for t in self.stacked_themes_:
            j, k = ids.index(t), self.model.codebook.ids.index(t)
            scores[:, j], probabilities[j] = inner_scores[:, k], inner_probabilities[k]
        if self.zeroshot_ is not None:
            fallback = self.zeroshot_.analyse(passages)
            fallback_probabilities = self.zeroshot_.document_probabilities(passages, fallback.scores)
            for k, t in enumerate(self.zeroshot_.codebook.ids):
                scores[:, ids.index(t)], probabilities[ids.index(t)] = fallback.evidence[:, k], fallback_probabilities[k]
        return scores, np.round(probabilities, 6)

    @property
    def theme_thresholds(self) -> dict[str, float]:
        base = self.zeroshot_.theme_thresholds if self.zeroshot_ is not None else {}
        out = {t: self.model.thresholds_.get(t, 0.5) if t in self.stacked_themes_ else base[t]
               for t in self.codebook.ids}
        out.update(self.threshold_overrides)
        return out

    @property
    def fingerprint(self) -> str:
        payload = {"model": self.model.fingerprint, "codebook": self.codebook.sha256,
                   "fallback": self.zeroshot_.fingerprint if self.zeroshot_ is not None else "",
                   "thresholds": self.theme_thresholds}
        return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()

    def describe(self) -> dict:
        out = self.model.describe()
        out.update({"codebook_name": self.codebook.name, "codebook_version": self.codebook.version,
                    "codebook_sha256": self.codebook.sha256, "trained_themes": self.trained_themes_,
                    "zero_shot_themes": [t for t in self.codebook.ids if t not in self.stacked_themes_],
                    "thresholds": self.theme_thresholds})
        return out
