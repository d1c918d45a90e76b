"""Choose the documents to code next: a simple random part and an informative part.

The **random** part is a simple random sample (``numpy`` Generator seeded by
``seed``) of the eligible documents: status "ok" in the run and not already
coded. Nothing about the machine's scores enters it, so it is the only part a
prevalence estimate may use.

The **informative** part is drawn from the rest by a deterministic score per
(document, theme) candidate:

- ``near``: closeness of the theme's score to the theme's threshold, in
  log-odds, ``exp(-|logit(score) - logit(threshold)|)``: 1 at the threshold,
  0.37 one log-odds unit away. Thresholds come from run.json
  (``classifier.thresholds``); without them 0.5 is used.
- ``rare``: +``RARE_BONUS`` for the ``RARE_TOP`` highest-scoring remaining
  documents of a rare theme, one the run tags present in fewer than
  ``RARE_SHARE`` of its documents (themes tagged nowhere included).
- ``disagree``: +``DISAGREE_BONUS`` where the embedding and cue evidence
  disagree. A run's outputs carry no separate embedding and cue scores, so
  this is measured on what they do carry: a theme tagged present whose
  evidence passages name none of the theme's cues (the codebook's cue
  matcher run over the stored passage text), i.e. the embedding side alone
  carried it. The opposite case (cues named, theme absent) cannot be seen:
  passages are stored only for present themes.

A document's informativeness is the sum of ``near`` over all themes, and
the part takes the highest (ties by the summed ``value``, near plus
bonuses, then by doc_id): a document uncertain on several themes says more
about where the cuts belong than one at a single theme's threshold. The rare
and disagreement bonuses only break ties, and are named in the reason.
Measured on pfd_dev (``benchmarks/annotation_loop.py``, the paired table:
the tool's 40 and a random 40 scored on the same 40 held-out reports), with
``train``'s rate-matched cuts the tool's choice scores +0.033 macro-F1 over
the random one (5 seeds, better in 4), but over 20 seeds the sample's random
share (0 to 1) moves the cut rule's result by under 0.02. With the stacked model (``train
--method stacked``) and 20 seeds, summed ``near`` scored +0.005 over the
random choice (better in 12 of 20 seeds); the earlier rule (round-robin over
themes, each theme's best ``value`` in turn) scored -0.008, and summing
``value`` with the bonuses -0.008 (likely because the bonuses spend the
part on rare themes' likeliest documents, three per rare theme, whatever
their scores). All three are within about 0.01 of random; the seed-to-seed
sd of the difference is about 0.03.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
import pandas as pd

from practice_themes.coding.readers import DOC_SHEET_OPTIONAL, SAMPLE_KINDS
from practice_themes.classify.aggregate import DEFAULT_THRESHOLD, logit
from practice_themes.codebook import Codebook
from practice_themes.errors import PracticeThemesError

RANDOM, INFORMATIVE = SAMPLE_KINDS
RARE_SHARE = 0.10
RARE_TOP = 3
RARE_BONUS = 1.0
DISAGREE_BONUS = 0.5
_EPS = 1e-4  # keeps logit finite for scores of exactly 0 or 1
_REASON_THEMES = 3  # themes named in an informative pick's reason


class SampleError(PracticeThemesError):
    """The run folder, the exclusion files or the options cannot be used for sampling."""


@dataclass
class RunForSampling:
    """What sampling needs from a ``code`` output folder.

    ``scores`` and ``labels``: index doc_id (documents with status "ok"), one
    column per theme. ``passages``: the run's evidence rows. ``thresholds``:
    theme -> threshold; ``threshold_source`` says where they came from.
    """

    folder: Path
    scores: pd.DataFrame
    labels: pd.DataFrame
    passages: pd.DataFrame
    thresholds: dict[str, float]
    threshold_source: str
    source_paths: dict[str, str] = field(default_factory=dict)
    n_not_ok: int = 0


@dataclass
class Pick:
    """One selected document, the part it belongs to and why it was chosen."""

    doc_id: str
    sample: str
    reason: str


@dataclass
class Selection:
    """The documents to code next, random part first, each part sorted by doc_id."""

    picks: list[Pick]
    seed: int
    n_requested: int
    random_share: float
    n_eligible: int
    n_excluded: int
    notes: list[str] = field(default_factory=list)

    @property
    def doc_ids(self) -> list[str]:
        return [p.doc_id for p in self.picks]

    def part(self, kind: str) -> list[str]:
        return [p.doc_id for p in self.picks if p.sample == kind]


def load_run(folder: str | Path, codebook: Codebook) -> RunForSampling:
    """Read a ``code`` output folder: scores, labels and evidence of its "ok" documents, and its thresholds."""
    from practice_themes.evaluation.machine import PredictionError, read_machine

    folder = Path(folder)
    if not folder.is_dir():
        raise SampleError(f"{folder}: run folder not found (give the output folder of `practice-themes code`)")
    if not (folder / "documents.csv").is_file():
        raise SampleError(f"{folder}: no documents.csv; is this a `practice-themes code` output folder?")
    try:
        machine = read_machine(folder, codebook.ids)
    except PredictionError as exc:
        raise SampleError(str(exc)) from None
    recorded = (machine.manifest.classifier.get("thresholds") if machine.manifest else None) or {}
    thresholds = {t: float(recorded.get(t, DEFAULT_THRESHOLD)) for t in codebook.ids}
    missing = [t for t in codebook.ids if t not in recorded]
    if not missing:
        source = "run.json (classifier.thresholds)"
    elif len(missing) == len(codebook.ids):
        source = f"{DEFAULT_THRESHOLD} for every theme (run.json records no thresholds)"
    else:
        source = f"run.json, and {DEFAULT_THRESHOLD} for {len(missing)} theme(s) it does not record"
    return RunForSampling(folder=folder, scores=machine.scores, labels=machine.labels, passages=machine.passages,
                          thresholds=thresholds, threshold_source=source, source_paths=machine.source_paths,
                          n_not_ok=len(machine.excluded))


def cue_disagreement(passages: pd.DataFrame, labels: pd.DataFrame, codebook: Codebook) -> pd.DataFrame:
    """doc x theme booleans: tagged present, but none of its evidence passages names one of the theme's cues.

    Themes without cues are never flagged (there is no cue side to disagree),
    nor are pairs without stored passages.
    """
    from practice_themes.classify.lexical import LexicalMatcher

    flags = pd.DataFrame(False, index=labels.index, columns=list(codebook.ids))
    evidence = passages[passages["doc_id"].isin(labels.index) & passages["theme"].isin(codebook.ids)]
    if evidence.empty:
        return flags
    texts = evidence["text"].fillna("").astype(str).tolist()
    cues = LexicalMatcher(codebook).analyse(texts).cues
    column = {t: j for j, t in enumerate(codebook.ids)}
    named = pd.Series([cues[i, column[t]] > 0 for i, t in enumerate(evidence["theme"])], index=evidence.index)
    any_named = named.groupby([evidence["doc_id"], evidence["theme"]]).any()
    has_cues = {t.id for t in codebook.themes if t.cues or t.aliases}
    # Only pairs with stored evidence can be judged; no passages is not the same as no cue.
    for (doc_id, theme), named_one in any_named.items():
        if theme in has_cues and labels.at[doc_id, theme] == 1 and not named_one:
            flags.at[doc_id, theme] = True
    return flags


def candidate_values(
    run: RunForSampling,
    candidates: Sequence[str],
    disagreement: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Score every (candidate document, theme): columns doc_id, theme, near, rare, disagree, value, reason."""
    themes = list(run.scores.columns)
    tagged_share = run.labels[themes].mean() if len(run.labels) else pd.Series(0.0, index=themes)
    rows = []
    scores = run.scores.loc[list(candidates), themes]
    for theme in themes:
        threshold = run.thresholds[theme]
        column = scores[theme]
        near = pd.Series(np.exp(-np.abs(logit(column.fillna(0.0).to_numpy(), _EPS) - logit(threshold, _EPS))), index=column.index)
        near[column.isna()] = 0.0
        rare_docs: set[str] = set()
        rare = bool(tagged_share[theme] < RARE_SHARE)
        if rare:
            top = column.dropna().reset_index().sort_values([theme, "doc_id"], ascending=[False, True])
            rare_docs = set(top["doc_id"].head(RARE_TOP))
        n_tagged = int(run.labels[theme].sum())
        for doc_id in column.index:
            disagree = bool(disagreement is not None and doc_id in disagreement.index
                            and disagreement.loc[doc_id, theme])
            bonus_rare = RARE_BONUS if doc_id in rare_docs else 0.0
            bonus_disagree = DISAGREE_BONUS if disagree else 0.0
            why = [f"{theme}: score {column[doc_id]:.2f}, threshold {threshold:.2f}"]
            if bonus_rare:
                why.append(f"among the likeliest documents of a rare theme (tagged in {n_tagged} of {len(run.labels)})")
            if bonus_disagree:
                why.append("tagged on embedding evidence alone (no cue named in its passages)")
            rows.append({"doc_id": doc_id, "theme": theme, "near": float(near[doc_id]), "rare": bonus_rare,
                         "disagree": bonus_disagree, "value": float(near[doc_id]) + bonus_rare + bonus_disagree,
                         "reason": "; ".join(why)})
    return pd.DataFrame(rows, columns=["doc_id", "theme", "near", "rare", "disagree", "value", "reason"])


