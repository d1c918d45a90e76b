"""Write machine coding as a REFI-QDA project (``.qdpx``), for NVivo, ATLAS.ti, MAXQDA or QualCoder.

The writer needs each document's cleaned text, so it sits above the stages;
reading a project (human coding) is ``practice_themes.coding.qdpx``.
"""

from __future__ import annotations

import uuid
import zipfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable, Mapping
from xml.etree import ElementTree as ET

import pandas as pd

from practice_themes.coding.qdpx import NS, validate_project
from practice_themes.evaluation.machine import PredictionError

_Q = f"{{{NS}}}"
MACHINE_USER = "practice-themes"
# Fixed namespace for uuid5, so exporting the same results twice gives the same GUIDs.
_GUID_NAMESPACE = uuid.UUID("8a4f7a5e-3c1b-4d0e-9b7a-2f6c1d9e4b10")


def _attr_text(text: str) -> str:
    """Text safe for an XML attribute: XML 1.0 forbids most control characters."""
    return " ".join("".join(ch if ch >= " " or ch in "\t\n\r" else " " for ch in text).split())


def _guid(*parts: object) -> str:
    return str(uuid.uuid5(_GUID_NAMESPACE, "\x1f".join(map(str, parts))))


def build_project(
    texts: Mapping[str, str],
    codings: pd.DataFrame,
    themes: Iterable[tuple[str, str, str]],
    *,
    project_name: str = "practice-themes machine coding",
    user: str = MACHINE_USER,
    descriptions: Mapping[str, str] | None = None,
) -> tuple[ET.Element, dict[str, str]]:
    """Build the ``Project`` element and the ``sources/`` files of a REFI-QDA project.

    ``codings`` has columns doc_id, theme, start, end (character offsets into
    ``texts[doc_id]``). ``themes`` yields (id, label, definition); each becomes
    a Code named by its label with the id in its description.
    ``descriptions`` (doc_id -> text) become the sources' Description. Returns
    the XML root and a mapping of archive member name to text.
    """
    now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    user_guid = _guid("user", user)
    ET.register_namespace("", NS)
    root = ET.Element(f"{_Q}Project", {
        "name": project_name, "origin": "practice-themes", "creatingUserGUID": user_guid, "creationDateTime": now,
    })
    users = ET.SubElement(root, f"{_Q}Users")
    ET.SubElement(users, f"{_Q}User", {"guid": user_guid, "name": user})
    codebook = ET.SubElement(ET.SubElement(root, f"{_Q}CodeBook"), f"{_Q}Codes")
    code_guids = {}
    for theme_id, label, definition in themes:
        code_guids[theme_id] = _guid("code", theme_id)
        code = ET.SubElement(codebook, f"{_Q}Code", {"guid": code_guids[theme_id], "name": label, "isCodable": "true"})
        ET.SubElement(code, f"{_Q}Description").text = f"practice-themes id: {theme_id}. {definition}".strip()
    unknown = sorted(set(codings["theme"]) - set(code_guids))
    if unknown:
        raise PredictionError(f"codings use themes that are not in the codebook: {', '.join(unknown)}")
    missing = sorted(set(codings["doc_id"]) - set(texts))
    if missing:
        raise PredictionError(f"no text for coded documents: {', '.join(missing)}")
    sources = ET.SubElement(root, f"{_Q}Sources")
    files: dict[str, str] = {}
    by_doc = {doc: group for doc, group in codings.groupby("doc_id", sort=True)}
    for doc_id in sorted(texts):
        text = texts[doc_id]
        source_guid = _guid("source", doc_id)
        files[f"sources/{source_guid}.txt"] = text
        source = ET.SubElement(sources, f"{_Q}TextSource", {
            "guid": source_guid, "name": f"{doc_id}.txt", "plainTextPath": f"internal://{source_guid}.txt",
            "creatingUser": user_guid, "creationDateTime": now,
        })
        if descriptions and doc_id in descriptions:
            ET.SubElement(source, f"{_Q}Description").text = descriptions[doc_id]
        group = by_doc.get(doc_id)
        if group is None:
            continue
        spans: dict[tuple[int, int], list[str]] = {}
        for row in group.itertuples(index=False):
            start, end = int(row.start), int(row.end)
            if not 0 <= start < end <= len(text):
                raise PredictionError(f"{doc_id}: span {start}-{end} is outside the text ({len(text)} characters)")
            themes_here = spans.setdefault((start, end), [])
            if row.theme not in themes_here:
                themes_here.append(row.theme)
        # One selection per span, with a Coding per theme, as QDA programs do.
        for (start, end), span_themes in sorted(spans.items()):
            selection = ET.SubElement(source, f"{_Q}PlainTextSelection", {
                "guid": _guid("selection", doc_id, start, end), "name": _attr_text(text[start:end])[:60],
                "startPosition": str(start), "endPosition": str(end), "creatingUser": user_guid, "creationDateTime": now,
            })
            for theme_id in span_themes:
                coding = ET.SubElement(selection, f"{_Q}Coding", {
                    "guid": _guid("coding", doc_id, start, end, theme_id), "creatingUser": user_guid, "creationDateTime": now,
                })
                ET.SubElement(coding, f"{_Q}CodeRef", {"targetGUID": code_guids[theme_id]})
    return root, files


