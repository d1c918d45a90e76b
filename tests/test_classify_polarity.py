"""Polarity: negated concerns, good practice and hedges are not evidence of a theme."""

import numpy as np
import pytest

from practice_themes.classify.lexical import LexicalMatcher
from practice_themes.segment import segment_text as passages_from_text

# ``codebook`` and ``zero_shot`` are session fixtures from conftest.py.


def score(classifier, text, theme):
    passages = passages_from_text(text)
    return float(classifier.score_passages(passages)[:, classifier.codebook.ids.index(theme)].max())


def test_absence_scope_covers_the_negated_clause_only(codebook):
    found = LexicalMatcher(codebook).analyse([
        "There were no concerns about domestic abuse in the household, but mother was depressed.",
        "There was no assessment of the father.",
        "Neither parent had any history of offending.",
        "The family was not known to children's social care.",
    ])
    assert found.absence.tolist() == [True, False, True, True]
    assert "domestic abuse" not in found.residual[0] and "depressed" in found.residual[0]
    assert found.residual[1] is None


@pytest.mark.slow
@pytest.mark.parametrize("negated, affirmed, theme", [
    ("There were no concerns about domestic abuse in the household.",
     "Police were called after father assaulted mother in front of the children.", "domestic_abuse"),
    ("There was no evidence of neglect; the home was clean and the children well fed.",
     "The home was filthy, there was no food and the children were often left unwashed.", "neglect"),
    ("Neither parent had any history of offending.",
     "Mother's new partner had convictions for violence that nobody checked.", "offender_history"),
])
def test_negated_concern_scores_far_below_the_affirmed_one(zero_shot, negated, affirmed, theme):
    assert score(zero_shot, negated, theme) < 0.5 * score(zero_shot, affirmed, theme)
    assert score(zero_shot, negated, theme) < 0.3


@pytest.mark.slow
@pytest.mark.parametrize("praise, failure, theme", [
    ("Information was shared promptly between agencies.",
     "The GP did not share the information about the injury with children's social care.", "information_sharing"),
    ("This was a good example of the child being seen alone and her views recorded.",
     "The child was never seen alone and her views were not sought.", "voice_of_child"),
])
def test_good_practice_is_not_evidence_of_the_practice_theme(zero_shot, praise, failure, theme):
    assert score(zero_shot, praise, theme) < 0.5 * score(zero_shot, failure, theme)


@pytest.mark.slow
def test_a_hedge_weakens_but_does_not_erase(zero_shot):
    plain = score(zero_shot, "Father had relapsed into heroin use.", "parental_substance_misuse")
    hedged = score(zero_shot, "Father may have relapsed into heroin use.", "parental_substance_misuse")
    assert 0.5 * plain < hedged < plain


@pytest.mark.slow
def test_a_described_situation_counts_without_any_keyword(zero_shot):
    text = "Mother said the father had moved out, yet his van was seen outside most nights."
    scores = zero_shot.score_passages(passages_from_text(text))[0]
    ids = zero_shot.codebook.ids
    assert ids[int(np.argmax(scores))] == "invisible_men"


@pytest.mark.slow
def test_a_bare_keyword_is_weak_evidence(zero_shot):
    bare = score(zero_shot, "Escalation.", "escalation")
    described = score(zero_shot, "The school disagreed with closing the case but never challenged the decision.",
                      "escalation")
    assert bare < described


def test_anchors_find_a_young_persons_age_in_words_and_digits(codebook):
    j = codebook.ids.index("adolescent_risk")
    found = LexicalMatcher(codebook).analyse([
        "The fifteen-year-old had stopped going to school.",
        "She was aged 14 when she first went missing.",
        "Mother's depression worsened after the birth.",
        "He told the school nurse he had self-harmed.",  # a cue anchors its theme too
    ])
    assert found.anchors[:, j].tolist() == [True, True, False, True]


@pytest.mark.slow
def test_a_parents_overdose_is_not_adolescent_risk(zero_shot):
    # Regression: adolescent_risk fired on parents' overdoses and young children's distress in
    # 15 of 16 dev reviews that were not coded with it; its anchors now ask for a young person.
    tail = ("could not get out of bed for weeks at a time, missed the counselling sessions she had been "
            "offered, and in the spring took an overdose.")
    parent = "Ms B had been severely depressed since her husband died. She " + tail
    young = "The fifteen-year-old had been severely depressed since her father died. She " + tail
    assert score(zero_shot, parent, "adolescent_risk") < 0.3  # 0.82 before anchors
    assert score(zero_shot, young, "adolescent_risk") > 0.6


