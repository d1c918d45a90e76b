"""``practice-themes tag``: line formats, error records, determinism."""

import json

import pytest
from typer.testing import CliRunner

from practice_themes.cli import app

runner = CliRunner()

LINES = [
    json.dumps({"id": "a", "text": "Police were called after father assaulted mother in front of the children.\n\n"
                                  "There were no concerns about neglect."}),
    "{not json",
    json.dumps({"id": "b"}),
    json.dumps(["a list"]),
    json.dumps({"id": 7, "text": "The review panel met four times."}),
]


@pytest.fixture(scope="module")
def tagged(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tag")
    source = folder / "in.jsonl"
    source.write_text("\n".join(LINES) + "\n", encoding="utf-8")
    outputs = []
    for name in ("out1.jsonl", "out2.jsonl"):
        result = runner.invoke(app, ["tag", str(source), "-o", str(folder / name)])
        assert result.exit_code == 0, result.output
        outputs.append((folder / name).read_bytes())
    return outputs


@pytest.mark.slow
def test_output_lines_follow_the_format_and_evidence_spans_index_the_text(tagged):
    records = [json.loads(line) for line in tagged[0].decode().splitlines()]
    assert len(records) == 5
    first = records[0]
    assert list(first) == ["id", "present", "scores", "evidence"]
    assert first["id"] == "a" and "domestic_abuse" in first["present"] and "neglect" not in first["present"]
    assert len(first["scores"]) == 25 and all(0.0 <= v <= 1.0 for v in first["scores"].values())
    text = json.loads(LINES[0])["text"]
    for items in first["evidence"].values():
        for item in items:
            assert text[item["start"]:item["end"]] == item["text"]
    assert records[4]["id"] == 7 and records[4]["present"] == []


@pytest.mark.slow
def test_bad_lines_become_error_records_naming_the_line(tagged):
    records = [json.loads(line) for line in tagged[0].decode().splitlines()]
    assert records[1] == {"line": 2, "error": records[1]["error"]} and "line 2" in records[1]["error"]
    assert records[2]["line"] == 3 and "no text" in records[2]["error"] and records[2]["id"] == "b"
    assert records[3]["line"] == 4


@pytest.mark.slow
def test_same_input_gives_byte_identical_output(tagged):
    assert tagged[0] == tagged[1]


def test_unknown_threshold_theme_is_a_clear_error(tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_text(LINES[0] + "\n", encoding="utf-8")
    result = runner.invoke(app, ["tag", str(source), "-o", str(tmp_path / "o.jsonl"), "--threshold", "nope=0.3"])
    assert result.exit_code == 2 and "unknown theme 'nope'" in result.output
