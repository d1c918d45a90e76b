"""``practice-themes screen`` on bundled reviews with the real model: HTML + JSON, expected themes, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from practice_themes.cli import app

ROOT = Path(__file__).resolve().parents[1]
PDF = ROOT / "corpus" / "reviews" / "r12_rapid_review_child_m.pdf"


@pytest.mark.slow
def test_screen_pdf_writes_html_and_json(tmp_path):
    html, data = tmp_path / "r12.html", tmp_path / "r12.json"
    result = CliRunner().invoke(app, ["screen", str(PDF), "-o", str(html), "--json", str(data)])
    assert result.exit_code == 0, result.output
    report = json.loads(data.read_text(encoding="utf-8"))
    assert report["n_pages"] >= 2 and report["document_name"] == PDF.name
    present = {t["theme_id"] for t in report["themes"] if t["band"] == "present"}
    # Baby M: perinatal depression known to three services but never pieced together; rib fractures at 7 weeks.
    assert {"information_sharing", "parental_mental_health", "infant_injury"} <= present
    sharing = next(t for t in report["themes"] if t["theme_id"] == "information_sharing")
    assert sharing["evidence"] and all(q["page"] >= 1 and q["section"] for q in sharing["evidence"])
    text = html.read_text(encoding="utf-8")
    assert f'id="{sharing["evidence"][0]["anchor"]}"' in text and "Weak information sharing" in text
    assert "present:" in result.stdout and "Weak information sharing" in result.stdout


def test_screen_reports_unreadable_file_and_missing_file(tmp_path):
    missing = CliRunner().invoke(app, ["screen", str(tmp_path / "nope.pdf")])
    assert missing.exit_code == 2 and "no such file" in missing.output
    text = tmp_path / "notes.rtf"
    text.write_text("not a review")
    unsupported = CliRunner().invoke(app, ["screen", str(text), "-o", str(tmp_path / "x.html")])
    assert unsupported.exit_code == 1 and "unsupported file type" in unsupported.output
    assert not (tmp_path / "x.html").exists()


def test_screen_renders_a_plain_text_report_on_page_1(tmp_path):
    report = tmp_path / "review.txt"
    report.write_text("Findings\n\nThe police did not share the referral with children's social care.\n\n"
                      "Nobody told the health visitor about the previous injury.\n", encoding="utf-8")
    out = tmp_path / "review.html"
    result = CliRunner().invoke(app, ["screen", str(report), "-o", str(out), "--json", str(tmp_path / "r.json")])
    assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert data["n_pages"] == 1 and data["n_sentences"] == 2
    evidence = [q for theme in data["themes"] for q in theme["evidence"]]
    assert evidence and {q["page"] for q in evidence} == {1} and {q["section"] for q in evidence} == {"Findings"}
    assert "did not share the referral" in out.read_text(encoding="utf-8")


def test_screen_out_to_an_existing_folder_writes_the_report_inside_it(tmp_path):
    # ``-o reports/`` used to screen the whole review, then fail with "Is a directory".
    report = tmp_path / "review.txt"
    report.write_text("Findings\n\nThe police did not share the referral with children's social care.\n", encoding="utf-8")
    folder = tmp_path / "reports"
    folder.mkdir()
    result = CliRunner().invoke(app, ["screen", str(report), "-o", str(folder), "--json", str(folder)])
    assert result.exit_code == 0, result.output
    assert (folder / "review.screen.html").is_file() and (folder / "review.screen.json").is_file()
