"""Document-level theme accuracy, real text first, every method in one run.

    .venv/bin/python benchmarks/accuracy.py [--folds 5] [--strengths 0 5 10 20 40] [--json out.json]

**(1) Real text: ``../shared/data/pfd_dev``** (100 coroners' reports nobody here
wrote, coded by two coders and a consensus; skipped when ``../shared`` is
absent). Gold = the consensus. Out of fold: the reports are split into
``--folds`` folds (grouped by report); everything learned (per-theme
thresholds, the trained model) is fitted on the other folds plus the bundled
corpus's dev reviews, and scored on the fold left out. Methods:

- keyword: ``benchmarks/keyword_baseline.yaml``, any term present.
- zero-shot, embeddings only: exemplar/definition similarity alone (no cues,
  polarity, sections, competition, anchors or subject rule), one threshold.
- zero-shot, one threshold: the full scorer with the global threshold alone.
- **default**: the full scorer with per-theme thresholds shrunk towards the
  global one (``pipeline/classify/thresholds.py``); what ``code`` runs.
- rate-matched: what ``practice-themes train`` fits by default
  (``rate_matched.py``): the default's scores, each theme's cut matched to
  its coded rate in the other folds' reports (pfd_dev only: it calibrates to
  the corpus it is given), the default's thresholds beside it fitted on the
  bundled dev reviews alone.
- stacked: ``train --method stacked`` (``supervised.py``), fitted on the other
  folds plus the bundled dev reviews, with shrunk per-theme thresholds.

Printed: macro-F1 over the themes with consensus prevalence >= 5%, micro-F1
over all themes, each such theme's kappa against the coders' kappa, the mean
number of themes per report and each theme's predicted/consensus prevalence,
the goals of issue 12, the ranking ceiling (per theme, the ROC AUC of the
default's scores and the best kappa any cut on them reaches, chosen after the
fact), the shrinkage strengths tried, and how often the
top-3 evidence sentences of a correct tag overlap the coder's quote.

**(2) The bundled corpus** (fictional reviews written and coded here): a
functional smoke test on review-shaped documents, dev (28, grouped CV for
the trained model) and held-out (4, evaluated once).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import pfd  # noqa: E402
from seedcheck import SEED_FILE, seed_ranks  # noqa: E402
from practice_themes.classify.aggregate import Aggregator  # noqa: E402
from practice_themes.classify.rate_matched import RateMatchedClassifier  # noqa: E402
from practice_themes.classify.supervised import TrainedClassifier  # noqa: E402
from practice_themes.classify.thresholds import ShrunkThresholds, f1_score  # noqa: E402
from practice_themes.classify.training import label_passages, read_annotations, _overlaps  # noqa: E402
from practice_themes.training import document_passages, find_documents, read_splits  # noqa: E402
from practice_themes.classify.zeroshot import ZERO_SHOT_STRENGTH, ZERO_SHOT_THRESHOLD, ZeroShotClassifier  # noqa: E402
from practice_themes.codebook import load_codebook  # noqa: E402
from practice_themes.embed import MODEL_NAME, default_embedder  # noqa: E402
from practice_themes.stats.metrics import binary_kappa  # noqa: E402

CACHE = ROOT / ".benchcache"  # gitignored: passages (keyed by file + stage sources) and their vectors
VECTORS = CACHE / f"vectors-{MODEL_NAME}.npz"  # sentence vectors, shared by every benchmark that embeds
SHORT = {"keyword": "keyword", "zero-shot (embeddings only)": "zs-emb", "zero-shot (one threshold)": "zs-1thr",
         "default": "default", "rate-matched": "rate-matched", "stacked": "stacked"}
MIN_PREVALENCE = 0.05


def cached_vectors():
    """The shared embedder's ``memoised`` block over ``VECTORS``: every vector remembered, and kept across runs."""
    return default_embedder().memoised(VECTORS)


def keyword_predict(texts: dict[str, str], doc_ids: list[str], ids: list[str], baseline: Path) -> np.ndarray:
    import yaml

    terms = yaml.safe_load(baseline.read_text(encoding="utf-8"))
    patterns = {t: re.compile(r"\b(?:" + "|".join(re.escape(x) for x in terms.get(t, [])) + r")\b", re.I)
                if terms.get(t) else None for t in ids}
    return np.array([[bool(patterns[t] and patterns[t].search(texts[d])) for t in ids] for d in doc_ids])


