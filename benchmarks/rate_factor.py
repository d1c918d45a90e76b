"""The rate-matched classifier's factor, chosen by nested cross-validation grouped by report.

    .venv/bin/python benchmarks/rate_factor.py [--coding sample|random] [--repeats 4] [--inner 20] [--outer-draws 10] [--n 40]

The rate-matched classifier keeps the default zero-shot classifier's document
scores and moves only its per-theme cuts: from a user's ~40 coded documents,
each theme's cut is the score quantile that tags ``factor`` times as many of
those documents as were coded present (``rate_matched_thresholds``; the
coded rate is smoothed, (n_pos + 0.5) / (n + 1)). A theme with no coded
positive keeps the default classifier's own threshold. (The classifier also
keeps the default's cut for a theme the default decides better out of fold
on the coded reports; that guard is left out here, so the factor is chosen
for the cut rule alone, and ``annotation_loop.py`` measures the two together.)
The constant
``factor`` (RATE_FACTOR) trades recall against precision; this chooses it,
and says how well the choice does on reports it never saw.

On ``../shared/data/pfd_dev`` (100 coroners' reports; skipped when absent),
each report its own group, for each repeat:

1. 5 outer folds of 20 reports; the other 80 are the pool.
2. Inner selection, on the pool alone: ``--inner`` times, ``--n`` reports of
   the pool are chosen as "coded" (``--coding sample``, the default: by
   ``practice-themes sample`` from the default's run over the pool, half
   random and half informative, as the documented loop does; ``random``: a
   simple random sample), every factor's cuts are set from them, and
   the pool's other reports are decided and scored (macro-F1 over the themes
   with prevalence >= 5% in the pool). The factor with the best mean wins
   (ties: the smaller).
3. Outer evaluation: ``--outer-draws`` times, ``--n`` reports of the pool
   are chosen the same way and the 20 test reports decided with the chosen
   factor, with every fixed factor, and with the default's thresholds.

Twenty reports are too few for a macro-F1 over themes, so the test-fold
decisions of the 5 folds (same repeat, same draw index) are put together into
one decision for each of the 100 reports, and scored on all 100 (themes with
prevalence >= 5%): mean and sd over the repeats and draws. The per-fold
mean is shown beside it.

As in ``benchmarks/annotation_loop.py``, the default's thresholds are refitted
on the bundled corpus's dev reviews alone, so it has never seen pfd_dev. Last,
the inner selection is run with all 100 reports as the pool: with
``--coding sample`` that is the factor the project ships (``RATE_FACTOR``).
The informative half of a ``sample`` enriches the coded reports in
positives, which moves the best factor up (1.5; 1.25 when coded at random).
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
from accuracy import cached_vectors, main_themes, pfd_with_unseen_default  # noqa: E402
from annotation_loop import macro_f1, sampling_run  # noqa: E402
from practice_themes.classify.thresholds import rate_matched_thresholds  # noqa: E402
from practice_themes.codebook import load_codebook  # noqa: E402

FACTORS = (1.0, 1.25, 1.5, 1.75, 2.0, 2.5)
FOLDS = 5


def rate_matched_decisions(p_coded: np.ndarray, y_coded: np.ndarray, p_test: np.ndarray,
                           default_cut: np.ndarray, factor: float) -> np.ndarray:
    """bool [test documents, themes]: each theme's rate-matched cut from the coded documents, or
    ``default_cut`` (the default classifier's threshold) for a theme with no coded positive."""
    return np.asarray(p_test) >= rate_matched_thresholds(p_coded, y_coded, factor, default=default_cut)


def random_coding(p_pool: np.ndarray, n: int, default_cut: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """``n`` of the pool's reports (row numbers) drawn at random, as a coder of a random sample would."""
    return rng.permutation(len(p_pool))[:n]


def sample_coding(p_pool: np.ndarray, n: int, default_cut: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """``n`` of the pool's reports (row numbers) chosen by ``practice-themes sample`` from the default's run
    over the pool: half a simple random sample, half informative."""
    from practice_themes.codebook import load_codebook
    from practice_themes.sampling import select

    ids = load_codebook().ids
    run = sampling_run(p_pool, [str(i) for i in range(len(p_pool))], ids, dict(zip(ids, map(float, default_cut))))
    return np.array([int(d) for d in select(run, n, seed=int(rng.integers(2 ** 31))).doc_ids])


CODINGS = {"random": random_coding, "sample": sample_coding}


def inner_scores(p_pool: np.ndarray, y_pool: np.ndarray, default_cut: np.ndarray, factors, n: int,
                 draws: int, rng: np.random.Generator, coding=random_coding) -> dict[float, float]:
    """Mean macro-F1 of each factor over ``draws`` draws of ``n`` coded reports from the pool (``coding``
    chooses them), scored on the pool's other reports (themes with prevalence >= 5% in the pool)."""
    main = main_themes(y_pool)
    scores = {f: [] for f in factors}
    for _ in range(draws):
        coded = coding(p_pool, n, default_cut, rng)
        rest = np.setdiff1d(np.arange(len(y_pool)), coded)
        for f in factors:
            decided = rate_matched_decisions(p_pool[coded], y_pool[coded], p_pool[rest], default_cut, f)
            scores[f].append(macro_f1(y_pool[rest], decided, main))
    return {f: float(np.mean(v)) for f, v in scores.items()}


def best_factor(means: dict[float, float]) -> float:
    """The factor with the best mean; on a tie, the smallest."""
    top = max(means.values())
    return min(f for f, v in means.items() if v >= top - 1e-12)


def choose_factor(p_pool: np.ndarray, y_pool: np.ndarray, default_cut: np.ndarray, factors, n: int,
                  draws: int, rng: np.random.Generator, coding=random_coding) -> float:
    """The inner selection: the factor with the best mean macro-F1 on the pool (ties: the smaller)."""
    return best_factor(inner_scores(p_pool, y_pool, default_cut, factors, n, draws, rng, coding))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=4, help="repeats of the outer 5-fold split")
    parser.add_argument("--inner", type=int, default=20, help="draws of coded reports per inner selection")
    parser.add_argument("--outer-draws", type=int, default=10, help="draws of coded reports per outer fold")
    parser.add_argument("--n", type=int, default=40, help="coded reports per draw")
    parser.add_argument("--coding", choices=list(CODINGS), default="sample",
                        help="how the coded reports are chosen: by `practice-themes sample` (the documented "
                             "loop), or at random")
    args = parser.parse_args(argv)
    if not pfd.available():
        print(pfd.MISSING)
        return 0
    from sklearn.model_selection import KFold

    started = time.perf_counter()
    codebook = load_codebook()
    ids = codebook.ids
    with cached_vectors():
        dev, P, unseen = pfd_with_unseen_default(codebook)
    Y = np.asarray(dev.truth, dtype=bool)
    default_cut = np.array([unseen[t] for t in ids])
    default_decision = P >= default_cut
    judged = main_themes(Y)
    n_docs = len(Y)
    coding = CODINGS[args.coding]
    print(f"pfd_dev: {n_docs} reports, {Y.sum(axis=1).mean():.2f} coded themes per report; "
          f"themes >= 5%: {len(judged)}; {args.n} coded per draw, chosen {'by sample' if args.coding == 'sample' else 'at random'}; "
          f"factors {', '.join(map(str, FACTORS))}")

    names = ["nested choice", *(f"factor {f:g}" for f in FACTORS), "default (unseen thresholds)"]
    oof: dict[str, list[float]] = {name: [] for name in names}
    per_doc: dict[str, list[float]] = {name: [] for name in names}
    fold_f1: dict[str, list[float]] = {name: [] for name in names}
    print("\nfactor chosen in each outer fold (inner selection on the fold's 80-report pool)")
    for r in range(args.repeats):
        decided = {name: np.zeros((args.outer_draws, *Y.shape), dtype=bool) for name in names}
        chosen_here = []
        for fold, (pool, test) in enumerate(KFold(n_splits=FOLDS, shuffle=True, random_state=r).split(P)):
            chosen = choose_factor(P[pool], Y[pool], default_cut, FACTORS, args.n, args.inner,
                                   np.random.default_rng([r, fold, 1]), coding)
            chosen_here.append(chosen)
            for k in range(args.outer_draws):
                coded = pool[coding(P[pool], args.n, default_cut, np.random.default_rng([r, fold, 0, k]))]
                rows = {f"factor {f:g}": rate_matched_decisions(P[coded], Y[coded], P[test], default_cut, f)
                        for f in FACTORS}
                rows["nested choice"] = rows[f"factor {chosen:g}"]
                rows["default (unseen thresholds)"] = default_decision[test]
                for name, rows_decided in rows.items():
                    decided[name][k, test] = rows_decided
                    fold_f1[name].append(macro_f1(Y[test], rows_decided, judged))
        print(f"  repeat {r}: " + ", ".join(f"{c:g}" for c in chosen_here))
        for name in names:
            for k in range(args.outer_draws):
                oof[name].append(macro_f1(Y, decided[name][k], judged))
                per_doc[name].append(float(decided[name][k].sum(axis=1).mean()))

    print(f"\nout-of-fold macro-F1 over the {len(judged)} themes >= 5%, all {n_docs} reports "
          f"({args.repeats} repeats x {args.outer_draws} draws)")
    print(f"  {'':28s} {'mean':>6s} {'sd':>6s} {'per-fold mean':>14s} {'themes/report':>14s}")
    for name in names:
        print(f"  {name:28s} {np.mean(oof[name]):6.3f} {np.std(oof[name]):6.3f} {np.mean(fold_f1[name]):14.3f} "
              f"{np.mean(per_doc[name]):14.2f}")
    print(f"  (coded: {Y.sum(axis=1).mean():.2f} themes per report; per-fold mean: macro-F1 on each 20-report "
          f"test fold, over the same themes)")

    means = inner_scores(P, Y, default_cut, FACTORS, args.n, args.inner, np.random.default_rng([9999, 1]), coding)
    print(f"\ninner selection on all {n_docs} reports (mean macro-F1 on the {n_docs - args.n} not coded): "
          + ", ".join(f"{f:g} {v:.3f}" for f, v in means.items()))
    print(f"factor chosen on all {n_docs} reports: {best_factor(means):g}")
    print(f"\n({time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
