"""Every classifier the package can build keeps the ``ThemeClassifier`` contract that process, bulk,
screen, serve and tag rely on: a tag per codebook theme, probabilities in [0, 1], a stable fingerprint
that follows the thresholds, a JSON-serialisable ``describe()`` and ``tag_documents`` equal to ``tag``."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from practice_themes.classify import ThemeClassifier, load_classifier
from practice_themes.codebook import Codebook
from practice_themes.segment import segment_text

TEXTS = (
    "Findings\n\nPolice attended after the father assaulted the mother; the children were present. "
    "Information about his previous convictions was not shared with children's social care.",
    "Analysis\n\nThe baby was not brought to three hospital appointments and no follow up was made. "
    "The mother's depression was known to her GP but not to the health visitor.",
    "Findings\n\nThe school referred the child after she said there was shouting at home most nights. "
    "Her own views and wishes were not recorded in any assessment.",
    "Analysis\n\nProfessionals accepted the parents' account without checking and closed the case. "
    "The family moved between three local authorities within eighteen months.",
)


def _documents():
    return [segment_text(text, doc_id=f"doc{i}") for i, text in enumerate(TEXTS)]


def _labelled_documents(codebook: Codebook) -> list:
    """The four documents, each coded with three themes (different ones per document)."""
    from practice_themes.classify.training import LabelledPassages

    docs = []
    for i, passages in enumerate(_documents()):
        labels = np.zeros(len(codebook), dtype=np.int8)
        labels[[(i + k) % len(codebook) for k in range(3)]] = 1
        n = len(passages)
        docs.append(LabelledPassages(f"doc{i}", passages, np.zeros((n, len(codebook))),
                                     np.ones((n, len(codebook))), labels))
    return docs


def _with_added_theme(codebook: Codebook) -> Codebook:
    """The shipped codebook plus one theme the shipped model never saw."""
    extra = dataclasses.replace(codebook.themes[0], id="added_theme", label="Added theme")
    return Codebook(codebook.name, codebook.version + "+added", codebook.themes + (extra,), "added.yaml",
                    codebook.sha256[:-6] + "added0")


@pytest.fixture(scope="module")
def tiny_model_folder(tmp_path_factory, codebook, zero_shot):
    """A trained model fitted on four labelled documents, saved to a folder."""
    from practice_themes.classify.persistence import save_model
    from practice_themes.classify.supervised import TrainedClassifier

    model = TrainedClassifier(codebook, n_splits=2, min_docs=1, embedder=zero_shot.embedder_).fit(
        _labelled_documents(codebook))
    return save_model(model, tmp_path_factory.mktemp("tiny") / "tiny-model", training_sha256="0" * 64)


@pytest.fixture(scope="module")
def tiny_rate_matched_folder(tmp_path_factory, codebook, zero_shot):
    """A rate-matched model calibrated on four labelled documents, saved to a folder."""
    from practice_themes.classify.persistence import save_model
    from practice_themes.classify.rate_matched import RateMatchedClassifier

    model = RateMatchedClassifier(codebook, n_splits=2, embedder=zero_shot.embedder_).fit(_labelled_documents(codebook))
    return save_model(model, tmp_path_factory.mktemp("tiny") / "tiny-rate-matched", training_sha256="0" * 64)


BUILDS = {
    "zero-shot": lambda codebook, folder, thresholds: load_classifier(None, codebook=codebook, thresholds=thresholds),
    "trained (fitted, saved, loaded)": lambda codebook, folder, thresholds: load_classifier(
        str(folder["stacked"]), codebook=codebook, thresholds=thresholds),
    "rate-matched (fitted, saved, loaded)": lambda codebook, folder, thresholds: load_classifier(
        str(folder["rate-matched"]), codebook=codebook, thresholds=thresholds),
    "rate-matched with an added theme": lambda codebook, folder, thresholds: load_classifier(
        str(folder["rate-matched"]), codebook=_with_added_theme(codebook), thresholds=thresholds),
    "shipped lr-v1": lambda codebook, folder, thresholds: load_classifier("lr-v1", codebook=codebook,
                                                                          thresholds=thresholds),
    "lr-v1 with an added theme": lambda codebook, folder, thresholds: load_classifier(
        "lr-v1", codebook=_with_added_theme(codebook), thresholds=thresholds),
    "keyword stand-in plug-in": lambda codebook, folder, thresholds: load_classifier(
        "keyword-stand-in", codebook=codebook, thresholds=thresholds),
}


@pytest.fixture(scope="module", params=list(BUILDS))
def build(request, codebook, tiny_model_folder, tiny_rate_matched_folder):
    make = BUILDS[request.param]
    folders = {"stacked": tiny_model_folder, "rate-matched": tiny_rate_matched_folder}
    return lambda thresholds=None: make(codebook, folders, thresholds)


@pytest.fixture(scope="module")
def classifier(build):
    return build()


def test_every_classifier_is_a_theme_classifier(classifier):
    assert isinstance(classifier, ThemeClassifier)


def test_tag_gives_every_codebook_theme_in_order_with_a_probability(classifier):
    tags = classifier.tag(_documents()[0])
    assert [t.theme_id for t in tags] == classifier.codebook.ids
    assert all(0.0 <= t.score <= 1.0 for t in tags)
    assert all(t.band in ("present", "possible", "absent") for t in tags)


def test_tag_documents_equals_tag_per_document(classifier):
    documents = _documents()
    batched = classifier.tag_documents(documents)
    assert len(batched) == len(documents)
    for passages, tags in zip(documents, batched):
        one = classifier.tag(passages)
        assert [(t.theme_id, t.present, t.band) for t in tags] == [(t.theme_id, t.present, t.band) for t in one]
        # Batched encoding pads sentences with other documents' sentences: in bf16 that moves a vector by
        # float noise (a probability by up to ~4e-4 here), never by more.
        assert [t.score for t in tags] == pytest.approx([t.score for t in one], abs=2e-3)


def test_fingerprint_is_stable_and_follows_the_thresholds(classifier, build):
    assert isinstance(classifier.fingerprint, str) and len(classifier.fingerprint) == 64
    assert build().fingerprint == classifier.fingerprint  # the same classifier built again
    theme = classifier.codebook.ids[0]
    assert build({theme: 0.987}).fingerprint != classifier.fingerprint


def test_describe_is_json_serialisable(classifier):
    info = classifier.describe()
    assert isinstance(info, dict) and info.get("kind")
    assert json.loads(json.dumps(info, allow_nan=False))["kind"] == info["kind"]  # strict JSON: no NaN, no objects


def test_an_old_model_format_is_refused_with_a_clear_error(tmp_path, tiny_model_folder):
    import shutil

    from practice_themes.classify.persistence import METADATA_FILE, ModelLoadError

    old = tmp_path / "old-model"
    shutil.copytree(tiny_model_folder, old)
    metadata = json.loads((old / METADATA_FILE).read_text())
    metadata["format_version"] = 2
    (old / METADATA_FILE).write_text(json.dumps(metadata))
    with pytest.raises(ModelLoadError, match=r"format_version 2 is an older format.*Retrain the model"):
        load_classifier(str(old))


def test_a_classifier_takes_the_embedder_it_is_given(codebook):
    """The embedder is passed in, not reached for: a fake one decides every vector."""
    from practice_themes.classify.zeroshot import ZeroShotClassifier
    from practice_themes.embed import DIMENSION, Embedder

    class FakeEmbedder(Embedder):
        def __init__(self):
            super().__init__()
            self.calls = 0

        def encode(self, texts):
            self.calls += 1
            rng = np.random.default_rng(len(texts))
            vectors = rng.normal(size=(len(texts), DIMENSION)).astype(np.float32)
            return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)

    fake = FakeEmbedder()
    classifier = ZeroShotClassifier(codebook, embedder=fake).fit()
    assert classifier.embedder_ is fake and fake.encoder_ is None  # the real encoder was never loaded
    before = fake.calls
    assert len(classifier.tag(_documents()[0])) == len(codebook)
    assert fake.calls > before


def test_an_installed_entry_point_is_a_classifier_by_name(monkeypatch, codebook):
    """A distribution's ``practice_themes.classifiers`` entry point is found by name, loaded only when asked."""
    from importlib.metadata import EntryPoint

    import practice_themes.classify.loader as loader

    point = EntryPoint("installed-keywords", "stand_ins:keyword_classifier", loader.ENTRY_POINT_GROUP)
    monkeypatch.setattr("importlib.metadata.entry_points",
                        lambda group=None: [point] if group == loader.ENTRY_POINT_GROUP else [])
    monkeypatch.setenv(loader.PLUGINS_ENV, "")
    classifier = load_classifier("installed-keywords", codebook=codebook, thresholds={codebook.ids[0]: 0.9})
    assert isinstance(classifier, ThemeClassifier) and classifier.thresholds == {codebook.ids[0]: 0.9}


