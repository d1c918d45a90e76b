"""Document aggregation, bands, threshold overrides and section weights."""

import numpy as np
import pytest

from practice_themes.classify.aggregate import Aggregator, parse_threshold_overrides
from practice_themes.classify.sections import SECTION_WEIGHTS, is_substantive, passage_weight
from practice_themes.clean.sections import SECTION_KINDS, section_kind
from practice_themes.codebook import load_codebook
from practice_themes.types import Passage


def test_noisy_or_uses_only_the_top_k_passages():
    scores = np.array([[0.5], [0.5], [0.5], [0.5], [0.0]])
    assert Aggregator(top_k=3).noisy_or(scores)[0] == pytest.approx(1 - 0.5 ** 3)
    assert Aggregator(top_k=1).noisy_or(scores)[0] == pytest.approx(0.5)
    assert Aggregator().noisy_or(np.zeros((0, 2))).tolist() == [0.0, 0.0]


def test_bands_and_evidence_order_are_deterministic():
    codebook = load_codebook()
    passages = [Passage("d", page=i + 1, start=i * 10, end=i * 10 + 9, text=f"s{i}") for i in range(4)]
    scores = np.zeros((4, len(codebook)))
    scores[:, 0] = [0.3, 0.9, 0.9, 0.1]
    scores[:, 1] = [0.36, 0.0, 0.0, 0.0]
    tags = Aggregator(top_k=3, margin=0.15).tags(passages, scores, codebook, {codebook.ids[1]: 0.5})
    assert [e.passage.page for e in tags[0].evidence] == [2, 3, 1]  # ties broken by position
    assert tags[0].band == "present" and tags[0].present
    assert tags[1].band == "possible" and not tags[1].present and tags[1].evidence
    assert tags[2].band == "absent" and tags[2].evidence == []


def test_a_present_tag_whose_sentences_are_all_weak_still_shows_them():
    # Regression: with management oversight's cut at 0.02, 38 of 188 present tags on pfd_dev had no
    # evidence at all and the coder's quote was among the shown sentences for 63 of 139 correct tags
    # (86 in the top 3), because sentences under the 0.2 evidence floor were hidden.
    codebook = load_codebook()
    passages = [Passage("d", page=i + 1, start=i * 10, end=i * 10 + 9, text=f"sentence number {i}")
                for i in range(4)]
    scores = np.zeros((4, len(codebook)))
    scores[:, 0] = [0.05, 0.12, 0.08, 0.0]
    scores[:, 1] = [0.05, 0.12, 0.08, 0.0]
    thresholds = {codebook.ids[0]: 0.02, codebook.ids[1]: 0.15}
    tags = Aggregator(top_k=3, margin=0.15).tags(passages, scores, codebook, thresholds, probabilities=np.r_[
        0.1, 0.1, np.zeros(len(codebook) - 2)])
    assert tags[0].present and [(e.passage.page, e.score) for e in tags[0].evidence] == [(2, 0.12), (3, 0.08),
                                                                                         (1, 0.05)]
    assert tags[1].band == "possible" and tags[1].evidence == []  # only a present tag drops the floor


def test_a_present_tag_does_not_quote_a_sentence_far_weaker_than_its_best():
    # The Panel's 2020 report, screened: information sharing present on a sentence at 0.82, and its third
    # quote was a line of agency names at 0.007.
    codebook = load_codebook()
    passages = [Passage("d", page=1, start=i * 10, end=i * 10 + 9, text=f"sentence number {i}") for i in range(3)]
    scores = np.zeros((3, len(codebook)))
    scores[:, 0] = [0.82, 0.05, 0.007]
    tags = Aggregator().tags(passages, scores, codebook, {codebook.ids[0]: 0.02},
                             probabilities=np.r_[0.5, np.zeros(len(codebook) - 1)])
    assert [e.score for e in tags[0].evidence] == [0.82, 0.05]


def test_a_repeated_sentence_is_quoted_once():
    # A coroner's "No ambulance was sent." followed later by "As such, no ambulance was sent." filled
    # two of a tag's three quote slots with the same statement.
    codebook = load_codebook()
    texts = ["No ambulance was sent.", "As such, no ambulance was sent.", "The call was not logged.",
             "No ambulance was sent.", "The handover was late."]
    passages = [Passage("d", i + 1, i * 40, i * 40 + len(t), t) for i, t in enumerate(texts)]
    scores = np.zeros((5, len(codebook)))
    scores[:, 0] = [0.9, 0.8, 0.7, 0.9, 0.6]
    tags = Aggregator(n_evidence=3).tags(passages, scores, codebook, {})
    assert [e.passage.text for e in tags[0].evidence] == ["No ambulance was sent.", "The call was not logged.",
                                                          "The handover was late."]


