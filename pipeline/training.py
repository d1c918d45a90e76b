"""The documents a coding refers to, read the way ``code`` reads them: the corpus side of training.

Finding each coded document's source (a file by stem, or a table row) and
turning it into passages through ``process.run_stages``, the one stage
runner. It sits above the stages (floor of ``process``) so that the
classifier's own training code (``classify.training``: labels and fitting)
never imports upwards; ``train``, the benchmarks and sampling use it.
"""

from __future__ import annotations

import csv
import hashlib
import json
from functools import lru_cache
from pathlib import Path

from practice_themes.classify.training import AnnotationError
from practice_themes.ingest.tabular import TableError, TableRow, TableSpec, is_table, read_table
from practice_themes.process import run_stages
from practice_themes.sources import sources_sha256
from practice_themes.types import Passage

# When a report is held in several formats, read the richest.
_FORMAT_PREFERENCE = (".pdf", ".docx", ".md", ".txt")


def find_documents(corpus: str | Path, doc_ids: list[str],
                   table: TableSpec | None = None) -> dict[str, Path | TableRow]:
    """Map each doc_id to its source: a file under the folder ``corpus`` (matched by file stem;
    PDF preferred, then DOCX, Markdown, plain text), or a row of the table ``corpus`` (.csv/.jsonl,
    whose id and text columns ``table`` names)."""
    corpus = Path(corpus)
    wanted = set(doc_ids)
    found: dict[str, Path | TableRow] = {}
    if is_table(corpus):
        if table is None:
            raise AnnotationError(f"{corpus} is a table of texts: give --id-column and --text-columns")
        try:
            found = {row.doc_id: row for row in read_table(corpus, table) if row.doc_id in wanted}
        except (TableError, OSError) as exc:
            raise AnnotationError(str(exc)) from None
        kind = "row in"
    else:
        rank = {suffix: i for i, suffix in enumerate(_FORMAT_PREFERENCE)}
        for path in sorted(corpus.rglob("*")):
            suffix = path.suffix.lower()
            if suffix in rank and path.stem in wanted and path.is_file():
                if path.stem not in found or rank[suffix] < rank[found[path.stem].suffix.lower()]:
                    found[path.stem] = path
        kind = "PDF, DOCX, .md or .txt under"
    missing = [d for d in doc_ids if d not in found]
    if missing:
        raise AnnotationError(f"no {kind} {corpus} for coded document(s): {', '.join(missing)}")
    return found


@lru_cache(maxsize=1)
def _stage_sources_sha256() -> str:
    """sha256 over the stage runner and the ingest/clean/segment sources: cached passages go stale when they change."""
    return sources_sha256("ingest*/**/*.py", "ingest*.py", "clean/**/*.py", "clean.py",
                          "segment*.py", "segment/**/*.py", "process.py", "types.py")


def document_passages(source: Path | TableRow, cache: str | Path | None = None) -> list[Passage]:
    """Ingest, clean and segment one file (or table row): the passages the classifier sees.

    With ``cache`` (a folder), the passages are kept as JSON keyed by the
    file's bytes and the stage sources, so benchmarks re-read them instantly.
    """
    cached = None
    if cache is not None:
        data = source.text.encode("utf-8") if isinstance(source, TableRow) else Path(source).read_bytes()
        key = hashlib.sha256(data + _stage_sources_sha256().encode()).hexdigest()[:24]
        stem = source.doc_id if isinstance(source, TableRow) else Path(source).stem
        cached = Path(cache) / f"passages-{stem}-{key}.json"
        if cached.is_file():
            return [Passage(**row) for row in json.loads(cached.read_text(encoding="utf-8"))]
    if isinstance(source, TableRow):
        passages = run_stages(source.source, doc_id=source.doc_id, text=source.text, until="segment").passages
    else:
        passages = run_stages(source, until="segment").passages
    if cached is not None:
        cached.parent.mkdir(parents=True, exist_ok=True)
        cached.write_text(json.dumps([p.to_dict() for p in passages]), encoding="utf-8")
    return passages


def read_splits(metadata_csv: str | Path) -> dict[str, str]:
    """doc_id -> split (dev/heldout) from a corpus metadata CSV."""
    with open(metadata_csv, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    if rows and "split" not in rows[0]:
        raise AnnotationError(f"{metadata_csv}: no 'split' column")
    return {r["doc_id"]: (r.get("split") or "").strip() for r in rows}