def cohen_kappa(truth: np.ndarray, predicted: np.ndarray) -> float:
    """The harness's kappa, except that identical codings count as perfect agreement even on one category."""
    # Kappa is undefined exactly when both codings use one and the same category, i.e. are identical.
    return binary_kappa(truth, predicted, zero_division=1.0)


def kappa_ceiling(truth: np.ndarray, score: np.ndarray) -> float:
    """The best kappa with ``truth`` that any cut on ``score`` reaches, the cut chosen after the fact on these
    very documents: no decision rule on these scores can do better, so a kappa goal above it asks for a
    better ranking, not better thresholds."""
    truth, score = np.asarray(truth, dtype=bool), np.asarray(score, dtype=np.float64)
    return max(cohen_kappa(truth, score >= cut) for cut in np.unique(score))


def scores_table(truth: np.ndarray, predicted: np.ndarray, ids: list[str], main: list[int] | None = None) -> dict:
    """Per-theme P/R/F1/kappa; macro-F1 over ``main`` (default: themes with a coded document)."""
    truth, predicted = truth.astype(bool), predicted.astype(bool)
    per_theme = {}
    for j, t in enumerate(ids):
        tp = int(np.sum(truth[:, j] & predicted[:, j]))
        per_theme[t] = {"p": tp / max(int(predicted[:, j].sum()), 1), "r": tp / max(int(truth[:, j].sum()), 1),
                        "f1": f1_score(truth[:, j], predicted[:, j]), "kappa": cohen_kappa(truth[:, j], predicted[:, j]),
                        "support": int(truth[:, j].sum()), "predicted": int(predicted[:, j].sum())}
    main = main if main is not None else [j for j in range(len(ids)) if truth[:, j].any()]
    return {"themes": per_theme, "macro_f1": float(np.mean([per_theme[ids[j]]["f1"] for j in main])),
            "micro_f1": f1_score(truth.ravel(), predicted.ravel()),
            "themes_per_doc": float(predicted.sum(axis=1).mean()), "main": [ids[j] for j in main]}


def print_table(title: str, results: dict[str, dict], ids: list[str], truth: np.ndarray, *, kappa_ref=None) -> None:
    print(f"\n== {title} ==")
    print(f"{'theme':24s} {'n':>3s} " + " ".join(f"{SHORT[m]:>16s}" for m in results)
          + ("   coders' kappa" if kappa_ref else ""))
    print(f"{'':24s} {'':>3s} " + " ".join(f"{'F1  kappa prev':>16s}" for _ in results))
    first = next(iter(results.values()))
    for t in (first["main"] if kappa_ref else ids):
        support = first["themes"][t]["support"]
        cells = " ".join(f"{r['themes'][t]['f1']:4.2f} {r['themes'][t]['kappa']:5.2f} {r['themes'][t]['predicted']:4d}".rjust(16)
                         for r in results.values())
        ref = f"   {kappa_ref[t]:.2f}" if kappa_ref else ""
        print(f"{t:24s} {support:3d} {cells}{ref}")
    print(f"{'macro-F1':28s} " + " ".join(f"{r['macro_f1']:16.3f}" for r in results.values()))
    print(f"{'micro-F1 (all themes)':28s} " + " ".join(f"{r['micro_f1']:16.3f}" for r in results.values()))
    print(f"{'themes per document':28s} " + " ".join(f"{r['themes_per_doc']:16.2f}" for r in results.values())
          + f"   (coded: {truth.sum(axis=1).mean():.2f})")


def probabilities(classifier, docs: dict[str, list]) -> np.ndarray:
    """[documents, themes] document probabilities in ``docs`` order."""
    return np.array([[t.score for t in classifier.tag(p)] for p in docs.values()])


def passages_of(docs: list) -> dict[str, list]:
    """doc_id -> passages of ``LabelledPassages``, as ``probabilities`` takes them."""
    return {d.doc_id: d.passages for d in docs}


