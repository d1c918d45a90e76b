"""The real development set, ``../shared/data/pfd_dev``: texts, human coding and passages.

100 coroners' Prevention of Future Deaths reports, coded at document level by
two coders and a consensus. Nothing from it is copied into the project: the
benchmarks and the threshold fit read it where it lies and skip when it is
absent.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
PFD_DEV = ROOT.parent / "shared" / "data" / "pfd_dev"
TEXT_COLUMNS = ("investigation", "circumstances", "concerns")
# The coders' Cohen's kappa with each other, from ../shared/README.md (themes >= 5% prevalence).
CODER_KAPPA = {"information_sharing": 0.90, "risk_assessment": 0.80, "professional_curiosity": 0.90,
               "management_oversight": 0.87, "adolescent_risk": 1.00, "disability": 0.88}


# What a benchmark that only reads pfd_dev prints when it is absent (a checkout without ../shared).
MISSING = "skipped: ../shared/data/pfd_dev not found"


def available() -> bool:
    return (PFD_DEV / "reports.csv").is_file() and (PFD_DEV / "codings.csv").is_file()


def report_texts() -> dict[str, str]:
    """doc_id -> the report's three sections, one paragraph each, as ``code reports.csv --id-column id
    --text-columns investigation circumstances concerns`` reads them."""
    from practice_themes.ingest.tabular import TableSpec, read_table

    return {row.doc_id: row.text for row in read_table(PFD_DEV / "reports.csv", TableSpec("id", TEXT_COLUMNS))}


def coding(theme_ids: list[str], coder: str = "consensus") -> tuple[list[str], np.ndarray, dict]:
    """(doc_ids, truth [docs, themes] bool, {(doc_id, theme): quote}) for one coder."""
    from practice_themes.coding.readers import read_gold

    gold = read_gold(PFD_DEV / "codings.csv", theme_ids=theme_ids)
    matrix = gold.document_matrix(theme_ids).xs(coder, level="coder")
    codes = gold.codes[(gold.codes["coder"] == coder) & (gold.codes["present"] == 1)]
    quotes = {(r.doc_id, r.theme): str(r.quote or "") for r in codes.itertuples(index=False)}
    return list(matrix.index), matrix.to_numpy() > 0.5, quotes


def passages(texts: dict[str, str], cache: Path | None = None) -> dict:
    """doc_id -> passages, as ``tag`` makes them from plain text; cached by the text and the segmenter."""
    from practice_themes.segment import segment_text
    from practice_themes.types import Passage

    out = {}
    for doc_id, text in texts.items():
        cached = None
        if cache is not None:
            key = hashlib.sha256((text + (ROOT / "pipeline" / "segment.py").read_text()).encode()).hexdigest()[:20]
            cached = cache / f"pfd-{doc_id}-{key}.json"
            if cached.is_file():
                out[doc_id] = [Passage(**row) for row in json.loads(cached.read_text(encoding="utf-8"))]
                continue
        out[doc_id] = segment_text(text, doc_id=doc_id)
        if cached is not None:
            cache.mkdir(parents=True, exist_ok=True)
            cached.write_text(json.dumps([p.to_dict() for p in out[doc_id]]), encoding="utf-8")
    return out


@dataclass
class PfdDev:
    """The development set loaded for one codebook: consensus coding, texts and passages, in ``doc_ids`` order."""

    doc_ids: list[str]
    truth: np.ndarray  # [reports, themes] bool
    quotes: dict  # (doc_id, theme) -> the coder's quote
    texts: dict[str, str]
    passages: dict  # doc_id -> passages

    def labelled(self, theme_ids: list[str]) -> dict:
        """doc_id -> ``LabelledPassages`` with the consensus's document labels (no quotes: document level)."""
        from practice_themes.classify.training import Coding, label_passages

        coding = Coding(quotes={}, doc_themes={d: {t for j, t in enumerate(theme_ids) if self.truth[i, j]}
                                               for i, d in enumerate(self.doc_ids)})
        return {d: label_passages(d, self.passages[d], coding, theme_ids) for d in self.doc_ids}


def load(theme_ids: list[str], cache: Path | None = None) -> PfdDev:
    """Consensus coding, report texts and passages of every coded report."""
    doc_ids, truth, quotes = coding(theme_ids)
    texts = report_texts()
    return PfdDev(doc_ids, truth, quotes, texts, passages({d: texts[d] for d in doc_ids}, cache=cache))
