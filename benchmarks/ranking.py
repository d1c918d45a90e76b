"""Can anything here rank pfd_dev's reports better than the default's scores? Per-theme ROC AUC, side by side.

    .venv/bin/python benchmarks/ranking.py [--repeats 3] [--no-constants] [--fine-tune [--epochs 1]]

Issue 12's kappa goal is out of reach of any cut on the default's scores
(``accuracy.py`` prints that ceiling), so what is left to try is the ranking
itself. On ``../shared/data/pfd_dev`` (skipped when absent) this prints the
mean ROC AUC over the themes with consensus prevalence >= 5% (and the bundled
dev reviews' mean AUC over themes with at least two coded positives and two
negatives, so a change that only suits one register shows) for:

1. **The scorer's constants, one at a time** (``ZeroShotClassifier``'s
   midpoint, slope, best exemplars, definition weight, competition, cue
   bonus and pooled passages) around the shipped values. AUC needs no
   threshold, so nothing is fitted and nothing needs folds.
2. **Supervised document models**, out of fold (5 folds grouped by report,
   ``--repeats`` shuffles, decision values averaged): per theme, a logistic
   regression on the report's mean sentence embedding, alone and with the
   default's score (its logit) as one more feature; and per theme, one on
   the logits of all 25 themes' default scores. Each at C = 0.1, 1, 10.
3. **Supervised sentence models from the coders' quotes**, out of fold (the
   same 5 folds): per theme, a logistic regression (balanced classes) over
   each sentence's vector and its 25 zero-shot evidence scores, trained on
   the sentences that overlap a quote against every sentence of the reports
   not coded for the theme (a coded report's other sentences are left out:
   the coder quoted one sentence, not every one on the theme). A report's
   score is its best sentence's; it is shown alone and added to the
   default's logit, with the best kappa any cut reaches on each theme.
4. With ``--fine-tune`` (about 12 minutes on two cores): **the embedding model
   itself fine-tuned** on each training fold, SetFit-style: every sentence
   overlapping a coder's quote is paired with three of its theme's codebook
   exemplars (cosine target 1) and with exemplars of three themes the report
   was not coded for (target 0); a few unquoted sentences per report are paired
   with random exemplars (0, or 0.3 where the report has that theme).
   ``--epochs`` (1) passes, AdamW at 2e-5, batch 16; the default scorer then runs unchanged on
   the tuned model's vectors for the held-out fold (5 folds grouped by report).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import pfd  # noqa: E402
from accuracy import (CACHE, bundled_corpus, cached_vectors, kappa_ceiling, main_themes, passages_of,  # noqa: E402
                      probabilities, truth_of)
from practice_themes.classify.aggregate import logit  # noqa: E402
from practice_themes.classify.zeroshot import ZeroShotClassifier  # noqa: E402
from practice_themes.codebook import load_codebook  # noqa: E402
from practice_themes.embed import default_embedder  # noqa: E402

# One constant moved at a time; {} is the shipped scorer.
CONSTANT_GRID: tuple[dict, ...] = (
    {},
    *({"midpoint": v} for v in (1.5, 2.0, 2.5, 3.5)),
    *({"slope": v} for v in (1.0, 2.4)),
    *({"n_best_exemplars": v} for v in (1, 5, 8)),
    *({"definition_weight": v} for v in (0.0, 0.5)),
    *({"competition": v} for v in (0.5, 2.0)),
    *({"cue_bonus": v} for v in (0.4, 1.5)),
    *({"top_k": v} for v in (1, 5)),
)
C_VALUES = (0.1, 1.0, 10.0)


def mean_auc(truth: np.ndarray, score: np.ndarray, themes: list[int]) -> float:
    """Mean over ``themes`` (columns) of the ROC AUC of ``score`` against ``truth``."""
    from sklearn.metrics import roc_auc_score

    return float(np.mean([roc_auc_score(truth[:, j], score[:, j]) for j in themes]))


def judged_themes(truth: np.ndarray, minimum: int = 2) -> list[int]:
    """Columns with at least ``minimum`` positives and ``minimum`` negatives (an AUC there means something)."""
    positives = truth.sum(axis=0)
    return [j for j in range(truth.shape[1]) if positives[j] >= minimum and len(truth) - positives[j] >= minimum]


def out_of_fold_decisions(features, truth: np.ndarray, themes: list[int], *, C: float, repeats: int,
                          folds: int = 5) -> np.ndarray:
    """[documents, themes] out-of-fold decision values of one logistic regression per theme in ``themes``
    (other columns stay 0), averaged over ``repeats`` shuffles of ``folds`` folds, one report per group.
    ``features`` is a [documents, features] array, or a function of the theme's column giving one."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import KFold

    out = np.zeros(truth.shape)
    for j in themes:
        x = features(j) if callable(features) else features
        for r in range(repeats):
            for train, test in KFold(n_splits=folds, shuffle=True, random_state=r).split(x):
                model = LogisticRegression(C=C, max_iter=3000).fit(x[train], truth[train, j])
                out[test, j] += model.decision_function(x[test]) / repeats
    return out