@pytest.mark.slow
def test_anchor_gating_does_not_touch_themes_without_anchors(codebook):
    from practice_themes.classify.zeroshot import ZeroShotClassifier

    text = "Mother said the father had moved out, yet his van was seen outside most nights."
    gated = ZeroShotClassifier(codebook).fit()
    ungated = ZeroShotClassifier(codebook, anchor_factor=1.0).fit()
    for theme in ("invisible_men", "disguised_compliance"):
        assert not codebook[theme].anchors
        assert score(gated, text, theme) == pytest.approx(score(ungated, text, theme))


def test_post_triggers_negate_the_concern_that_comes_before_them(codebook):
    # Regression: "was not a factor" was a forward trigger, so in "Domestic abuse was not a factor"
    # the cue before it stayed affirmative; NegEx-style post-triggers scope back to the clause start.
    found = LexicalMatcher(codebook).analyse([
        "Domestic abuse was not a factor.",
        "Neglect and substance misuse, listed in the template, were considered and were not present.",
        "There had been no domestic abuse reported between the parents.",
        "The injury was not identified by the GP.",
        "There had been no assessment of the father.",
    ])
    da, sm = codebook.ids.index("domestic_abuse"), codebook.ids.index("parental_substance_misuse")
    assert found.absence.tolist() == [True, True, True, False, False]
    assert found.cues[0, da] == 0 and found.negated_cues[0, da] == 1
    assert found.cues[1, sm] == 0 and found.negated_cues[1, sm] == 1
    assert found.cues[2, da] == 0


def test_a_clinical_finding_of_no_injury_negates_the_injury(codebook):
    # Regression (r25): "The post-mortem and skeletal survey found no injury of any kind." counted as
    # evidence of infant_injury. "found no" negates a clinical finding only: the reviewer finding
    # no record of a conversation is a practice failure, not an absent concern.
    found = LexicalMatcher(codebook).analyse([
        "The post-mortem and skeletal survey found no injury of any kind.",
        "The skeletal survey showed no fractures and there was no bruising.",
        "The reviewer found no record that anyone asked what it was like for him at home.",
        "The audit found no evidence that the written agreement was ever reviewed.",
    ])
    assert found.absence.tolist() == [True, True, False, False]
    assert found.residual[0] is not None and "injury" not in found.residual[0]
    assert found.residual[2] is None and found.residual[3] is None  # nothing cut out of either


def test_a_death_with_no_suspicious_circumstances_is_an_absence_not_a_failing(codebook):
    # Regression: the coroner's "There were no suspicious circumstances and there was no third party
    # involvement" has the shape of "There was no policy ..." and scored 0.71 for management
    # oversight, quoted as its evidence. The non-event is an absence scope, like "no concerns".
    found = LexicalMatcher(codebook).analyse([
        "There were no suspicious circumstances and there was no third party involvement.",
        "Police enquiries revealed no suspicious circumstances or third-party involvement in the death.",
        "There was no policy setting out what staff should do.",
    ])
    assert found.absence.tolist() == [True, True, False]
    assert "suspicious" not in found.residual[0] and "suspicious" not in found.residual[1]


@pytest.mark.slow
def test_no_injury_found_scores_far_below_an_injury_found(zero_shot):
    none_found = "The post-mortem and skeletal survey found no injury of any kind."
    found = "The skeletal survey found three rib fractures of different ages."
    assert score(zero_shot, none_found, "infant_injury") < 0.5 * score(zero_shot, found, "infant_injury")


@pytest.mark.slow
def test_a_concern_ruled_out_after_naming_it_scores_low(zero_shot):
    ruled_out = "Issues of neglect and parental substance misuse were considered and were not present in this case."
    affirmed = {"parental_substance_misuse": "Both parents were using heroin daily while caring for the baby.",
                "neglect": "The home was filthy, there was no food and the children were often left unwashed."}
    for theme, text in affirmed.items():
        assert score(zero_shot, ruled_out, theme) < 0.3
        assert score(zero_shot, text, theme) > 2 * score(zero_shot, ruled_out, theme)


def test_cues_match_over_lemmas_not_only_the_written_form(codebook):
    # Regression: cues matched lower-cased surface forms, with a crude plural, so "information is
    # not shared" missed the cue "information was not shared" and "self-harmed" missed "self-harm".
    found = LexicalMatcher(codebook).analyse([
        "Information is not shared between the two hospitals.",
        "She had self-harmed twice that winter.",
        "Caseloads were very high throughout the period.",
        "The escalation policies were not used.",
    ])
    ids = codebook.ids
    assert found.cues[0, ids.index("information_sharing")] >= 1
    assert found.cues[1, ids.index("adolescent_risk")] >= 1
    assert found.cues[2, ids.index("management_oversight")] >= 1
    assert found.cues[3, ids.index("escalation")] >= 1


def test_lemma_table_comes_from_the_installed_package():
    from practice_themes.classify.lexical import lemma_table

    table = lemma_table()
    assert table["shared"] == "share" and table["children"] == "child" and len(table) > 10_000