def truth_of(docs: list) -> np.ndarray:
    """[documents, themes] bool document labels of ``LabelledPassages``."""
    return np.vstack([d.doc_labels for d in docs]).astype(bool)


def unseen_thresholds(ids: list[str], bundled_probability: np.ndarray, bundled_truth: np.ndarray) -> dict[str, float]:
    """The default's per-theme thresholds refitted on the bundled corpus's dev reviews alone (their
    [reviews, themes] probabilities and labels), so that a default judged on pfd_dev has never seen it (the
    shipped ones were fitted on pfd_dev too)."""
    return ShrunkThresholds(strength=ZERO_SHOT_STRENGTH).fit(bundled_probability, bundled_truth, ids,
                                                           ZERO_SHOT_THRESHOLD).thresholds_


def pfd_with_unseen_default(codebook):
    """(pfd_dev, the default's [reports, themes] probabilities on it, its per-theme thresholds refitted
    without pfd_dev): the default as a user of a new corpus meets it. Call inside the vector cache."""
    dev = pfd.load(codebook.ids, cache=CACHE)
    bundled_dev, _, _ = bundled_corpus(codebook)
    raw = ZeroShotClassifier(codebook, calibrated=False).fit()
    unseen = unseen_thresholds(codebook.ids, probabilities(raw, passages_of(bundled_dev)), truth_of(bundled_dev))
    return dev, probabilities(raw, dev.passages), unseen


def main_themes(truth: np.ndarray) -> list[int]:
    """The themes the goals are judged on: consensus prevalence >= ``MIN_PREVALENCE``."""
    return [j for j in range(truth.shape[1]) if truth[:, j].mean() >= MIN_PREVALENCE]


def goals(result: dict, keyword: dict, truth: np.ndarray, ids: list[str]) -> list[str]:
    main = result["main"]
    lines = [f"macro-F1 {result['macro_f1']:.3f} vs keyword {keyword['macro_f1']:.3f}: "
             f"{result['macro_f1'] - keyword['macro_f1']:+.3f} (goal >= +0.20)"]
    close = [t for t in main if result["themes"][t]["kappa"] >= pfd.CODER_KAPPA.get(t, 1.0) - 0.15]
    lines.append(f"kappa within 0.15 of the coders' on {len(close)}/{len(main)} themes (goal >= 4): {', '.join(close) or 'none'}")
    coded = truth.sum(axis=1).mean()
    lines.append(f"themes per report {result['themes_per_doc']:.2f} vs consensus {coded:.2f}: "
                 f"ratio {result['themes_per_doc'] / coded:.2f} (goal 0.75-1.25)")
    ratios = {t: result["themes"][t]["predicted"] / max(result["themes"][t]["support"], 1) for t in main}
    bad = [f"{t} {r:.2f}" for t, r in ratios.items() if not 1 / 1.5 <= r <= 1.5]
    lines.append("prevalence ratio predicted/consensus: " + ", ".join(f"{t} {r:.2f}" for t, r in ratios.items())
                 + f" -> {len(bad)} outside 1/1.5-1.5" + (f" ({', '.join(bad)})" if bad else ""))
    return lines


def evidence_overlap(classifier_scores: dict[str, np.ndarray], docs: dict[str, list], truth: np.ndarray,
                     predicted: np.ndarray, quotes: dict, ids: list[str], top: int = 3) -> tuple[int, int]:
    """(hits, correct tags): a correct tag whose top-``top`` evidence sentences, as a present tag shows
    them (``Aggregator.evidence``), overlap the coder's quote."""
    shown = Aggregator(n_evidence=top)
    hits = total = 0
    for i, (doc_id, passages) in enumerate(docs.items()):
        scores = classifier_scores[doc_id]
        for j, t in enumerate(ids):
            if not (truth[i, j] and predicted[i, j]) or not quotes.get((doc_id, t)):
                continue
            total += 1
            hits += any(_overlaps(e.passage.text, quotes[(doc_id, t)]) for e in shown.evidence(passages, scores[:, j]))
    return hits, total


