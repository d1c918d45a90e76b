"""``practice-themes codebook``: show, --validate, --diff."""

import yaml
from typer.testing import CliRunner

from practice_themes.cli import app
from practice_themes.codebook import DEFAULT_CODEBOOK

runner = CliRunner()


def test_show_lists_every_theme():
    result = runner.invoke(app, ["codebook"], terminal_width=200)
    assert result.exit_code == 0
    assert "information_sharing" in result.output and "sexual_abuse_family" in result.output


def test_validate_rejects_a_broken_codebook_naming_the_problem(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\nthemes:\n- id: Bad-Id\n  label: x\n", encoding="utf-8")
    result = runner.invoke(app, ["codebook", "--validate", "--codebook", str(bad)], terminal_width=200)
    assert result.exit_code == 1
    assert "missing required field" in result.output


def test_validate_accepts_the_shipped_codebook():
    result = runner.invoke(app, ["codebook", "--validate"], terminal_width=200)
    assert result.exit_code == 0 and "valid, 25 themes" in result.output


def test_diff_reports_added_removed_and_changed_themes(tmp_path):
    data = yaml.safe_load(DEFAULT_CODEBOOK.read_text(encoding="utf-8"))
    removed = data["themes"].pop()["id"]
    data["themes"][0]["exemplars"].append("A brand new exemplar sentence.")
    data["themes"].append({**data["themes"][1], "id": "new_theme"})
    other = tmp_path / "other.yaml"
    other.write_text(yaml.safe_dump(data), encoding="utf-8")
    result = runner.invoke(app, ["codebook", "--diff", str(other)], terminal_width=300)
    assert result.exit_code == 0
    assert "+ new_theme (added)" in result.output
    assert f"- {removed} (removed)" in result.output
    assert "+ A brand new exemplar sentence." in result.output
