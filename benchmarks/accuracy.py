"""Document-level theme accuracy on the bundled corpus, every method in one run.

    .venv/bin/python benchmarks/accuracy.py [--annotations annotations/codings.csv] [--coder coder_a]

Gold standard: ``coder_a``'s document-level coding (a theme is present in a
review when the coder has a row for it). Methods:

- keyword: ``benchmarks/keyword_baseline.yaml``; a document has a theme when
  any of its terms occurs (case-insensitive, whole words).
- tfidf-lr: TF-IDF over passages, one balanced LogisticRegression per theme
  trained on the same passage labels as the trained model; document =
  noisy-OR of the top 3 passages, threshold 0.5.
- zero-shot (embeddings only): exemplar/definition similarity alone; no
  cues, polarity, sections, theme competition or paragraph window (same
  document aggregation and calibration as the full scorer).
- zero-shot (full): the shipped zero-shot scorer.
- trained: ``TrainedClassifier``, one stacked logistic regression over
  theme-agnostic document evidence (``pipeline/classify/stacking.py``); its C
  and threshold are tuned by its own inner grouped CV on the training folds only.

(a) Grouped cross-validation on the dev split: GroupKFold by document
(each fold's test reviews are never seen in training). Zero-shot methods and
keywords do no training, so for them it is a plain evaluation on dev.
(b) Held-out: trained on every dev review, evaluated once on the held-out
reviews (split = heldout in corpus/metadata.csv).

Macro-F1 averages the themes with at least one coded review in the
evaluated set; micro-F1 pools every (review, theme) decision.
Also printed: the real-text seed check (../shared, skipped when missing).
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

from pipeline.classify.aggregate import Aggregator  # noqa: E402
from pipeline.classify.seedcheck import SEED_FILE, seed_ranks  # noqa: E402
from pipeline.classify.supervised import TrainedClassifier  # noqa: E402
from pipeline.classify.training import (document_passages, find_documents, label_passages,  # noqa: E402
                                        read_annotations, read_splits)
from pipeline.classify.zeroshot import ZeroShotClassifier  # noqa: E402
from pipeline.codebook import load_codebook  # noqa: E402
from pipeline.embed import MODEL_NAME, memoised  # noqa: E402

CACHE = ROOT / ".benchcache"  # gitignored: passages (keyed by file + stage sources) and their vectors

METHODS = ("keyword", "tfidf-lr", "zero-shot (embeddings only)", "zero-shot (full)", "trained")


def keyword_predict(texts: dict[str, str], ids: list[str], baseline: Path) -> dict[str, np.ndarray]:
    import yaml

    terms = yaml.safe_load(baseline.read_text(encoding="utf-8"))
    patterns = {t: re.compile(r"\b(?:" + "|".join(re.escape(x) for x in terms.get(t, [])) + r")\b", re.I)
                if terms.get(t) else None for t in ids}
    return {d: np.array([bool(patterns[t] and patterns[t].search(text)) for t in ids]) for d, text in texts.items()}


def tfidf_predict(train, test, ids) -> dict[str, np.ndarray]:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    texts = [p.text for doc in train for p in doc.passages]
    Y = np.vstack([doc.labels for doc in train])
    W = np.vstack([doc.weights for doc in train])
    vectoriser = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
    X = vectoriser.fit_transform(texts)
    aggregator = Aggregator(top_k=3)
    out = {}
    heads = {}
    for j in range(len(ids)):
        if 0 < Y[:, j].sum() < len(Y):
            heads[j] = LogisticRegression(C=1.0, class_weight="balanced", max_iter=2000).fit(X, Y[:, j], sample_weight=W[:, j])
    for doc in test:
        Xt = vectoriser.transform([p.text for p in doc.passages])
        scores = np.zeros((len(doc.passages), len(ids)))
        for j, head in heads.items():
            scores[:, j] = head.predict_proba(Xt)[:, 1]
        out[doc.doc_id] = aggregator.noisy_or(scores) >= 0.5
    return out


def classifier_predict(classifier, docs) -> dict[str, np.ndarray]:
    return {doc.doc_id: np.array([t.present for t in classifier.tag(doc.passages)]) for doc in docs}


def scores_table(truth: dict[str, np.ndarray], predicted: dict[str, np.ndarray], ids: list[str]) -> dict:
    docs = sorted(truth)
    T = np.vstack([truth[d] for d in docs]).astype(bool)
    P = np.vstack([predicted[d] for d in docs]).astype(bool)
    per_theme = {}
    for j, t in enumerate(ids):
        tp, fp, fn = int(np.sum(T[:, j] & P[:, j])), int(np.sum(~T[:, j] & P[:, j])), int(np.sum(T[:, j] & ~P[:, j]))
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        per_theme[t] = {"p": p, "r": r, "f1": 2 * p * r / (p + r) if p + r else 0.0, "support": int(T[:, j].sum()),
                        "fp": fp}
    evaluated = [t for t in ids if per_theme[t]["support"] > 0]
    tp, fp, fn = int(np.sum(T & P)), int(np.sum(~T & P)), int(np.sum(T & ~P))
    return {"themes": per_theme,
            "macro_f1": float(np.mean([per_theme[t]["f1"] for t in evaluated])) if evaluated else 0.0,
            "micro_f1": 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0}


def print_table(title: str, results: dict[str, dict], ids: list[str]) -> None:
    short = {"keyword": "kw", "tfidf-lr": "tfidf", "zero-shot (embeddings only)": "zs-emb",
             "zero-shot (full)": "zs-full", "trained": "trained"}
    print(f"\n== {title} ==")
    header = f"{'theme':26s} {'n':>3s} " + " ".join(f"{short[m]:>17s}" for m in results)
    print(header)
    print(f"{'':26s} {'':>3s} " + " ".join(f"{'P    R    F1':>17s}" for _ in results))
    first = next(iter(results.values()))
    for t in ids:
        support = first["themes"][t]["support"]
        cells = " ".join(f"{r['themes'][t]['p']:4.2f} {r['themes'][t]['r']:4.2f} {r['themes'][t]['f1']:4.2f}".rjust(17)
                         for r in results.values())
        extra = "" if support else "   (no coded reviews: FP only)"
        print(f"{t:26s} {support:3d} {cells}{extra}")
    print(f"{'macro-F1':30s} " + " ".join(f"{r['macro_f1']:17.3f}" for r in results.values()))
    print(f"{'micro-F1':30s} " + " ".join(f"{r['micro_f1']:17.3f}" for r in results.values()))


def evaluate(train_docs, test_docs, ids, codebook, texts, baseline, *, folds: int | None) -> dict[str, dict]:
    """All methods; with ``folds``, trainable methods use GroupKFold over ``test_docs`` themselves."""
    from sklearn.model_selection import GroupKFold

    truth = {d.doc_id: d.doc_labels for d in test_docs}
    zs_emb = ZeroShotClassifier(codebook, use_lexical=False, use_polarity=False, use_sections=False, window=0.0,
                                competition=0.0).fit()
    zs_full = ZeroShotClassifier(codebook).fit()
    predictions = {
        "keyword": keyword_predict({d.doc_id: texts[d.doc_id] for d in test_docs}, ids, baseline),
        "zero-shot (embeddings only)": classifier_predict(zs_emb, test_docs),
        "zero-shot (full)": classifier_predict(zs_full, test_docs),
        "tfidf-lr": {}, "trained": {},
    }
    if folds:
        splits = [([test_docs[i] for i in a], [test_docs[i] for i in b]) for a, b in
                  GroupKFold(n_splits=folds).split(np.arange(len(test_docs)), groups=np.arange(len(test_docs)))]
    else:
        splits = [(train_docs, test_docs)]
    for fold_train, fold_test in splits:
        predictions["tfidf-lr"].update(tfidf_predict(fold_train, fold_test, ids))
        model = TrainedClassifier(codebook).fit(fold_train)
        predictions["trained"].update(classifier_predict(model, fold_test))
    return {m: scores_table(truth, predictions[m], ids) for m in METHODS}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--annotations", type=Path, default=ROOT / "annotations" / "codings.csv")
    parser.add_argument("--coder", default="coder_a")
    parser.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    parser.add_argument("--baseline", type=Path, default=ROOT / "benchmarks" / "keyword_baseline.yaml")
    parser.add_argument("--folds", type=int, default=4)
    parser.add_argument("--no-heldout", action="store_true", help="skip the final held-out evaluation")
    parser.add_argument("--json", type=Path, help="also write every number to this JSON file")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    codebook = load_codebook()
    ids = codebook.ids
    coding = read_annotations(args.annotations, ids, coder=args.coder)
    splits = read_splits(args.corpus / "metadata.csv")
    dev = [d for d in coding.doc_ids if splits.get(d) == "dev"]
    heldout = [d for d in coding.doc_ids if splits.get(d) == "heldout"]
    files = find_documents(args.corpus, dev + heldout)
    print(f"codebook {codebook.version} ({codebook.sha256[:12]}); gold = {args.coder} in {args.annotations.name}")
    print(f"dev reviews ({len(dev)}): {', '.join(dev)}")
    print(f"held-out reviews ({len(heldout)}): {', '.join(heldout)}")

    def load(doc_ids):
        docs, texts = [], {}
        for d in doc_ids:
            passages = document_passages(files[d], cache=CACHE)
            texts[d] = "\n".join(p.text for p in passages)
            docs.append(label_passages(d, passages, coding, ids))
        return docs, texts

    report: dict = {}
    with memoised(CACHE / f"vectors-{MODEL_NAME}.npz"):
        dev_docs, dev_texts = load(dev)
        cv = evaluate(dev_docs, dev_docs, ids, codebook, dev_texts, args.baseline, folds=min(args.folds, len(dev_docs)))
        print_table(f"(a) DEV, grouped {min(args.folds, len(dev_docs))}-fold CV by review ({len(dev_docs)} reviews)", cv, ids)
        report["dev_cv"] = cv
        if heldout and not args.no_heldout:
            held_docs, held_texts = load(heldout)
            final = evaluate(dev_docs, held_docs, ids, codebook, held_texts, args.baseline, folds=None)
            print_table(f"(b) HELD-OUT, trained on all dev, evaluated once ({len(held_docs)} reviews)", final, ids)
            report["heldout"] = final
        for name, res in report.items():
            kw = res["keyword"]["macro_f1"]
            print(f"\n{name}: macro-F1 gain over keyword: zero-shot {res['zero-shot (full)']['macro_f1'] - kw:+.3f} "
                  f"(goal +0.10), trained {res['trained']['macro_f1'] - kw:+.3f} (goal +0.20)")

        if SEED_FILE.is_file():
            print("\n== real text: ../shared seed 004, theme paragraphs (rank of the heading's theme, zero-shot) ==")
            rows = seed_ranks(ZeroShotClassifier(codebook).fit())
            for row in rows:
                top = ", ".join(f"{t} {s:.2f}" for t, s in row["top3"])
                print(f"  rank {row['rank']}  {row['heading'][:45]:45s} -> {top}")
            print(f"  {sum(r['rank'] <= 2 for r in rows)}/{len(rows)} paragraphs rank their theme 1st or 2nd")
            report["seed_ranks"] = rows
        else:
            print("\n(seed check skipped: ../shared not found)")
    print(f"\n({time.perf_counter() - started:.0f} s)")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, default=float), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
