"""REFI-QDA projects (``.qdpx``): read human coding and check a project's structure.

A ``.qdpx`` file is a zip holding ``project.qde`` (XML in the namespace
``urn:QDA-XML:project:1.0``) and the source files under ``sources/``. This
is the exchange format of NVivo, ATLAS.ti, MAXQDA and QualCoder. Only plain
text sources are handled: a ``TextSource`` whose text is inline
(``PlainTextContent``) or in ``sources/<guid>.txt`` (``internal://<guid>.txt``),
coded with ``PlainTextSelection`` elements whose ``startPosition`` and
``endPosition`` count characters (Unicode code points) from 0, end exclusive.
"""

from __future__ import annotations

import math
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence
from xml.etree import ElementTree as ET

import pandas as pd

from practice_themes.coding.gold import LONG_COLUMNS, GoldCoding, check_themes
from practice_themes.coding.tables import AnnotationError, read_table, require_columns

NS = "urn:QDA-XML:project:1.0"
_Q = f"{{{NS}}}"
_GUID = re.compile(
    r"^(\{)?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(?(1)\})$"
)
# Child elements of Project in the order the REFI-QDA schema's sequence fixes.
_PROJECT_ORDER = ("Users", "CodeBook", "Variables", "Cases", "Sources", "Notes", "Links", "Sets", "Graphs", "Description", "NoteRef")


def _tag(element: ET.Element) -> str:
    return element.tag.split("}", 1)[1] if element.tag.startswith("{") else element.tag


@dataclass
class QdaCode:
    """A code of the project's codebook; ``path`` joins parent names with '/'."""

    guid: str
    name: str
    path: str


def read_mapping(path: str | Path) -> dict[str, str | None]:
    """Read a code-name -> theme-id mapping from YAML (``{code: theme}``) or CSV (``code,theme``).

    A blank theme marks a code that is deliberately left out of the evaluation.
    """
    path = Path(path)
    if not path.is_file():
        raise AnnotationError(f"{path}: mapping file not found")
    if path.suffix.lower() in (".yaml", ".yml"):
        import yaml

        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise AnnotationError(f"{path}: expected a mapping of code name to theme id")
        return {" ".join(str(k).split()): (None if v in (None, "") else str(v).strip()) for k, v in data.items()}
    frame = read_table(path)
    require_columns(frame, ("code", "theme"), str(path))
    mapping: dict[str, str | None] = {}
    for i, cells in enumerate(frame.to_dict("records")):
        if pd.isna(cells["code"]):
            continue
        code = str(cells["code"])
        if code in mapping:
            raise AnnotationError(f"{path}: row {i + 2}: code {code!r} is mapped twice")
        mapping[code] = None if pd.isna(cells["theme"]) else str(cells["theme"])
    return mapping


def _codes(codebook: ET.Element | None) -> dict[str, QdaCode]:
    found: dict[str, QdaCode] = {}

    def walk(parent: ET.Element, prefix: str) -> None:
        for code in parent.findall(f"{_Q}Code"):
            name = " ".join((code.get("name") or "").split())
            path = f"{prefix}/{name}" if prefix else name
            found[code.get("guid", "")] = QdaCode(code.get("guid", ""), name, path)
            walk(code, path)

    if codebook is not None:
        codes = codebook.find(f"{_Q}Codes")
        if codes is not None:
            walk(codes, "")
    return found


def _source_text(source: ET.Element, archive: zipfile.ZipFile, where: str) -> str | None:
    inline = source.find(f"{_Q}PlainTextContent")
    if inline is not None:
        return inline.text or ""
    text_path = source.get("plainTextPath") or ""
    if text_path.startswith("internal://"):
        member = "sources/" + text_path[len("internal://"):]
        try:
            return archive.read(member).decode("utf-8-sig")
        except KeyError:
            raise AnnotationError(f"{where}: {member} is named by TextSource {source.get('name')!r} but not in the archive") from None
    return None  # relative:// or absolute:// sources live outside the project file


