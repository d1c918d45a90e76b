"""The classifiers ``practice-themes train`` can fit from coded documents, by ``--method`` name.

``rate-matched`` (the default): the default classifier's scores, each theme's
cut matched to its coded rate (``rate_matched.RateMatchedClassifier``).
``stacked``: one logistic regression over theme-agnostic document evidence
(``supervised.TrainedClassifier``). ``benchmarks/annotation_loop.py`` compares
the two on real reports.
"""

from __future__ import annotations

from practice_themes.classify.rate_matched import RateMatchedClassifier
from practice_themes.classify.supervised import TrainedClassifier
from practice_themes.errors import SettingError
from practice_themes.types import Passage

TRAINING_METHODS = {"rate-matched": RateMatchedClassifier, "stacked": TrainedClassifier}
DEFAULT_METHOD = "rate-matched"


def training_method(name: str) -> type:
    """The classifier class ``train --method NAME`` fits."""
    if name not in TRAINING_METHODS:
        raise SettingError(f"--method {name!r}: unknown training method; known: {', '.join(TRAINING_METHODS)}")
    return TRAINING_METHODS[name]


def make_fit_predict(texts, theme_ids: list[str], *, gold=None, seed: int = 0, method: str = DEFAULT_METHOD,
                     **settings):
    """The learning-curve hook: ``fit_predict(train_ids, test_ids) -> DataFrame`` of 0/1 predictions.

    ``texts`` maps doc_id to the document's text; ``gold`` is the doc x theme
    0/1 frame of human coding (NaN = not coded); ``method`` names the classifier ``train`` would fit
    (``TRAINING_METHODS``), which learns from document labels alone, so no quotes are needed. Themes outside
    the codebook predict 0. ``seed`` is accepted for the harness; training is deterministic.
    """
    import pandas as pd

    from practice_themes.segment import segment_text as passages_from_text
    from practice_themes.classify.training import Coding, label_passages
    from practice_themes.codebook import load_codebook

    if gold is None:
        raise TypeError("make_fit_predict needs gold=<doc x theme 0/1 DataFrame> to train from")
    trainer = training_method(method)
    codebook = settings.pop("codebook", None) or load_codebook()
    ids = codebook.ids
    doc_themes = {str(d): {t for t in gold.columns if t in ids and row.get(t) == 1}
                  for d, row in gold.iterrows()}
    coding = Coding(quotes={}, doc_themes=doc_themes)
    passages: dict[str, list[Passage]] = {}

    def labelled(doc_id: str):
        if doc_id not in texts:
            raise KeyError(f"no text for document {doc_id!r}")
        if doc_id not in passages:
            passages[doc_id] = passages_from_text(texts[doc_id], doc_id=doc_id)
        return label_passages(doc_id, passages[doc_id], coding, ids)

    def fit_predict(train_ids: list[str], test_ids: list[str]) -> "pd.DataFrame":
        model = trainer(codebook, **settings).fit([labelled(d) for d in train_ids])
        rows = {d: {t.theme_id: int(t.present) for t in model.tag(labelled(d).passages)} for d in test_ids}
        return pd.DataFrame.from_dict(rows, orient="index").reindex(columns=list(theme_ids), fill_value=0)

    return fit_predict
