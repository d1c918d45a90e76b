"""REFI-QDA import and export: a hand-made project reads, and export -> import round-trips."""

from __future__ import annotations

import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import pandas as pd
import pytest

from practice_themes.coding.qdpx import NS, read_mapping, read_qdpx, validate_project
from practice_themes.evaluation.qdpx_export import build_project, write_qdpx
from practice_themes.coding.tables import AnnotationError

THEMES = ["information_sharing", "neglect", "domestic_abuse"]

TEXT_A = "The school did not tell social care. The home was dirty and cold."
PROJECT = f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="{NS}" name="study" creatingUserGUID="11111111-1111-1111-1111-111111111111">
  <Users>
    <User guid="11111111-1111-1111-1111-111111111111" name="Ann"/>
    <User guid="22222222-2222-2222-2222-222222222222" name="Bob"/>
  </Users>
  <CodeBook><Codes>
    <Code guid="aaaaaaaa-0000-0000-0000-000000000001" name="Practice" isCodable="false">
      <Code guid="aaaaaaaa-0000-0000-0000-000000000002" name="Info  sharing" isCodable="true"/>
      <Code guid="aaaaaaaa-0000-0000-0000-000000000003" name="Neglect" isCodable="true"/>
    </Code>
    <Code guid="aaaaaaaa-0000-0000-0000-000000000004" name="Memo-worthy" isCodable="true"/>
  </Codes></CodeBook>
  <Sources>
    <TextSource guid="bbbbbbbb-0000-0000-0000-000000000001" name="review-a.txt" plainTextPath="internal://bbbbbbbb-0000-0000-0000-000000000001.txt">
      <PlainTextSelection guid="cccccccc-0000-0000-0000-000000000001" startPosition="0" endPosition="36" creatingUser="11111111-1111-1111-1111-111111111111">
        <Coding guid="dddddddd-0000-0000-0000-000000000001" creatingUser="11111111-1111-1111-1111-111111111111">
          <CodeRef targetGUID="aaaaaaaa-0000-0000-0000-000000000002"/>
        </Coding>
      </PlainTextSelection>
      <PlainTextSelection guid="cccccccc-0000-0000-0000-000000000002" startPosition="37" endPosition="65">
        <Coding guid="dddddddd-0000-0000-0000-000000000002" creatingUser="22222222-2222-2222-2222-222222222222">
          <CodeRef targetGUID="aaaaaaaa-0000-0000-0000-000000000003"/>
        </Coding>
        <Coding guid="dddddddd-0000-0000-0000-000000000003" creatingUser="22222222-2222-2222-2222-222222222222">
          <CodeRef targetGUID="aaaaaaaa-0000-0000-0000-000000000004"/>
        </Coding>
      </PlainTextSelection>
    </TextSource>
    <TextSource guid="bbbbbbbb-0000-0000-0000-000000000002" name="review-b">
      <PlainTextContent>Mother's partner had convictions.</PlainTextContent>
    </TextSource>
  </Sources>