class TunedEmbedder:
    """The ``Embedder`` interface over a fine-tuned ``SentenceTransformer``: unit vectors, each text once."""

    def __init__(self, model) -> None:
        self.model = model
        self.memo_: dict[str, np.ndarray] = {}

    def encode(self, texts: list[str]) -> np.ndarray:
        todo = [t for t in dict.fromkeys(texts) if t not in self.memo_]
        if todo:
            vectors = self.model.encode(todo, batch_size=64, convert_to_numpy=True, normalize_embeddings=True)
            self.memo_.update(zip(todo, vectors.astype(np.float32)))
        return np.stack([self.memo_[t] for t in texts]) if texts else np.zeros((0, 384), dtype=np.float32)

    def memoised(self, path=None):
        """Never on disk: ``ZeroShotClassifier.fit`` passes the codebook's vector cache, which is keyed by the
        shipped model's name, and tuned vectors written there would be read back as the shipped model's."""
        from contextlib import nullcontext

        return nullcontext()


def tuning_pairs(dev, rows, codebook, rng) -> list[tuple[str, str, float]]:
    """(sentence, exemplar, cosine target) pairs from the reports in ``rows`` (see the module docstring)."""
    from practice_themes.classify.training import _overlaps

    themes, truth, pairs = codebook.themes, np.asarray(dev.truth, dtype=bool), []
    for i in rows:
        doc_id, passages = dev.doc_ids[i], dev.passages[dev.doc_ids[i]]
        absent = [k for k in range(len(themes)) if not truth[i, k]]
        quoted = set()
        for j, theme in enumerate(themes):
            quote = dev.quotes.get((doc_id, theme.id))
            if not (truth[i, j] and quote):
                continue
            for text in (p.text for p in passages if _overlaps(p.text, quote)):
                quoted.add(text)
                pairs += [(text, e, 1.0) for e in rng.sample(list(theme.exemplars), min(3, len(theme.exemplars)))]
                pairs += [(text, rng.choice(list(themes[k].exemplars)), 0.0) for k in rng.sample(absent, 3)]
        unquoted = [p.text for p in passages if p.text not in quoted]
        for text in rng.sample(unquoted, min(3, len(unquoted))):
            k = rng.randrange(len(themes))
            pairs.append((text, rng.choice(list(themes[k].exemplars)), 0.3 if truth[i, k] else 0.0))
    rng.shuffle(pairs)
    return pairs


