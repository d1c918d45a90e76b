"""``benchmarks/ranking.py``'s pieces on synthetic data: out-of-fold decisions never score a report with a
model that saw it, and learn a feature that carries the codes; themes too rare for an AUC are left out."""

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))


def test_out_of_fold_decisions_learn_a_separating_feature_and_leave_other_themes_at_zero():
    from ranking import mean_auc, out_of_fold_decisions

    rng = np.random.default_rng(0)
    truth = np.zeros((60, 3), dtype=bool)
    truth[:30, 0] = True
    truth[::2, 1] = True
    features = np.column_stack([truth[:, 0] + rng.normal(0, 0.3, 60), rng.normal(size=60)])
    decided = out_of_fold_decisions(features, truth, [0, 1], C=1.0, repeats=2)
    assert mean_auc(truth, decided, [0]) > 0.95
    assert 0.2 < mean_auc(truth, decided, [1]) < 0.8  # noise stays noise out of fold
    assert not decided[:, 2].any()


def test_a_memorised_feature_does_not_leak_into_out_of_fold_decisions():
    from ranking import mean_auc, out_of_fold_decisions

    rng = np.random.default_rng(1)
    truth = (rng.random((80, 1)) < 0.5)
    ids = np.eye(80)  # one indicator per report: in fold it fits the codes perfectly, out of fold it knows nothing
    decided = out_of_fold_decisions(ids, truth, [0], C=100.0, repeats=1)
    assert mean_auc(truth, decided, [0]) < 0.7


def test_judged_themes_need_two_positives_and_two_negatives():
    from ranking import judged_themes

    truth = np.array([[1, 1, 0, 1], [1, 0, 0, 1], [0, 0, 0, 1], [0, 0, 1, 0]], dtype=bool)
    assert judged_themes(truth) == [0]


def test_tuning_pairs_come_from_the_training_reports_only_and_pair_a_quote_with_its_own_theme():
    import random
    from types import SimpleNamespace

    from ranking import tuning_pairs

    from practice_themes.codebook import load_codebook
    from practice_themes.types import Passage

    codebook = load_codebook()
    ids = codebook.ids
    texts = {"a": ["Nobody told the school about the referral.", "The weather was fine.", "He went home."],
             "b": ["This report is held out.", "Nothing here may be trained on.", "Nor here."]}
    truth = np.zeros((2, len(ids)), dtype=bool)
    truth[:, ids.index("information_sharing")] = True
    dev = SimpleNamespace(
        doc_ids=["a", "b"], truth=truth,
        quotes={("a", "information_sharing"): "Nobody told the school about the referral.",
                ("b", "information_sharing"): "This report is held out."},
        passages={d: [Passage(doc_id=d, page=1, start=0, end=len(t), text=t) for t in ts] for d, ts in texts.items()})
    pairs = tuning_pairs(dev, [0], codebook, random.Random(0))
    assert {s for s, _, _ in pairs} <= set(texts["a"])
    own = set(codebook.themes[ids.index("information_sharing")].exemplars)
    quoted = [(e, target) for s, e, target in pairs if s == texts["a"][0]]
    assert {target for e, target in quoted if e in own} == {1.0}
    assert sum(target == 1.0 for _, target in quoted) == 3 and sum(target == 0.0 for _, target in quoted) == 3
    assert all(target in (0.0, 0.3) for s, _, target in pairs if s != texts["a"][0])


def test_quoted_sentences_train_on_the_quote_and_on_uncoded_reports_but_not_a_coded_reports_other_sentences():
    from types import SimpleNamespace

    from ranking import quoted_sentences

    from practice_themes.types import Passage

    texts = {"a": ["Nobody told the school.", "The school also did not ask.", "He went home."],
             "b": ["The weather was fine.", "Nothing happened."],
             "c": ["Held out."]}
    truth = np.array([[True], [False], [True]])
    dev = SimpleNamespace(doc_ids=["a", "b", "c"], truth=truth, quotes={("a", "info"): "Nobody told the school."},
                          passages={d: [Passage(doc_id=d, page=1, start=0, end=len(t), text=t) for t in ts]
                                    for d, ts in texts.items()})
    features = {d: np.arange(len(ts), dtype=float)[:, None] + 10 * k for k, (d, ts) in enumerate(texts.items())}
    X, y = quoted_sentences(dev, [0, 1], 0, "info", features)
    # the quote (a's first sentence) is the one positive; b's two sentences are negatives; a's unquoted
    # sentences, which may be on the theme too, and the held-out report c are not used at all
    assert X[:, 0].tolist() == [0.0, 10.0, 11.0] and y.tolist() == [True, False, False]