def pick_informative(values: pd.DataFrame, k: int, theme_order: Sequence[str]) -> list[Pick]:
    """The ``k`` documents of highest summed ``near`` over themes, ties by summed ``value`` (module docstring).

    The reason names the themes nearest their threshold (``theme_order`` on ties) and any bonus.
    """
    if k <= 0 or values.empty:
        return []
    rank = {t: i for i, t in enumerate(theme_order)}
    ordered = values.assign(order=values["theme"].map(lambda t: rank.get(t, len(rank))))
    # Rounded, so documents equally near up to float noise tie (and the bonuses can order them).
    totals = ordered.groupby("doc_id")[["near", "value"]].sum().round(6).reset_index()
    chosen = totals.sort_values(["near", "value", "doc_id"], ascending=[False, False, True])["doc_id"].head(k)
    picks = []
    for doc_id in chosen:
        mine = ordered[ordered["doc_id"] == doc_id].sort_values(["near", "order"], ascending=[False, True])
        # The nearest themes' reasons, and every reason that carries a bonus.
        shown = pd.concat([mine.head(_REASON_THEMES), mine[(mine["rare"] > 0) | (mine["disagree"] > 0)]])
        reasons = list(dict.fromkeys(shown["reason"]))
        picks.append(Pick(doc_id, INFORMATIVE, " | ".join(reasons) + f" (summed nearness {mine['near'].sum():.2f} "
                                                                     f"over {len(mine)} themes)"))
    return picks