def shrunk_out_of_fold(probability: np.ndarray, truth: np.ndarray, bundled_probability: np.ndarray,
                       bundled_truth: np.ndarray, ids: list[str], strength: float, folds: list) -> np.ndarray:
    """[reports, themes] out-of-fold decisions of the default's shrunk per-theme thresholds, each fold's
    fitted on the other folds' reports and the bundled dev reviews, as the shipped ones are."""
    predicted = np.zeros(truth.shape, dtype=bool)
    for train, test in folds:
        predicted[test] = default_fit(probability[train], truth[train], bundled_probability, bundled_truth, ids,
                                      strength).predict(probability[test], ids)
    return predicted


def default_fit(probability: np.ndarray, truth: np.ndarray, bundled_probability: np.ndarray,
                bundled_truth: np.ndarray, ids: list[str], strength: float) -> ShrunkThresholds:
    """The default's per-theme thresholds as ``fit_zero_shot_thresholds.py`` fits the shipped ones: real
    reports and the bundled dev reviews pooled."""
    return ShrunkThresholds(strength=strength).fit(np.vstack([probability, bundled_probability]),
                                                   np.vstack([truth, bundled_truth]), ids, ZERO_SHOT_THRESHOLD)


def nested_strength(probability: np.ndarray, truth: np.ndarray, bundled_probability: np.ndarray,
                    bundled_truth: np.ndarray, ids: list[str], strengths: list[float],
                    folds: list) -> tuple[np.ndarray, list[float]]:
    """(out-of-fold decisions, the strength each outer fold chose): the strength is picked by macro-F1
    over an inner CV of the outer fold's training reports only, so the figure is not the best of a scan."""
    from sklearn.model_selection import KFold

    predicted = np.zeros(truth.shape, dtype=bool)
    chosen = []
    for train, test in folds:
        inner = list(KFold(n_splits=len(folds), shuffle=True, random_state=0).split(train))
        main = main_themes(truth[train])
        score = {s: scores_table(truth[train], shrunk_out_of_fold(probability[train], truth[train], bundled_probability,
                                                                   bundled_truth, ids, s, inner), ids, main)["macro_f1"]
                 for s in strengths}
        best = max(strengths, key=lambda s: score[s])
        chosen.append(best)
        predicted[test] = default_fit(probability[train], truth[train], bundled_probability, bundled_truth, ids,
                                      best).predict(probability[test], ids)
    return predicted, chosen


def bundled_corpus(codebook, coder: str = "coder_a"):
    """(dev LabelledPassages, held-out LabelledPassages, texts) of the bundled corpus."""
    ids = codebook.ids
    coding = read_annotations(ROOT / "annotations" / "codings.csv", ids, coder=coder)
    splits = read_splits(ROOT / "corpus" / "metadata.csv")
    out, texts = {}, {}
    for split in ("dev", "heldout"):
        doc_ids = [d for d in coding.doc_ids if splits.get(d) == split]
        files = find_documents(ROOT / "corpus", doc_ids)
        out[split] = []
        for d in doc_ids:
            passages = document_passages(files[d], cache=CACHE)
            texts[d] = "\n".join(p.text for p in passages)
            out[split].append(label_passages(d, passages, coding, ids))
    return out["dev"], out["heldout"], texts