def test_an_unknown_model_names_the_shipped_models_and_plug_ins():
    from practice_themes.classify.persistence import ModelLoadError

    with pytest.raises(ModelLoadError, match=r"model not found: nonesuch.*lr-v1.*keyword-stand-in"):
        load_classifier("nonesuch")


def test_a_plug_in_module_without_classifiers_is_refused(monkeypatch):
    from practice_themes.classify.loader import PLUGINS_ENV, ClassifierPluginError

    monkeypatch.setenv(PLUGINS_ENV, "json")  # importable, but declares no CLASSIFIERS
    with pytest.raises(ClassifierPluginError, match="'json' has no CLASSIFIERS dict"):
        load_classifier("keyword-stand-in")


def test_a_plug_in_that_builds_no_theme_classifier_is_refused_by_name(monkeypatch, codebook):
    # The store and the screen read .fingerprint and .describe() directly; a plug-in lacking them
    # used to get a fingerprint made up from its attributes, and failed later at describe().
    import sys
    import types

    import practice_themes.classify.loader as loader

    module = types.ModuleType("half_made_plugins")
    module.CLASSIFIERS = {"half-made": lambda codebook, **settings: types.SimpleNamespace(codebook=codebook)}
    monkeypatch.setitem(sys.modules, "half_made_plugins", module)
    monkeypatch.setenv(loader.PLUGINS_ENV, "half_made_plugins")
    with pytest.raises(loader.ClassifierPluginError, match="'half-made' built a SimpleNamespace, which lacks tag, "
                                                           "tag_documents, fingerprint, describe"):
        load_classifier("half-made", codebook=codebook)