def read_qdpx(
    path: str | Path,
    *,
    mapping: str | Path | Mapping[str, str | None],
    theme_ids: Sequence[str] | None = None,
    ignore_unmapped: bool = False,
) -> GoldCoding:
    """Read the coded text segments of a REFI-QDA project as a long coding frame.

    doc_id is the source name without its extension, coder the user name of
    the coding (or of the selection), theme the id the code name maps to, and
    quote the selected text. Code names are looked up in ``mapping`` by name,
    then by path ("Parent/Child"). Codes used in the project but absent from
    the mapping raise an error unless ``ignore_unmapped``. Every source in
    the project counts as coded by every coder of the project, so a source
    with no coded segment is negative for every theme.
    """
    path = Path(path)
    where = str(path)
    names = dict(mapping) if isinstance(mapping, Mapping) else read_mapping(mapping)
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, FileNotFoundError, IsADirectoryError) as exc:
        raise AnnotationError(f"{where}: not a .qdpx (zip) file: {exc}") from None
    with archive:
        try:
            root = ET.fromstring(archive.read("project.qde"))
        except KeyError:
            raise AnnotationError(f"{where}: no project.qde in the archive") from None
        except ET.ParseError as exc:
            raise AnnotationError(f"{where}: project.qde is not valid XML: {exc}") from None
        if root.tag != f"{_Q}Project":
            raise AnnotationError(f"{where}: root element is {root.tag!r}, expected Project in namespace {NS}")
        users = {u.get("guid"): u.get("name") or u.get("guid") for u in root.iter(f"{_Q}User")}
        codes = _codes(root.find(f"{_Q}CodeBook"))
        project_user = root.get("creatingUser") or root.get("creatingUserGUID")
        records, texts, unmapped, sources = [], {}, {}, []
        for source in root.iter(f"{_Q}TextSource"):
            name = source.get("name") or source.get("guid") or ""
            doc_id = Path(name).stem if Path(name).suffix else name
            sources.append(doc_id)
            text = _source_text(source, archive, where)
            if text is not None:
                texts[doc_id] = text
            for selection in source.findall(f"{_Q}PlainTextSelection"):
                start, end = int(selection.get("startPosition", "0")), int(selection.get("endPosition", "0"))
                quote = text[start:end] if text is not None else None
                for coding in selection.findall(f"{_Q}Coding"):
                    ref = coding.find(f"{_Q}CodeRef")
                    code = codes.get(ref.get("targetGUID") if ref is not None else "")
                    if code is None:
                        raise AnnotationError(f"{where}: a coding in source {name!r} refers to a code that is not in the codebook")
                    theme = names.get(code.name, names.get(code.path, "__unmapped__"))
                    if theme == "__unmapped__":
                        unmapped[code.path] = unmapped.get(code.path, 0) + 1
                        continue
                    if theme is None:
                        continue
                    user_guid = coding.get("creatingUser") or selection.get("creatingUser") or project_user
                    records.append({
                        "doc_id": doc_id, "coder": users.get(user_guid, user_guid or "unknown"), "theme": theme,
                        "present": 1, "quote": quote, "start": float(start), "end": float(end),
                        "page": math.nan, "note": None, "row": 0,
                    })
    if unmapped and not ignore_unmapped:
        listed = ", ".join(f"{c!r} ({n} coding{'s' if n > 1 else ''})" for c, n in sorted(unmapped.items()))
        raise AnnotationError(
            f"{where}: codes not in the mapping file: {listed}. Map them to theme ids, "
            "map them to nothing (blank) to leave them out, or pass --ignore-unmapped"
        )
    codes_frame = pd.DataFrame(records, columns=list(LONG_COLUMNS))
    # Selections have no spreadsheet row; number them so error messages can still point at one.
    codes_frame["row"] = range(1, len(codes_frame) + 1)
    check_themes(codes_frame, theme_ids, f"{where} (via the mapping file)")
    # Document-level coding: a source in the project with no coded segment was read and found to
    # hold no theme, so it is covered (negative for every theme) for every coder of the project.
    project_coders = sorted(set(codes_frame["coder"])) or [users.get(project_user, project_user or "unknown")]
    listed = pd.DataFrame([(d, c) for d in dict.fromkeys(sources) for c in project_coders], columns=["doc_id", "coder"])
    coverage = pd.concat([codes_frame[["doc_id", "coder"]], listed], ignore_index=True)
    coverage = coverage.drop_duplicates().reset_index(drop=True)
    return GoldCoding(codes=codes_frame, coverage=coverage, source=where, texts=texts)