def real_text(codebook, bundled_dev, args) -> dict:
    """Section (1): every method out of fold on pfd_dev."""
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import KFold

    ids = codebook.ids
    dev = pfd.load(ids, cache=CACHE)
    doc_ids, truth, quotes, texts, docs = dev.doc_ids, dev.truth, dev.quotes, dev.texts, dev.passages
    labelled = list(dev.labelled(ids).values())
    main = main_themes(truth)
    print(f"\n(1) REAL TEXT: ../shared/data/pfd_dev, {len(doc_ids)} reports, gold = consensus; "
          f"{args.folds}-fold CV grouped by report; themes with prevalence >= 5%: {', '.join(ids[j] for j in main)}")

    zs_emb = ZeroShotClassifier(codebook, use_lexical=False, use_polarity=False, use_sections=False, window=0.0,
                                competition=0.0, calibrated=False).fit()
    zs = ZeroShotClassifier(codebook, calibrated=False).fit()
    p_emb, p_zs = probabilities(zs_emb, docs), probabilities(zs, docs)
    bundled_truth = truth_of(bundled_dev)
    bundled_prob = probabilities(zs, passages_of(bundled_dev))

    folds = list(KFold(n_splits=args.folds, shuffle=True, random_state=0).split(doc_ids))
    by_strength = {strength: shrunk_out_of_fold(p_zs, truth, bundled_prob, bundled_truth, ids, strength, folds)
                   for strength in args.strengths}
    trained = {"rate-matched": np.zeros(truth.shape, dtype=bool), "stacked": np.zeros(truth.shape, dtype=bool)}
    # The rate-matched model compares its cuts with the default's on the coded reports, so the default's
    # thresholds there must not have been fitted on them: these are fitted on the bundled dev reviews alone.
    unseen = unseen_thresholds(ids, bundled_prob, bundled_truth)
    if not args.no_trained:
        for train, test in folds:
            models = {"rate-matched": RateMatchedClassifier(codebook, default_thresholds=unseen, calibrated=False).fit(
                          [labelled[i] for i in train]),
                      "stacked": TrainedClassifier(codebook).fit([labelled[i] for i in train] + list(bundled_dev))}
            for name, model in models.items():
                trained[name][test] = np.array([[t.present for t in model.tag(docs[doc_ids[i]])] for i in test])
    keyword = keyword_predict(texts, doc_ids, ids, args.baseline)
    results = {
        "keyword": scores_table(truth, keyword, ids, main),
        "zero-shot (embeddings only)": scores_table(truth, p_emb >= ZERO_SHOT_THRESHOLD, ids, main),
        "zero-shot (one threshold)": scores_table(truth, p_zs >= ZERO_SHOT_THRESHOLD, ids, main),
        "default": scores_table(truth, by_strength[ZERO_SHOT_STRENGTH], ids, main),
        **{name: scores_table(truth, predicted, ids, main) for name, predicted in trained.items()},
    }
    print_table("(1) pfd_dev, out of fold: F1, kappa vs consensus, number tagged", results, ids, truth,
                kappa_ref=pfd.CODER_KAPPA)
    for name in ("default", "rate-matched", "stacked"):
        print(f"\n{name} against the goals of issue 12:")
        for line in goals(results[name], results["keyword"], truth, ids):
            print("  " + line)
    print("\nranking ceiling of the default's scores: per theme, ROC AUC and the best kappa any cut reaches, "
          "the cut chosen after the fact on all reports (no decision rule can do better), against the kappa goal "
          "(the coders' kappa - 0.15):")
    for j in main:
        t = ids[j]
        print(f"  {t:24s} AUC {roc_auc_score(truth[:, j], p_zs[:, j]):.2f}   best kappa {kappa_ceiling(truth[:, j], p_zs[:, j]):.2f}"
              f"   goal {pfd.CODER_KAPPA[t] - 0.15:.2f}")
    print("\nshrinkage strength of the default's per-theme thresholds (coded positives at which a theme's "
          "own cut and the global one weigh the same):")
    for strength, predicted in by_strength.items():
        table = scores_table(truth, predicted, ids, main)
        print(f"  {strength:>6g}: macro-F1 {table['macro_f1']:.3f}, micro-F1 {table['micro_f1']:.3f}, "
              f"themes/report {table['themes_per_doc']:.2f}" + ("   <- shipped" if strength == ZERO_SHOT_STRENGTH else ""))
    nested, chosen = nested_strength(p_zs, truth, bundled_prob, bundled_truth, ids, args.strengths, folds)
    print(f"  nested: each outer fold's strength chosen by an inner {args.folds}-fold CV on its training reports: "
          f"{', '.join(f'{c:g}' for c in chosen)}; macro-F1 {scores_table(truth, nested, ids, main)['macro_f1']:.3f}")
    evidence = {d: zs.evidence_scores(docs[d]) for d in doc_ids}
    hits, total = evidence_overlap(evidence, docs, truth, by_strength[ZERO_SHOT_STRENGTH], quotes, ids)
    print(f"\nevidence: for {hits}/{total} correct default tags ({100 * hits / max(total, 1):.1f}%) one of the top-3 "
          f"evidence sentences overlaps the coder's quote (goal >= 60%)")
    return {"results": results, "evidence_overlap": [hits, total],
            "strengths": {str(k): scores_table(truth, v, ids, main)["macro_f1"] for k, v in by_strength.items()}}