def test_evidence_is_ranked_by_its_own_scores_when_given():
    codebook = load_codebook()
    passages = [Passage("d", page=i + 1, start=i * 10, end=i * 10 + 9, text=f"s{i}") for i in range(3)]
    decided = np.zeros((3, len(codebook)))
    decided[:, 0] = [0.9, 0.5, 0.3]
    own = decided.copy()
    own[:, 0] = [0.3, 0.6, 0.9]
    tags = Aggregator(top_k=3).tags(passages, decided, codebook, {}, evidence_scores=own)
    assert tags[0].score == pytest.approx(1 - 0.1 * 0.5 * 0.7)  # the decision pools the decided scores
    assert [e.passage.page for e in tags[0].evidence] == [3, 2, 1]


def test_threshold_overrides_theme_beats_global_whatever_the_order():
    ids = ["a", "b"]
    assert parse_threshold_overrides(["a=0.3", "0.6"], ids) == {"a": 0.3, "b": 0.6}
    with pytest.raises(ValueError, match="unknown theme 'c'"):
        parse_threshold_overrides(["c=0.3"], ids)
    with pytest.raises(ValueError, match="between 0 and 1"):
        parse_threshold_overrides(["1.5"], ids)


def test_section_weights_favour_findings_and_skip_contents():
    def weight(section, region="body"):
        return passage_weight(Passage("d", 1, 0, 1, "x", section=section, region=region,
                                      section_kind=section_kind(section)))

    assert section_kind("5. Findings") == "findings"
    assert weight("Findings") > weight("Recommendations") > 0
    assert weight("Findings") > weight("Terms of reference")
    assert weight("Findings", region="references") == 0.0
    assert weight("6. What went well") < weight("5. Analysis")  # good practice is not a failing
    assert weight("9. Glossary") == 0.0
    assert not is_substantive("Contents ........ 12")
    assert not is_substantive("GP")
    assert is_substantive("The health visitor did not share the concern with the GP.")


# Headings that produce each kind: every weight must be reachable from cleaning's vocabulary.
HEADING_OF_KIND = {
    "findings": "5. Findings", "analysis": "Analysis of practice", "chronology": "Chronology of key events",
    "background": "1. Case summary", "introduction": "Introduction", "summary": "Executive summary",
    "conclusion": "Conclusions", "good_practice": "What went well", "methodology": "Methodology",
    "recommendations": "Recommendations", "terms_of_reference": "Terms of reference", "glossary": "Glossary",
    "contents": "Contents", "references": "References", "other": "Daily life at school",
}


def test_every_section_weight_is_reachable_from_one_vocabulary():
    # Two vocabularies left "practice", "summary" and "conclusions" weighted but never assigned,
    # and "Summary" came out as introduction (0.6).
    assert set(SECTION_WEIGHTS) == set(SECTION_KINDS) == set(HEADING_OF_KIND)
    assert {kind: section_kind(heading) for kind, heading in HEADING_OF_KIND.items()} == {k: k for k in HEADING_OF_KIND}
    assert section_kind("Summary") == "summary" and section_kind("Overview") == "summary"


def test_cleaning_labels_the_passage_and_classify_reads_only_the_label():
    from practice_themes.clean import clean_document
    from practice_themes.ingest.text import document_from_text
    from practice_themes.segment import segment_document

    text = "# Summary\n\nThe family moved.\n\n# Findings\n\nNo one asked."
    doc = clean_document(document_from_text(text, doc_id="d", source_path="d.md", markdown=True))
    passages = segment_document(doc)
    assert [(p.section, p.section_kind) for p in passages] == [("Summary", "summary"), ("Findings", "findings")]
    relabelled = Passage("d", 1, 0, 1, "x", section="Findings", section_kind="recommendations")
    assert passage_weight(relabelled) == SECTION_WEIGHTS["recommendations"]
    # Passages stored before the label existed, and plain text, weigh as "other".
    assert passage_weight(Passage("d", 1, 0, 1, "x", section="Findings")) == SECTION_WEIGHTS["other"]


def test_one_paragraph_counts_once_so_a_theme_needs_corroboration():
    # Three strong sentences in one paragraph vs one strong sentence in each of three paragraphs.
    scores = np.array([[0.9], [0.9], [0.9], [0.0], [0.0], [0.0]])
    pooled = Aggregator(top_k=3, rule="mean", distinct_paragraphs=True)
    assert pooled.pool(scores, [0, 0, 0, 1, 2, 3])[0] == pytest.approx(0.3)
    assert pooled.pool(scores, [0, 1, 2, 3, 4, 5])[0] == pytest.approx(0.9)
    assert Aggregator(top_k=3, rule="mean").pool(scores, [0, 0, 0, 1, 2, 3])[0] == pytest.approx(0.9)


