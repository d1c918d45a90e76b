"""Save and load trained models: ``weights.npz`` + ``metadata.json`` in one folder.

No pickle: the weights are plain arrays and the rest is JSON, so a model
folder is safe to open and small (< 200 kB). The metadata records the
codebook the model was trained with (its full text, version, sha256 and a
sha256 per theme), the embedding model, the training data's sha256, the
settings, the cross-validation scores and the library versions.

On load the model's trained themes are checked against the codebook in
use. If any trained theme's definition, exemplars or cues changed, loading
is refused with a message saying which; themes the model never trained
(added to the codebook, or too rare in training) are scored zero-shot.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from pathlib import Path

import numpy as np

from pipeline.classify.aggregate import tag_documents
from pipeline.classify.supervised import TrainedClassifier
from pipeline.classify.zeroshot import ZeroShotClassifier
from pipeline.codebook import Codebook, Theme, parse_codebook
from pipeline.embed import MODEL_NAME
from pipeline.types import Passage, ThemeTag

FORMAT_VERSION = 1
WEIGHTS_FILE = "weights.npz"
METADATA_FILE = "metadata.json"


class ModelLoadError(ValueError):
    """A model folder is missing, unreadable, or does not fit the codebook in use."""


class CodebookMismatchError(ModelLoadError):
    """The codebook's version of a trained theme differs from the one the model was trained with."""


def theme_sha256(theme: Theme) -> str:
    return hashlib.sha256(json.dumps(asdict(theme), sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def save_model(model: TrainedClassifier, directory: str | Path, *, training_sha256: str,
               training_source: str = "", extra: dict | None = None) -> Path:
    """Write ``weights.npz`` and ``metadata.json`` for a fitted model; returns the folder."""
    import sklearn

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / WEIGHTS_FILE, "wb") as handle:
        np.savez_compressed(handle, scaler_mean=model.scaler_mean_, scaler_scale=model.scaler_scale_,
                            coef=model.coef_, intercept=model.intercept_)
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
        "n_positive_passages": model.n_positive_passages_,
        "thresholds": model.thresholds_,
        "calibration": list(model.calibration_),
        "cv_scores": model.cv_scores_,
        "weights_sha256": model.weights_digest(),
        "versions": {"sklearn": sklearn.__version__, "numpy": np.__version__},
        **(extra or {}),
    }
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
    if metadata.get("format_version") != FORMAT_VERSION:
        raise ModelLoadError(f"{path}: format_version {metadata.get('format_version')!r}, expected {FORMAT_VERSION}")
    return metadata


def load_model(directory: str | Path, *, codebook: Codebook | None = None,
               thresholds: dict[str, float] | None = None, precision: str | None = None):
    """Load a trained model for ``codebook`` (default: the one it was trained with)."""
    directory = Path(directory)
    metadata = read_metadata(directory)
    trained_codebook = parse_codebook(metadata["codebook"]["content"], source=f"{directory}/{METADATA_FILE}")
    if trained_codebook.sha256 != metadata["codebook"]["sha256"]:
        raise ModelLoadError(f"{directory}: stored codebook does not match its recorded sha256; the file was edited")
    if metadata.get("embedding_model") != MODEL_NAME:
        raise ModelLoadError(f"{directory}: trained on embeddings of {metadata.get('embedding_model')!r}, "
                             f"this install has {MODEL_NAME!r}")
    try:
        with np.load(directory / WEIGHTS_FILE) as arrays:
            weights = {k: arrays[k] for k in ("scaler_mean", "scaler_scale", "coef", "intercept")}
    except (OSError, KeyError, ValueError) as exc:
        raise ModelLoadError(f"{directory / WEIGHTS_FILE}: cannot read weights: {exc}") from exc

    settings = metadata["settings"]
    model = TrainedClassifier(trained_codebook, precision=precision, name=metadata.get("name", directory.name),
                              **settings)
    model.zeroshot_ = model._zeroshot()
    model.trained_themes_ = list(metadata["trained_themes"])
    model.thresholds_ = {k: float(v) for k, v in metadata["thresholds"].items()}
    model.calibration_ = tuple(metadata["calibration"])
    model.cv_scores_ = metadata.get("cv_scores", {})
    model.n_documents_ = metadata["training_data"]["n_documents"]
    model.n_positive_passages_ = metadata.get("n_positive_passages", {})
    model.scaler_mean_, model.scaler_scale_ = weights["scaler_mean"], weights["scaler_scale"]
    model.coef_, model.intercept_ = weights["coef"], weights["intercept"]
    if model.coef_.shape[0] != len(model.trained_themes_):
        raise ModelLoadError(f"{directory}: {model.coef_.shape[0]} weight rows for {len(model.trained_themes_)} themes")
    if model.weights_digest() != metadata.get("weights_sha256"):
        raise ModelLoadError(f"{directory}: {WEIGHTS_FILE} does not match the sha256 recorded in {METADATA_FILE}")
    model._ready()

    if codebook is None or codebook.sha256 == trained_codebook.sha256:
        model.threshold_overrides = dict(thresholds or {})
        return model
    changed = [t for t in model.trained_themes_
               if t in codebook and theme_sha256(codebook[t]) != metadata["codebook"]["theme_sha256"][t]]
    if changed:
        raise CodebookMismatchError(
            f"model {directory} was trained with codebook {trained_codebook.name!r} version "
            f"{trained_codebook.version} (sha256 {trained_codebook.sha256[:12]}), but in {codebook.source or 'the codebook in use'} "
            f"(version {codebook.version}, sha256 {codebook.sha256[:12]}) these trained theme(s) changed: "
            f"{', '.join(changed)}. Retrain with `practice-themes train`, use the codebook the model was "
            f"trained with, or run without --model (zero-shot)."
        )
    return CodebookAdapter(model, codebook, thresholds=thresholds, precision=precision)


