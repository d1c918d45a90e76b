"""The decision rule: per-theme thresholds shrunk towards a prior, and the adult-subject rule."""

from __future__ import annotations

import numpy as np
import pytest

from practice_themes.classify.subject import is_adult_subject, stated_ages
from practice_themes.classify.thresholds import ShrunkThresholds, best_threshold, f1_score


def _separable(n_pos: int, n_neg: int, cut: float) -> tuple[np.ndarray, np.ndarray]:
    """Positives just above ``cut``, negatives just below it."""
    probability = np.r_[np.full(n_pos, cut + 0.01), np.full(n_neg, cut - 0.05)]
    truth = np.r_[np.ones(n_pos, bool), np.zeros(n_neg, bool)]
    return probability[:, None], truth[:, None]


def test_best_threshold_is_none_without_a_positive():
    assert best_threshold(np.zeros(5, bool), np.linspace(0, 1, 5)) is None


def test_f1_score_of_nothing_found_and_nothing_to_find_is_zero():
    assert f1_score(np.zeros(3, bool), np.zeros(3, bool)) == 0.0


def test_a_theme_with_many_positives_moves_to_its_own_cut():
    probability, truth = _separable(200, 200, 0.1)
    fit = ShrunkThresholds(strength=10).fit(probability, truth, ["t"], prior=0.5)
    assert fit.own_["t"] == pytest.approx(0.1, abs=0.03)
    assert fit.thresholds_["t"] < 0.15
    assert fit.weights_["t"] == pytest.approx(200 / 210, abs=1e-3)


def test_a_theme_with_few_positives_stays_near_the_prior():
    probability, truth = _separable(2, 50, 0.1)
    fit = ShrunkThresholds(strength=20).fit(probability, truth, ["t"], prior=0.5)
    assert 0.35 < fit.thresholds_["t"] < 0.5


def test_a_theme_with_no_positive_keeps_the_prior_exactly():
    fit = ShrunkThresholds(strength=5).fit(np.full((10, 1), 0.9), np.zeros((10, 1), bool), ["t"],
                                           prior={"t": 0.42})
    assert fit.thresholds_["t"] == pytest.approx(0.42) and fit.own_["t"] is None


def test_strength_zero_is_the_unshrunk_f1_best_cut():
    probability, truth = _separable(3, 30, 0.2)
    fit = ShrunkThresholds(strength=0).fit(probability, truth, ["t"], prior=0.9)
    assert fit.thresholds_["t"] == pytest.approx(fit.own_["t"], abs=1e-3)


def test_predict_applies_each_themes_own_threshold():
    fit = ShrunkThresholds(strength=0)
    fit.thresholds_ = {"a": 0.2, "b": 0.8}
    assert fit.predict(np.array([[0.5, 0.5]]), ["a", "b"]).tolist() == [[True, False]]


def test_mismatched_shapes_are_refused():
    with pytest.raises(ValueError, match="themes"):
        ShrunkThresholds().fit(np.zeros((3, 2)), np.zeros((3, 2), bool), ["only-one"], prior=0.3)


@pytest.mark.parametrize("text, ages", [
    ("The investigation into the death of John Smith, aged 55, concluded.", [55]),
    ("A 19-year-old man was found.", [19]),
    ("She was 82 years of age.", [82]),
])
def test_stated_ages(text, ages):
    assert stated_ages(text) == ages


@pytest.mark.parametrize("text, adult", [
    ("The death of Mr A, aged 55, who had self-harmed.", True),
    ("Mr A, aged 55, lived with his baby daughter.", False),        # a child is named
    ("The death of B, aged 15, a pupil at the school.", False),     # a child's age
    ("Mother, aged 24, and the child, aged 2, lived together.", False),
    ("The young person had self-harmed repeatedly.", False),       # no age stated: left alone
    ("No age is given anywhere in this report.", False),
    ("I commenced an investigation into the death of Mr Dean Smith.", True),   # no age, but a title
    ("The deceased's wife could not reach the prison.", True),
    ("I commenced an investigation into the death of Miss Daisy Jones.", False),  # girls are "Miss" too
    ("This serious case review concerns the household of Mr and Mrs B.", False),
    ("Child D lived with Mr E, her mother's partner.", False),
    ("Mr A, aged 15, attended college.", False),                    # a stated age wins over the title
    ("The death of Mr C. The boy had been excluded from school.", False),  # no age: any child word vetoes
])
def test_adult_subject(text, adult):
    assert is_adult_subject([text]) is adult