def bundled(codebook, dev, heldout, texts, args) -> dict:
    """Section (2): the bundled corpus as a functional smoke test."""
    from sklearn.model_selection import GroupKFold

    ids = codebook.ids
    report = {}
    zs_emb = ZeroShotClassifier(codebook, use_lexical=False, use_polarity=False, use_sections=False, window=0.0,
                                competition=0.0, calibrated=False).fit()
    zs_one = ZeroShotClassifier(codebook, calibrated=False).fit()
    default = ZeroShotClassifier(codebook).fit()
    for name, docs in (("dev", dev), ("held-out", heldout)):
        truth = truth_of(docs)
        as_dict = passages_of(docs)
        trained = {"rate-matched": np.zeros(truth.shape, dtype=bool), "stacked": np.zeros(truth.shape, dtype=bool)}
        if not args.no_trained:
            if name == "dev":
                splits = GroupKFold(n_splits=4).split(np.arange(len(docs)), groups=np.arange(len(docs)))
            else:
                splits = [(None, np.arange(len(docs)))]
            for train, test in splits:
                coded = [docs[i] for i in train] if train is not None else list(dev)
                for method, model in (("rate-matched", RateMatchedClassifier(codebook).fit(coded)),
                                      ("stacked", TrainedClassifier(codebook).fit(coded))):
                    trained[method][test] = np.array([[t.present for t in model.tag(docs[i].passages)] for i in test])
        results = {
            "keyword": scores_table(truth, keyword_predict(texts, list(as_dict), ids, args.baseline), ids),
            "zero-shot (embeddings only)": scores_table(truth, probabilities(zs_emb, as_dict) >= ZERO_SHOT_THRESHOLD, ids),
            "zero-shot (one threshold)": scores_table(truth, probabilities(zs_one, as_dict) >= ZERO_SHOT_THRESHOLD, ids),
            "default": scores_table(truth, np.array([[t.present for t in default.tag(p)] for p in as_dict.values()]), ids),
            **{method: scores_table(truth, predicted, ids) for method, predicted in trained.items()},
        }
        label = "grouped 4-fold CV for the trained model" if name == "dev" else "trained on all dev, evaluated once"
        print_table(f"(2) bundled corpus, {name} ({len(docs)} reviews; {label})", results, ids, truth)
        report[name] = results
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--baseline", type=Path, default=ROOT / "benchmarks" / "keyword_baseline.yaml")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--strengths", type=float, nargs="+", default=[0, 5, 10, 20, 40, 1e9])
    parser.add_argument("--no-trained", action="store_true", help="skip the trained model (faster)")
    parser.add_argument("--json", type=Path, help="also write every number to this JSON file")
    args = parser.parse_args(argv)
    if ZERO_SHOT_STRENGTH not in args.strengths:
        args.strengths.append(ZERO_SHOT_STRENGTH)

    started = time.perf_counter()
    codebook = load_codebook()
    print(f"codebook {codebook.version} ({codebook.sha256[:12]})")
    report: dict = {}
    with cached_vectors():
        dev, heldout, texts = bundled_corpus(codebook)
        if pfd.available():
            report["pfd_dev"] = real_text(codebook, dev, args)
        else:
            print(f"\n(1) real text {pfd.MISSING}")
        report["bundled"] = bundled(codebook, dev, heldout, texts, args)
        if SEED_FILE.is_file():
            rows = seed_ranks(ZeroShotClassifier(codebook).fit())
            print(f"\nseed check (../shared seed 004, Panel theme paragraphs): "
                  f"{sum(r['rank'] <= 2 for r in rows)}/{len(rows)} rank their heading's theme 1st or 2nd "
                  f"({sum(r['rank'] == 1 for r in rows)} first)")
            print(f"  decisions there (not tuned on it): the default tags the heading's theme present in "
                  f"{sum(r['expected_present'] for r in rows)}/{len(rows)}, with "
                  f"{np.mean([r['n_present'] for r in rows]):.2f} themes present per paragraph")
            report["seed_ranks"] = rows
    print(f"\n({time.perf_counter() - started:.0f} s)")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, default=float), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