</Project>
"""


def make_project(tmp_path: Path) -> Path:
    path = tmp_path / "study.qdpx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("project.qde", PROJECT)
        archive.writestr("sources/bbbbbbbb-0000-0000-0000-000000000001.txt", TEXT_A)
    return path


def test_reads_selections_users_nested_codes_and_quotes(tmp_path):
    mapping = tmp_path / "map.yaml"
    mapping.write_text("Info sharing: information_sharing\nPractice/Neglect: neglect\nMemo-worthy:\n")
    gold = read_qdpx(make_project(tmp_path), mapping=mapping, theme_ids=THEMES)
    rows = gold.codes[["doc_id", "coder", "theme", "start", "end", "quote"]].to_dict("records")
    assert rows == [
        {"doc_id": "review-a", "coder": "Ann", "theme": "information_sharing", "start": 0.0, "end": 36.0,
         "quote": "The school did not tell social care."},
        {"doc_id": "review-a", "coder": "Bob", "theme": "neglect", "start": 37.0, "end": 65.0,
         "quote": "The home was dirty and cold."},
    ]
    assert gold.texts == {"review-a": TEXT_A, "review-b": "Mother's partner had convictions."}
    assert gold.coders == ["Ann", "Bob"]


def test_unmapped_codes_are_reported_unless_ignored(tmp_path):
    project = make_project(tmp_path)
    mapping = tmp_path / "map.csv"
    mapping.write_text("code,theme\nInfo sharing,information_sharing\nNeglect,neglect\n")
    with pytest.raises(AnnotationError, match=r"codes not in the mapping file: 'Memo-worthy' \(1 coding\)"):
        read_qdpx(project, mapping=mapping, theme_ids=THEMES)
    gold = read_qdpx(project, mapping=mapping, theme_ids=THEMES, ignore_unmapped=True)
    assert sorted(gold.codes["theme"]) == ["information_sharing", "neglect"]


def test_mapping_to_unknown_theme_is_an_error(tmp_path):
    with pytest.raises(AnnotationError, match=r"unknown theme id 'negelct' \(did you mean 'neglect'\?\)"):
        read_qdpx(make_project(tmp_path), mapping={"Info sharing": "information_sharing", "Neglect": "negelct",
                                                   "Memo-worthy": None}, theme_ids=THEMES)


def test_mapping_csv_rejects_a_code_mapped_twice(tmp_path):
    mapping = tmp_path / "map.csv"
    mapping.write_text("code,theme\nNeglect,neglect\nNeglect,domestic_abuse\n")
    with pytest.raises(AnnotationError, match="row 3: code 'Neglect' is mapped twice"):
        read_mapping(mapping)


def test_not_a_zip_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.qdpx"
    bad.write_text("hello")
    with pytest.raises(AnnotationError, match="not a .qdpx"):
        read_qdpx(bad, mapping={}, theme_ids=THEMES)


THEME_ROWS = [(t, t.replace("_", " ").title(), f"Definition of {t}.") for t in THEMES]


def test_export_then_import_gives_back_the_same_codings(tmp_path):
    texts = {
        "r1": "Agencies did not share the referral.\x02 The child was hungry — and cold.",
        "r2": "Ünïcode first: café. Father was violent at home.",
        "r3": "Nothing coded in this one.",
    }
    def span(doc_id: str, quote: str) -> tuple[int, int]:
        start = texts[doc_id].index(quote)
        return start, start + len(quote)

    hungry = span("r1", "The child was hungry — and cold.")
    violent = span("r2", "Father was violent at home.")
    codings = pd.DataFrame([
        {"doc_id": "r1", "theme": "information_sharing", "start": 0, "end": 36},
        {"doc_id": "r1", "theme": "neglect", "start": hungry[0], "end": hungry[1]},
        {"doc_id": "r1", "theme": "information_sharing", "start": hungry[0], "end": hungry[1]},
        {"doc_id": "r2", "theme": "domestic_abuse", "start": violent[0], "end": violent[1]},
    ])
    path = write_qdpx(tmp_path / "machine.qdpx", texts, codings, THEME_ROWS)
    mapping = {label: theme_id for theme_id, label, _ in THEME_ROWS}
    gold = read_qdpx(path, mapping=mapping, theme_ids=THEMES)
    got = gold.codes[["doc_id", "theme", "start", "end"]].astype({"start": int, "end": int})
    key = ["doc_id", "theme", "start", "end"]
    assert got.sort_values(key).to_dict("records") == codings.sort_values(key).to_dict("records")
    assert set(gold.codes["coder"]) == {"practice-themes"}
    assert gold.texts == texts
    assert gold.codes.loc[gold.codes["theme"] == "domestic_abuse", "quote"].item() == "Father was violent at home."


def test_exported_project_has_the_refi_structure(tmp_path):
    texts = {"r1": "Agencies did not share the referral."}
    codings = pd.DataFrame([{"doc_id": "r1", "theme": "information_sharing", "start": 0, "end": 36}])
    path = write_qdpx(tmp_path / "machine.qdpx", texts, codings, THEME_ROWS)
    with zipfile.ZipFile(path) as archive:
        root = ET.fromstring(archive.read("project.qde"))
        files = {n: archive.read(n).decode() for n in archive.namelist() if n.startswith("sources/")}
    q = f"{{{NS}}}"
    assert [child.tag for child in root] == [f"{q}Users", f"{q}CodeBook", f"{q}Sources"]
    assert root.find(f"{q}Users/{q}User").get("name") == "practice-themes"
    code = root.find(f"{q}CodeBook/{q}Codes/{q}Code")
    assert code.get("name") == "Information Sharing"
    assert "information_sharing" in code.find(f"{q}Description").text
    ref = root.find(f"{q}Sources/{q}TextSource/{q}PlainTextSelection/{q}Coding/{q}CodeRef")
    assert ref.get("targetGUID") == code.get("guid")
    assert validate_project(root, files) == []


def test_validator_catches_broken_references(tmp_path):
    texts = {"r1": "Agencies did not share the referral."}
    codings = pd.DataFrame([{"doc_id": "r1", "theme": "neglect", "start": 0, "end": 36}])
    root, files = build_project(texts, codings, THEME_ROWS)
    q = f"{{{NS}}}"
    root.find(f".//{q}CodeRef").set("targetGUID", "99999999-9999-9999-9999-999999999999")
    root.find(f".//{q}PlainTextSelection").set("endPosition", "500")
    problems = validate_project(root, files)
    assert any("missing code" in p for p in problems)
    assert any("outside its source" in p for p in problems)


def test_export_rejects_spans_outside_the_text():
    codings = pd.DataFrame([{"doc_id": "r1", "theme": "neglect", "start": 5, "end": 99}])
    with pytest.raises(ValueError, match="outside the text"):
        build_project({"r1": "short"}, codings, THEME_ROWS)


def test_a_source_with_no_coded_segment_is_covered_and_negative(tmp_path):
    """Document-level coding: review-b is in the project but nobody coded a segment in it."""
    mapping = {"Info sharing": "information_sharing", "Neglect": "neglect", "Memo-worthy": None}
    gold = read_qdpx(make_project(tmp_path), mapping=mapping, theme_ids=THEMES)
    matrix = gold.document_matrix(THEMES)
    assert matrix.loc[("review-b", "Ann")].tolist() == [0.0, 0.0, 0.0]
    assert matrix.loc[("review-b", "Bob")].tolist() == [0.0, 0.0, 0.0]
    assert matrix.loc[("review-a", "Bob"), "neglect"] == 1.0