def fine_tuned_scores(dev, codebook, *, epochs: int = 1, seed: int = 0, folds: int = 5) -> np.ndarray:
    """[reports, themes] default-scorer probabilities, each fold scored with the model tuned on the others."""
    import random

    import torch
    from sentence_transformers import SentenceTransformer
    from sklearn.model_selection import KFold

    from practice_themes.embed import model_path

    torch.manual_seed(seed)
    rng = random.Random(seed)
    out = np.zeros(np.shape(dev.truth))
    for train, test in KFold(n_splits=folds, shuffle=True, random_state=seed).split(dev.doc_ids):
        model = SentenceTransformer(str(model_path()), device="cpu")
        pairs = tuning_pairs(dev, train, codebook, rng)
        optimiser = torch.optim.AdamW(model.parameters(), lr=2e-5)
        model.train()
        for start in (s for _ in range(epochs) for s in range(0, len(pairs), 16)):
            batch = pairs[start:start + 16]
            left, right = (torch.nn.functional.normalize(model(model.preprocess(list(side)))["sentence_embedding"], dim=-1)
                           for side in zip(*[(a, b) for a, b, _ in batch]))
            loss = ((left * right).sum(dim=-1) - torch.tensor([t for _, _, t in batch])).pow(2).mean()
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
        model.eval()
        scorer = ZeroShotClassifier(codebook, calibrated=False, embedder=TunedEmbedder(model)).fit()
        out[test] = probabilities(scorer, {dev.doc_ids[i]: dev.passages[dev.doc_ids[i]] for i in test})
    return out


def quoted_sentences(dev, rows, column: int, theme: str, features: dict) -> tuple[np.ndarray, np.ndarray]:
    """(sentence features, labels) for one theme from the reports in ``rows``: quoted sentences are positive,
    every sentence of an uncoded report negative; a coded report's unquoted sentences are left out."""
    from practice_themes.classify.training import _overlaps

    X, y = [], []
    for i in rows:
        doc_id = dev.doc_ids[i]
        quote = dev.quotes.get((doc_id, theme)) if dev.truth[i, column] else None
        quoted = np.array([bool(quote) and _overlaps(p.text, quote) for p in dev.passages[doc_id]], dtype=bool)
        keep = quoted if dev.truth[i, column] else np.ones(len(quoted), dtype=bool)
        X.append(features[doc_id][keep])
        y.append(quoted[keep])
    return np.vstack(X), np.concatenate(y)


