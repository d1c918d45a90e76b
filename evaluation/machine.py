"""Readers for machine output: a ``code`` output folder, its documents.csv, or ``tag`` JSONL.

``code OUTDIR`` writes ``documents.csv`` (``doc_id, status, ..., <theme>`` 0/1
and ``<theme>_score``) and ``passages.parquet`` or ``passages.csv`` (evidence
rows). ``tag`` writes one JSON object per document. Only documents with
status "ok" are evaluated; the rest are kept in ``excluded`` with the reason.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Sequence

import pandas as pd

from practice_themes.errors import MachineOutputError
from practice_themes.outputs import RunManifest, read_manifest, read_output_csv

PASSAGE_COLUMNS = ("doc_id", "theme", "rank", "score", "page", "start", "end", "section", "region", "text")


class PredictionError(MachineOutputError):
    """Machine output cannot be read as given; the message names the file and the reason."""


@dataclass
class MachineOutput:
    """What the machine said about each document.

    ``labels`` and ``scores``: index doc_id, one column per theme (0/1 and
    probability; scores may be NaN). ``passages``: evidence rows with the
    columns of ``PASSAGE_COLUMNS``. ``excluded``: doc_id, status, reason.
    ``files``: every file read. ``manifest``: the run's ``run.json``, if any.
    """

    labels: pd.DataFrame
    scores: pd.DataFrame
    passages: pd.DataFrame
    excluded: pd.DataFrame
    files: list[Path] = field(default_factory=list)
    manifest: RunManifest | None = None
    source_paths: dict[str, str] = field(default_factory=dict)


def _empty_passages() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in PASSAGE_COLUMNS})


def read_machine(path: str | Path, theme_ids: Sequence[str]) -> MachineOutput:
    """Read machine output from a ``code`` folder, a documents.csv or a ``tag`` .jsonl."""
    path = Path(path)
    if path.is_dir():
        return _read_outdir(path, theme_ids)
    if not path.is_file():
        raise PredictionError(f"{path}: not found (give a `code` output folder, its documents.csv, or a `tag` .jsonl)")
    if path.suffix.lower() in (".jsonl", ".json", ".ndjson"):
        return read_tag_jsonl(path, theme_ids)
    if path.suffix.lower() == ".csv":
        return _read_outdir(path.parent, theme_ids, documents=path)
    raise PredictionError(f"{path}: unsupported machine output; expected a folder, documents.csv or .jsonl")


def _read_outdir(folder: Path, theme_ids: Sequence[str], documents: Path | None = None) -> MachineOutput:
    documents = documents or folder / "documents.csv"
    if not documents.is_file():
        raise PredictionError(f"{folder}: no documents.csv; is this a `practice-themes code` output folder?")
    frame = read_output_csv(documents, PredictionError, dtype={"doc_id": str}, keep_default_na=True)
    for column in ("doc_id", "status"):
        if column not in frame.columns:
            raise PredictionError(f"{documents}: missing column {column!r}")
    missing = [t for t in theme_ids if t not in frame.columns]
    if missing:
        raise PredictionError(
            f"{documents}: no prediction column for theme(s) {', '.join(missing)}; "
            "was it coded with a different codebook?"
        )
    duplicated = frame["doc_id"][frame["doc_id"].duplicated()].tolist()
    if duplicated:
        raise PredictionError(f"{documents}: doc_id appears more than once: {', '.join(map(str, duplicated[:10]))}")
    frame["status"] = frame["status"].fillna("").astype(str).str.strip()
    ok = frame[frame["status"] == "ok"].set_index("doc_id")
    excluded = pd.DataFrame({
        "doc_id": frame.loc[frame["status"] != "ok", "doc_id"].astype(str),
        "status": frame.loc[frame["status"] != "ok", "status"],
        "reason": frame.loc[frame["status"] != "ok"].get("error", pd.Series(dtype=object)),
    }).reset_index(drop=True)
    labels = ok[list(theme_ids)].apply(pd.to_numeric, errors="coerce")
    bad = labels.isna() | ~labels.isin([0, 1])
    if bad.any().any():
        doc, theme = next((d, t) for t in labels.columns for d in labels.index[bad[t]])
        raise PredictionError(f"{documents}: document {doc!r} has {ok.loc[doc, theme]!r} for theme {theme!r}, expected 0 or 1")
    scores = pd.DataFrame(
        {t: pd.to_numeric(ok[f"{t}_score"], errors="coerce") if f"{t}_score" in ok else math.nan for t in theme_ids},
        index=ok.index,
    )
    files = [documents]
    passages = _empty_passages()
    for name in ("passages.parquet", "passages.csv"):
        candidate = documents.parent / name
        if candidate.is_file():
            passages = (pd.read_parquet(candidate) if name.endswith(".parquet")
                        else read_output_csv(candidate, PredictionError, dtype={"doc_id": str, "text": str}))
            missing_cols = [c for c in ("doc_id", "theme", "start", "end", "text") if c not in passages.columns]
            if missing_cols:
                raise PredictionError(f"{candidate}: missing column(s) {', '.join(missing_cols)}")
            for column in PASSAGE_COLUMNS:
                if column not in passages.columns:
                    passages[column] = None
            passages = passages[list(PASSAGE_COLUMNS)].copy()
            passages["doc_id"] = passages["doc_id"].astype(str)
            files.append(candidate)
            break
    manifest = read_manifest(documents.parent)
    if manifest is not None:
        files.append(documents.parent / "run.json")
    sources = {}
    if "source_path" in ok.columns:
        sources = {str(d): str(p) for d, p in ok["source_path"].items() if isinstance(p, str) and p}
    return MachineOutput(
        labels=labels.astype(int), scores=scores, passages=passages.reset_index(drop=True),
        excluded=excluded, files=files, manifest=manifest, source_paths=sources,
    )



def _json_lines(path: Path) -> Iterator[tuple[int, Any]]:
    """Each non-blank line of a JSONL file parsed, with its 1-based line number."""
    with path.open(encoding="utf-8") as handle:
        for line_no, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                yield line_no, json.loads(line)
            except json.JSONDecodeError as exc:
                raise PredictionError(f"{path}: line {line_no} is not JSON: {exc.msg}") from None


def read_tag_jsonl(path: str | Path, theme_ids: Sequence[str]) -> MachineOutput:
    """Read ``tag`` output: ``{"id", "present": [...], "scores": {...}, "evidence": {...}}`` per line."""
    path = Path(path)
    known = set(theme_ids)
    labels, scores, passages, excluded = {}, {}, [], []
    for line_no, record in _json_lines(path):
        if not isinstance(record, dict) or "id" not in record:
            raise PredictionError(f"{path}: line {line_no} has no 'id'")
        doc_id = str(record["id"])
        if doc_id in labels or any(e["doc_id"] == doc_id for e in excluded):
            raise PredictionError(f"{path}: line {line_no}: id {doc_id!r} appears more than once")
        if record.get("error"):
            excluded.append({"doc_id": doc_id, "status": str(record.get("status", "error")), "reason": str(record["error"])})
            continue
        present = record.get("present", [])
        unknown = sorted(set(present) - known)
        if unknown:
            raise PredictionError(f"{path}: line {line_no}: unknown theme id(s) {', '.join(unknown)}")
        labels[doc_id] = {t: int(t in present) for t in theme_ids}
        doc_scores = record.get("scores") or {}
        scores[doc_id] = {t: float(doc_scores[t]) if t in doc_scores else math.nan for t in theme_ids}
        for theme, items in (record.get("evidence") or {}).items():
            for rank, item in enumerate(items, start=1):
                passages.append({
                    "doc_id": doc_id, "theme": theme, "rank": rank, "score": item.get("score"),
                    "page": item.get("page"), "start": item.get("start"), "end": item.get("end"),
                    "section": item.get("section"), "region": item.get("region"), "text": item.get("text"),
                })
    labels_frame = pd.DataFrame.from_dict(labels, orient="index", columns=list(theme_ids)).astype(int)
    labels_frame.index.name = "doc_id"
    scores_frame = pd.DataFrame.from_dict(scores, orient="index", columns=list(theme_ids)).astype(float)
    scores_frame.index.name = "doc_id"
    return MachineOutput(
        labels=labels_frame,
        scores=scores_frame,
        passages=pd.DataFrame(passages, columns=list(PASSAGE_COLUMNS)) if passages else _empty_passages(),
        excluded=pd.DataFrame(excluded, columns=["doc_id", "status", "reason"]),
        files=[path],
    )


def read_texts(path: str | Path, table: Any = None) -> dict[str, str]:
    """Document texts from JSON lines (whole documents, or ``practice-themes ingest`` passages),
    or from the documents themselves.

    Anything but a ``.jsonl`` file, or a ``.jsonl`` with ``table`` (a
    ``TableSpec``: id and text columns), is read as `code` reads its PATH
    arguments (a file, a folder of PDF/DOCX/TXT/MD, a list file or a table)
    and each document's text is its cleaned text, so `code`'s offsets index it.

    A line with ``doc_id`` (or ``id``) and ``text`` but no ``start`` is a whole
    document. Lines with ``start``/``end`` are passages (what ``ingest``
    writes); each document's text is rebuilt by placing every passage at its
    offsets, with spaces where no passage lies, so offsets into the cleaned
    text stay valid. Text outside passages (e.g. dropped page furniture) is
    then blank; re-ingest the sources for the exact full text.
    """
    path = Path(path)
    if table is not None or path.suffix.lower() != ".jsonl":
        return _source_texts(path, table)
    if not path.is_file():
        raise PredictionError(f"{path}: text file not found")
    texts: dict[str, str] = {}
    pieces: dict[str, list[tuple[int, int, str]]] = {}
    for line_no, record in _json_lines(path):
        doc_id = record.get("doc_id", record.get("id"))
        text = record.get("text")
        if doc_id is None:
            raise PredictionError(f"{path}: line {line_no} has no doc_id")
        if not isinstance(text, str):
            continue
        if record.get("start") is None:
            texts[str(doc_id)] = text
            continue
        try:
            start, end = int(record["start"]), int(record["end"])
        except (KeyError, TypeError, ValueError):
            raise PredictionError(f"{path}: line {line_no}: passage needs whole-number start and end") from None
        pieces.setdefault(str(doc_id), []).append((start, end, text))
    for doc_id, passages in pieces.items():
        buffer = [" "] * max(end for _, end, _ in passages)
        for start, end, text in passages:
            # Passage text may be trimmed relative to its span; never let it spill past the span.
            buffer[start:start + min(len(text), end - start)] = text[: end - start]
        texts.setdefault(doc_id, "".join(buffer))
    return texts


def _source_texts(path: Path, table: Any) -> dict[str, str]:
    from practice_themes.bulk.inputs import cleaned_texts
    from practice_themes.errors import PracticeThemesError

    try:
        return cleaned_texts([path], table)
    except PracticeThemesError as exc:
        raise PredictionError(f"--text: {exc}") from None