def test_a_text_of_top_k_paragraphs_or_fewer_pools_its_best_sentences():
    # A coroner's report read from a table is three paragraphs (investigation, circumstances,
    # concerns): one passage per paragraph always counted the formal opening, which names no theme.
    # A one-paragraph excerpt was judged on its best sentence alone, on another scale than the rest.
    pooled = Aggregator(top_k=3, rule="mean", distinct_paragraphs=True)
    report = np.array([[0.0], [0.9], [0.3], [0.9], [0.6]])
    assert pooled.pool(report, [0, 1, 1, 2, 2])[0] == pytest.approx(0.8)   # not (0 + 0.9 + 0.9) / 3
    excerpt = np.array([[0.9], [0.3], [0.0]])
    assert pooled.pool(excerpt, [0, 0, 0])[0] == pytest.approx(0.4)        # not 0.9


def test_a_best_only_theme_is_its_best_passage_not_the_mean_of_three():
    # A report states a child's ADHD diagnosis once; averaged with two unrelated sentences it scored a
    # third of itself and fell under every cut (disability tagged in 1 of 5 coded pfd_dev reports).
    scores = np.array([[0.9, 0.9], [0.0, 0.0], [0.0, 0.0], [0.3, 0.3]])
    paragraphs = [0, 1, 2, 3]
    pooled = Aggregator(top_k=3, rule="mean", distinct_paragraphs=True, best_only=(1,)).pool(scores, paragraphs)
    assert pooled.tolist() == pytest.approx([0.4, 0.9])
    assert Aggregator(top_k=3, rule="noisy_or", best_only=(0,)).pool(scores)[0] == pytest.approx(0.9)


def test_the_codebook_pool_field_reaches_the_zero_shot_aggregator():
    from practice_themes.classify.zeroshot import ZeroShotClassifier
    from practice_themes.codebook import load_codebook

    codebook = load_codebook()
    classifier = ZeroShotClassifier(codebook).fit()
    assert classifier.aggregator_.best_only == (codebook.ids.index("disability"),)


def test_floor_drops_passing_mentions_and_short_texts_pool_what_they_have():
    scores = np.array([[0.8, 0.05], [0.6, 0.05]])
    assert Aggregator(top_k=3, rule="mean", floor=0.1).pool(scores).tolist() == pytest.approx([0.7, 0.0])
    with pytest.raises(ValueError, match="unknown aggregation rule"):
        Aggregator(rule="max").pool(scores)


def test_theme_competition_keeps_the_best_theme_and_shrinks_the_rest():
    from practice_themes.classify.zeroshot import ZeroShotClassifier

    classifier = ZeroShotClassifier(load_codebook(), competition=1.0)
    factor = classifier._competition(np.array([[4.0, 3.0, 1.0], [0.0, 0.0, 0.0]]))
    assert factor[0].tolist() == pytest.approx([1.0, np.exp(-1.0), np.exp(-3.0)])
    assert factor[1].tolist() == pytest.approx([1.0, 1.0, 1.0])  # a tie keeps both


def test_a_low_threshold_does_not_make_every_document_possible():
    # screen listed "possible: Return home and later children 0%": with a cut of 0.03 the margin of 0.15
    # reached below zero, so every probability, 0 included, fell in the "possible" band.
    aggregator = Aggregator(margin=0.15)
    assert aggregator.band(0.0, 0.03) == "absent"
    assert aggregator.band(0.02, 0.03) == "possible"
    assert aggregator.band(0.01, 0.03) == "absent"
    assert aggregator.band(0.20, 0.32) == "possible"  # a usual cut keeps the full margin
    assert aggregator.band(0.16, 0.32) == "absent"


def test_evidence_is_each_sentence_own_score_not_borrowed_or_outcompeted():
    # On pfd_dev the coder's quote was ranked 4th or lower behind neighbours that had only borrowed
    # from a strong sentence, or lost to theme competition; ranking by each sentence's own score put
    # it in the top 3 for 83 of 136 correct tags, against 78 (benchmarks/accuracy.py).
    from practice_themes.classify.zeroshot import ZeroShotClassifier

    codebook = load_codebook()
    text = ["The school did not pass the disclosure to children's social care.",
            "The family moved to a new flat in the spring.",
            "Nobody told the GP that the child had been seen with bruises."]
    passages = [Passage("d", 1, i * 80, i * 80 + len(t), t, paragraph=0) for i, t in enumerate(text)]
    j = codebook.ids.index("information_sharing")
    plain = ZeroShotClassifier(codebook, competition=0.0, window=0.0).fit().analyse(passages)
    np.testing.assert_allclose(plain.evidence, plain.scores)  # one reading when neither mechanism is on
    analysis = ZeroShotClassifier(codebook).fit().analyse(passages)
    np.testing.assert_allclose(analysis.evidence, plain.evidence)
    assert analysis.scores[1, j] > analysis.evidence[1, j]  # the moving sentence borrowed from its neighbours