def select(
    run: RunForSampling,
    n: int,
    *,
    seed: int = 0,
    random_share: float = 0.5,
    exclude: Iterable[str] = (),
    disagreement: pd.DataFrame | None = None,
) -> Selection:
    """Pick ``n`` documents: ``round(n * random_share)`` at random, the rest informative."""
    if n < 1:
        raise SampleError(f"-n must be at least 1 (got {n})")
    if not 0.0 <= random_share <= 1.0:
        raise SampleError(f"--random-share must be between 0 and 1 (got {random_share})")
    excluded = set(exclude)
    ok = sorted(map(str, run.scores.index))
    eligible = [d for d in ok if d not in excluded]
    notes = []
    if not eligible:
        raise SampleError(f"{run.folder}: no document left to sample ({len(ok)} ok, {len(ok) - len(eligible)} excluded)")
    size = n
    if n > len(eligible):
        size = len(eligible)
        notes.append(f"-n {n} exceeds the {len(eligible)} eligible documents; all of them are selected")
    k_random = min(size, int(math.floor(size * random_share + 0.5)))
    rng = np.random.default_rng(seed)
    drawn = sorted(eligible[i] for i in rng.choice(len(eligible), size=k_random, replace=False))
    random_picks = [Pick(d, RANDOM, f"simple random sample (seed {seed})") for d in drawn]
    informative: list[Pick] = []
    if size > k_random:
        taken = set(drawn)
        rest = [d for d in eligible if d not in taken]
        values = candidate_values(run, rest, disagreement)
        informative = pick_informative(values, size - k_random, list(run.scores.columns))
    informative.sort(key=lambda p: p.doc_id)
    return Selection(picks=random_picks + informative, seed=seed, n_requested=n, random_share=random_share,
                     n_eligible=len(eligible), n_excluded=len(ok) - len(eligible), notes=notes)


def _id_text(value: object) -> str | None:
    """A doc_id cell as text: Excel may hand back 101 as 101.0."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def read_excluded(path: str | Path, theme_ids: Sequence[str]) -> set[str]:
    """The doc_ids of a file of documents already coded (or already handed out for coding).

    Accepts a coding sheet of ``sample``'s layout (.xlsx sheet "coding" or
    .csv), a long coding table (doc_id, coder, theme, present), a plain list
    (column ``doc_id``) or a REFI-QDA project. Files holding coding are read
    and checked with ``practice_themes.coding.readers.read_gold``; every listed doc_id is
    excluded, coded yet or not, so a document handed out is never drawn twice.
    """
    from practice_themes.coding.qdpx import read_qdpx
    from practice_themes.coding.readers import coding_sheet, read_gold
    from practice_themes.coding.tables import read_table, require_columns

    path = Path(path)
    if not path.is_file():
        raise SampleError(f"{path}: --exclude file not found")
    if path.suffix.lower() == ".qdpx":
        # Every source of the project counts, coded or not; the codes themselves do not matter here.
        return set(read_qdpx(path, mapping={}, ignore_unmapped=True).coverage["doc_id"])
    frame = read_table(path, sheet=coding_sheet(path, None))
    require_columns(frame, ("doc_id",), str(path))
    listed = {d for d in map(_id_text, frame["doc_id"]) if d is not None}
    answers = [c for c in frame.columns if c != "doc_id" and c not in DOC_SHEET_OPTIONAL]
    if answers and frame[answers].notna().any().any():
        listed |= set(read_gold(path, theme_ids=theme_ids).coverage["doc_id"])
    return listed