def write_qdpx(
    path: str | Path,
    texts: Mapping[str, str],
    codings: pd.DataFrame,
    themes: Iterable[tuple[str, str, str]],
    *,
    descriptions: Mapping[str, str] | None = None,
    **project: str,
) -> Path:
    """Write a validated ``.qdpx`` archive; raise ``PredictionError`` (a ``ValueError``) listing any structural problem."""
    root, files = build_project(texts, codings, themes, descriptions=descriptions, **project)
    problems = validate_project(root, files)
    if problems:
        raise PredictionError("the REFI-QDA project would be invalid: " + "; ".join(problems[:10]))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    xml = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("project.qde", xml)
        for member, text in files.items():
            archive.writestr(member, text.encode("utf-8"))
    return path


def ingest_texts(paths: Mapping[str, Path]) -> dict[str, str]:
    """Cleaned text of each source file, as ``code`` produced it (the stage runner, up to clean)."""
    from practice_themes.process import run_stages

    return {doc_id: run_stages(path, until="clean").document.text for doc_id, path in paths.items()}


def export_results(
    results: str | Path,
    out: str | Path,
    *,
    text_path: str | Path | None = None,
    source_dir: str | Path | None = None,
    codebook_path: str | Path | None = None,
) -> dict[str, int]:
    """Write a ``code`` output folder's evidence passages as a ``.qdpx`` project.

    Texts come from ``text_path`` (ingest JSONL), else from re-ingesting the
    files in ``source_dir`` (matched by doc_id = file stem), else from the
    ``source_path`` column of documents.csv. Every passage must read the same
    in the text as in passages.csv, so spans cannot silently drift.
    """
    from practice_themes.evaluation.machine import read_machine, read_texts
    from practice_themes.evaluation.passages import normalise_words
    from practice_themes.codebook import load_codebook
    from practice_themes.ingest import SUPPORTED_SUFFIXES, doc_id_for

    codebook = load_codebook(codebook_path)
    machine = read_machine(results, codebook.ids)
    docs = list(machine.labels.index)
    if text_path is not None:
        texts = read_texts(text_path)
    else:
        if source_dir is not None:
            found = {doc_id_for(p): p for p in sorted(Path(source_dir).rglob("*")) if p.suffix.lower() in SUPPORTED_SUFFIXES}
        else:
            found = {d: Path(p) for d, p in machine.source_paths.items() if Path(p).is_file()}
        texts = ingest_texts({d: found[d] for d in docs if d in found})
    missing = [d for d in docs if d not in texts]
    if missing:
        raise PredictionError(
            f"no text for {len(missing)} coded document(s) ({', '.join(missing[:5])}); give --text or --source-dir"
        )
    texts = {d: texts[d] for d in docs}
    present = {(d, t) for d, row in machine.labels.iterrows() for t, v in row.items() if v == 1}
    passages = machine.passages
    passages = passages[[pair in present for pair in zip(passages["doc_id"], passages["theme"])]]
    drifted = [
        f"{r.doc_id}@{int(r.start)}" for r in passages.itertuples(index=False)
        if normalise_words(texts[r.doc_id][int(r.start):int(r.end)]) != normalise_words(str(r.text))
    ]
    if drifted:
        raise PredictionError(
            f"{len(drifted)} passage(s) do not match the document text at their span (e.g. {', '.join(drifted[:3])}); "
            "the text is not the one the passages were cut from (different cleaning version?)"
        )
    codings = passages[["doc_id", "theme", "start", "end"]].astype({"start": int, "end": int})
    themes = [(t.id, t.label, t.definition) for t in codebook.themes]
    write_qdpx(out, texts, codings, themes)
    return {"documents": len(texts), "selections": int(len(codings.drop_duplicates(["doc_id", "start", "end"]))),
            "themes": len(themes)}