def quote_model_scores(dev, themes: list[int], ids: list[str], features: dict, *, C: float = 1.0,
                       folds: int = 5) -> np.ndarray:
    """[reports, themes] out of fold: each report's best sentence under a per-theme sentence model trained on
    the other folds' quotes (see the module docstring); columns not in ``themes`` stay 0."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import KFold

    out = np.zeros(np.shape(dev.truth))
    for train, test in KFold(n_splits=folds, shuffle=True, random_state=0).split(dev.doc_ids):
        for j in themes:
            X, y = quoted_sentences(dev, train, j, ids[j], features)
            model = LogisticRegression(C=C, class_weight="balanced", max_iter=3000).fit(X, y)
            for i in test:
                out[i, j] = model.predict_proba(features[dev.doc_ids[i]])[:, 1].max()
    return out


def mean_embeddings(passages: dict[str, list], doc_ids: list[str], embedder) -> np.ndarray:
    """[documents, 384] each report's mean sentence vector, renormalised."""
    means = np.stack([embedder.encode([p.text for p in passages[d]]).mean(axis=0) for d in doc_ids])
    return means / np.linalg.norm(means, axis=1, keepdims=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3, help="shuffles of the 5 grouped folds")
    parser.add_argument("--no-constants", action="store_true", help="skip the scorer constants (faster)")
    parser.add_argument("--fine-tune", action="store_true", help="also fine-tune the embedding model per fold (slow)")
    parser.add_argument("--epochs", type=int, default=1, help="--fine-tune: passes over the tuning pairs")
    args = parser.parse_args(argv)
    if not pfd.available():
        print(pfd.MISSING)
        return 0
    started = time.perf_counter()
    codebook = load_codebook()
    ids = codebook.ids
    embedder = default_embedder()
    with cached_vectors():
        dev = pfd.load(ids, cache=CACHE)
        bundled_dev, _, _ = bundled_corpus(codebook)
        truth, bundled_truth = np.asarray(dev.truth, dtype=bool), truth_of(bundled_dev)
        main_ = main_themes(truth)
        bundled_judged = judged_themes(bundled_truth)
        shipped = ZeroShotClassifier(codebook, calibrated=False).fit()
        default = probabilities(shipped, dev.passages)
        print(f"pfd_dev: {len(truth)} reports; mean ROC AUC over {len(main_)} themes >= 5% "
              f"({', '.join(ids[j] for j in main_)}); bundled dev: {len(bundled_truth)} reviews, {len(bundled_judged)} themes")
        print(f"\nthe default's scores: pfd_dev {mean_auc(truth, default, main_):.3f}   per theme: "
              + ", ".join(f"{ids[j]} {mean_auc(truth, default, [j]):.2f}" for j in main_))

        if not args.no_constants:
            print("\n(1) the scorer's constants, one at a time (no threshold, nothing fitted)")
            print(f"  {'setting':32s} {'pfd_dev':>8s} {'bundled':>8s}")
            for setting in CONSTANT_GRID:
                scorer = ZeroShotClassifier(codebook, calibrated=False, **setting).fit()
                pfd_auc = mean_auc(truth, probabilities(scorer, dev.passages), main_)
                bundled_auc = mean_auc(bundled_truth, probabilities(scorer, passages_of(bundled_dev)), bundled_judged)
                name = ", ".join(f"{k} {v:g}" for k, v in setting.items()) or "shipped"
                print(f"  {name:32s} {pfd_auc:8.3f} {bundled_auc:8.3f}")

        embeddings = mean_embeddings(dev.passages, dev.doc_ids, embedder)
        sentence_features = {d: np.hstack([embedder.encode([p.text for p in dev.passages[d]]),
                                           shipped.evidence_scores(dev.passages[d])]) for d in dev.doc_ids}
    default_logit = logit(default)
    models = {
        "mean embedding": embeddings,
        "mean embedding + default score": lambda j: np.hstack([embeddings, default_logit[:, [j]]]),
        "all 25 themes' default scores": default_logit,
    }
    print(f"\n(2) supervised document models, out of fold (5 folds grouped by report x {args.repeats}), pfd_dev mean AUC")
    print(f"  {'features':32s} " + " ".join(f"{f'C {c:g}':>8s}" for c in C_VALUES))
    for name, features in models.items():
        cells = [mean_auc(truth, out_of_fold_decisions(features, truth, main_, C=c, repeats=args.repeats), main_)
                 for c in C_VALUES]
        print(f"  {name:32s} " + " ".join(f"{v:8.3f}" for v in cells))
    print(f"  (the default's scores: {mean_auc(truth, default, main_):.3f})")
    quoted = quote_model_scores(dev, main_, ids, sentence_features)
    added = default_logit + logit(quoted)
    print("\n(3) supervised sentence models from the coders' quotes, out of fold (5 folds grouped by report), pfd_dev AUC, "
          "and the best kappa any cut reaches (goal: the coders' kappa - 0.15)")
    print(f"  {'theme':24s} {'default':>8s} {'quotes':>8s} {'added':>8s}   best kappa default / added / goal")
    for j in main_:
        print(f"  {ids[j]:24s} {mean_auc(truth, default, [j]):8.3f} {mean_auc(truth, quoted, [j]):8.3f} "
              f"{mean_auc(truth, added, [j]):8.3f}   {kappa_ceiling(truth[:, j], default[:, j]):.2f} / "
              f"{kappa_ceiling(truth[:, j], added[:, j]):.2f} / {pfd.CODER_KAPPA[ids[j]] - 0.15:.2f}")
    print(f"  {'mean':24s} {mean_auc(truth, default, main_):8.3f} {mean_auc(truth, quoted, main_):8.3f} "
          f"{mean_auc(truth, added, main_):8.3f}")
    if args.fine_tune:
        tuned = fine_tuned_scores(dev, codebook, epochs=args.epochs)
        print(f"\n(4) the embedding model fine-tuned on each training fold's quoted sentences ({args.epochs} epoch(s)), "
              "out of fold, pfd_dev AUC")
        for j in main_:
            print(f"  {ids[j]:24s} default {mean_auc(truth, default, [j]):.3f}   fine-tuned {mean_auc(truth, tuned, [j]):.3f}")
        print(f"  {'mean':24s} default {mean_auc(truth, default, main_):.3f}   fine-tuned {mean_auc(truth, tuned, main_):.3f}")
    print(f"\n({time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