def validate_project(root: ET.Element, files: Mapping[str, str] | None = None) -> list[str]:
    """Check a project against the REFI-QDA structure; return the problems found (empty = valid).

    Checks the namespace, the order and names of Project's children, required
    attributes, GUID syntax and uniqueness, that every CodeRef and creatingUser
    points at an existing Code or User, and that selections lie inside their
    source text when the text is known.
    """
    problems: list[str] = []
    if root.tag != f"{_Q}Project":
        return [f"root element is {root.tag!r}, expected {{{NS}}}Project"]
    if not root.get("name"):
        problems.append("Project has no name attribute")
    order = [_tag(child) for child in root]
    unknown = [t for t in order if t not in _PROJECT_ORDER]
    if unknown:
        problems.append(f"Project has unknown children: {unknown}")
    ranks = [_PROJECT_ORDER.index(t) for t in order if t in _PROJECT_ORDER]
    if ranks != sorted(ranks) or len(set(order)) != len(order):
        problems.append(f"Project children out of schema order or repeated: {order}")
    guids: dict[str, str] = {}
    for element in root.iter():
        guid = element.get("guid")
        if guid is None:
            continue
        if not _GUID.match(guid):
            problems.append(f"{_tag(element)} has a malformed guid {guid!r}")
        if guid in guids:
            problems.append(f"guid {guid} used by both {guids[guid]} and {_tag(element)}")
        guids[guid] = _tag(element)
    required = {
        "User": ("guid",), "Code": ("guid", "name", "isCodable"), "TextSource": ("guid", "name"),
        "PlainTextSelection": ("guid", "startPosition", "endPosition"), "Coding": ("guid",), "CodeRef": ("targetGUID",),
    }
    for element in root.iter():
        for attribute in required.get(_tag(element), ()):
            if not element.get(attribute):
                problems.append(f"{_tag(element)} lacks the required attribute {attribute!r}")
    users = {u.get("guid") for u in root.findall(f"{_Q}Users/{_Q}User")}
    code_guids = {c.get("guid") for c in root.iter(f"{_Q}Code")}
    codes_parent = root.find(f"{_Q}CodeBook/{_Q}Codes")
    if root.find(f"{_Q}CodeBook") is not None and codes_parent is None:
        problems.append("CodeBook has no Codes element")
    for element in root.iter():
        creator = element.get("creatingUser")
        if creator is not None and creator not in users:
            problems.append(f"{_tag(element)} {element.get('guid')} names an unknown creatingUser {creator}")
    for ref in root.iter(f"{_Q}CodeRef"):
        if ref.get("targetGUID") not in code_guids:
            problems.append(f"CodeRef points at a missing code {ref.get('targetGUID')}")
    for source in root.iter(f"{_Q}TextSource"):
        text = None
        text_path = source.get("plainTextPath") or ""
        if files is not None and text_path.startswith("internal://"):
            text = files.get("sources/" + text_path[len("internal://"):])
            if text is None:
                problems.append(f"TextSource {source.get('name')!r}: {text_path} is not in the archive")
        for child in source:
            if _tag(child) not in ("Description", "PlainTextContent", "PlainTextSelection", "VariableValue", "NoteRef"):
                problems.append(f"TextSource {source.get('name')!r} has an unexpected child {_tag(child)}")
        for selection in source.findall(f"{_Q}PlainTextSelection"):
            try:
                start, end = int(selection.get("startPosition", "")), int(selection.get("endPosition", ""))
            except ValueError:
                problems.append(f"PlainTextSelection {selection.get('guid')} has non-integer positions")
                continue
            if start < 0 or end < start or (text is not None and end > len(text)):
                problems.append(f"PlainTextSelection {selection.get('guid')} span {start}-{end} is outside its source")
            for coding in selection.findall(f"{_Q}Coding"):
                if coding.find(f"{_Q}CodeRef") is None:
                    problems.append(f"Coding {coding.get('guid')} has no CodeRef")
    return problems