def test_adult_subject_without_an_age_is_read_from_the_opening_passages_only():
    # In a child review a parent's title turns up somewhere; only the passages that introduce
    # the subject can make a report with no stated age about an adult.
    body = ["The review was commissioned in May.", "The school raised concerns.", "A referral followed.",
            "Mr B, the father, was not seen."]
    assert is_adult_subject(body) is False
    assert is_adult_subject(["The death of Mr B was reported to me."] + body) is True


@pytest.mark.slow
def test_adult_subject_damps_child_only_themes_not_practice_themes():
    from practice_themes.classify.zeroshot import ZeroShotClassifier
    from practice_themes.codebook import load_codebook
    from practice_themes.types import Passage

    codebook = load_codebook()
    text = ("The deceased, aged 47, had a long history of self-harm and suicidal thoughts. "
            "The hospital did not share the discharge letter with his GP.")
    passages = [Passage(doc_id="d", page=1, start=0, end=len(text), text=text, paragraph=0, passage_id=0)]
    on = ZeroShotClassifier(codebook, calibrated=False).fit().score_passages(passages)[0]
    off = ZeroShotClassifier(codebook, calibrated=False, adult_subject_factor=1.0).fit().score_passages(passages)[0]
    adolescent, sharing = codebook.ids.index("adolescent_risk"), codebook.ids.index("information_sharing")
    assert on[adolescent] == pytest.approx(0.2 * off[adolescent])
    assert on[sharing] == pytest.approx(off[sharing])


@pytest.mark.slow
def test_default_classifier_uses_the_shipped_per_theme_thresholds_unless_overridden():
    from practice_themes.classify import load_classifier
    from practice_themes.classify.zeroshot import ZERO_SHOT_THRESHOLD, shipped_thresholds

    shipped = shipped_thresholds()
    assert shipped, "models/zero-shot-thresholds.json is missing"
    default = load_classifier().theme_thresholds
    assert default == {t: shipped.get(t, ZERO_SHOT_THRESHOLD) for t in default}
    assert len(set(default.values())) > 1
    overridden = load_classifier(thresholds={"neglect": 0.9}).theme_thresholds
    assert overridden["neglect"] == 0.9 and overridden["information_sharing"] == shipped["information_sharing"]


@pytest.mark.slow
def test_the_default_reports_each_themes_calibrated_probability_and_its_thresholds_go_with_it():
    # Before, one global calibration served every theme, so management oversight was "present" at 5%.
    from practice_themes.classify import load_classifier
    from practice_themes.classify.zeroshot import (ZERO_SHOT_CALIBRATION, ZERO_SHOT_THRESHOLD, ZeroShotClassifier,
                                                  shipped_calibration)
    from practice_themes.codebook import load_codebook

    codebook = load_codebook()
    rows = shipped_calibration()
    default = load_classifier()
    np.testing.assert_allclose(default.document_calibration(), [rows[t] for t in codebook.ids])
    assert len({tuple(r) for r in rows.values()}) > 1
    # Without the shipped file's calibrations, none of its thresholds either: they are on their scale.
    for other in (ZeroShotClassifier(codebook, calibrated=False).fit(),
                  ZeroShotClassifier(codebook, calibration=(2.0, 0.0)).fit()):
        assert set(other.theme_thresholds.values()) == {ZERO_SHOT_THRESHOLD}
        assert {tuple(r) for r in other.document_calibration()} == {tuple(other.calibration)}
    assert tuple(ZeroShotClassifier(codebook, calibrated=False).fit().calibration) == ZERO_SHOT_CALIBRATION


def test_a_document_coded_with_no_theme_present_is_kept_as_negative_for_every_theme(tmp_path):
    # Regression: training dropped documents whose coding had no present = 1 row, biasing thresholds up.
    from practice_themes.classify.training import read_annotations
    from practice_themes.codebook import load_codebook

    ids = load_codebook().ids
    sheet = tmp_path / "coding.csv"
    rows = ["doc_id,coder,theme,present,quote", "r1,ann,neglect,1,", "r1,ann,domestic_abuse,0,",
            "r2,ann,neglect,0,", "r2,ann,domestic_abuse,0,"]
    sheet.write_text("\n".join(rows) + "\n", encoding="utf-8")
    coding = read_annotations(sheet, ids, coder="ann")
    assert coding.doc_ids == ["r1", "r2"]
    assert coding.doc_themes["r2"] == set()
    assert coding.doc_themes["r1"] == {"neglect"}