class CodebookAdapter:
    """A trained model used with a different codebook.

    Themes the model trained (unchanged) keep their trained scores; every
    other theme of the codebook in use is scored zero-shot from that codebook.
    """

    kind = "trained"

    def __init__(self, model: TrainedClassifier, codebook: Codebook, *,
                 thresholds: dict[str, float] | None = None, precision: str | None = None) -> None:
        self.model = model
        self.codebook = codebook
        self.trained_themes_ = [t for t in model.trained_themes_ if t in codebook]
        fallback_ids = [t for t in codebook.ids if t not in self.trained_themes_]
        self.zeroshot_ = None
        if fallback_ids:
            sub = Codebook(codebook.name, codebook.version, tuple(codebook[t] for t in fallback_ids),
                           codebook.source, codebook.sha256)
            self.zeroshot_ = ZeroShotClassifier(sub, top_k=model.top_k, margin=model.margin,
                                                n_evidence=model.n_evidence, precision=precision).fit()
        self.threshold_overrides = dict(thresholds or {})
        self.aggregator_ = model.aggregator_

    def scores_and_calibration(self, passages: list[Passage]) -> tuple[np.ndarray, np.ndarray]:
        ids = self.codebook.ids
        scores = np.zeros((len(passages), len(ids)))
        calibration = np.tile([1.0, 0.0], (len(ids), 1))
        inner_scores, inner_cal = self.model.scores_and_calibration(passages)
        for t in self.trained_themes_:
            j, k = ids.index(t), self.model.codebook.ids.index(t)
            scores[:, j], calibration[j] = inner_scores[:, k], inner_cal[k]
        if self.zeroshot_ is not None:
            fallback = self.zeroshot_.score_passages(passages)
            fallback_calibration = self.zeroshot_.document_calibration()
            for k, t in enumerate(self.zeroshot_.codebook.ids):
                scores[:, ids.index(t)] = fallback[:, k]
                if fallback_calibration is not None:
                    calibration[ids.index(t)] = fallback_calibration[k]
        return scores, calibration

    def score_passages(self, passages: list[Passage]) -> np.ndarray:
        return self.scores_and_calibration(passages)[0]

    @property
    def theme_thresholds(self) -> dict[str, float]:
        base = self.zeroshot_.theme_thresholds if self.zeroshot_ is not None else {}
        out = {t: self.model.thresholds_.get(t, base.get(t, 0.5)) if t in self.trained_themes_ else base[t]
               for t in self.codebook.ids}
        out.update(self.threshold_overrides)
        return out

    def tag(self, passages: list[Passage]) -> list[ThemeTag]:
        scores, calibration = self.scores_and_calibration(passages)
        return self.aggregator_.tags(passages, scores, self.codebook, self.theme_thresholds, calibration)

    def tag_documents(self, documents: list[list[Passage]]) -> list[list[ThemeTag]]:
        """``tag`` for many short documents at once, encoded in one batch."""
        return tag_documents(self, documents)

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
                    "zero_shot_themes": [t for t in self.codebook.ids if t not in self.trained_themes_],
                    "thresholds": self.theme_thresholds})
        return out
