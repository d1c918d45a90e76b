"""One error root, mapped to exit codes in one place (``cli/exits.py``)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from practice_themes.bulk.lock import OutdirLockedError
from practice_themes.cli.exits import (EXIT_FAILED, EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_LOCKED, EXIT_USAGE,
                                       exit_code_for)
from practice_themes.codebook import CodebookError
from practice_themes.errors import CorruptPDFError, PracticeThemesError, SettingError, TrainingDataError

CLI = Path(__file__).resolve().parents[1] / "pipeline" / "cli"


@pytest.mark.parametrize(("error", "document_errors", "code"), [
    (SettingError("--threshold x=2"), False, EXIT_USAGE),
    (CodebookError("bad"), False, EXIT_USAGE),
    (TrainingDataError("one document"), False, EXIT_USAGE),
    (FileNotFoundError("gone"), False, EXIT_USAGE),
    (OutdirLockedError("busy"), False, EXIT_LOCKED),
    (KeyboardInterrupt(), False, EXIT_INTERRUPTED),
    (CorruptPDFError("a.pdf", "no xref"), True, EXIT_FAILED),
    (CorruptPDFError("a.pdf", "no xref"), False, EXIT_USAGE),
    (RuntimeError("a bug"), False, EXIT_INTERNAL),
])
def test_each_kind_of_error_has_one_exit_code(error, document_errors, code):
    assert exit_code_for(error, document_errors=document_errors) == code


def test_user_facing_errors_share_one_root():
    # CodebookError and ModelLoadError were bare ValueErrors, a second root beside PracticeThemesError.
    from practice_themes.classify.persistence import ModelLoadError

    assert issubclass(CodebookError, PracticeThemesError) and issubclass(ModelLoadError, PracticeThemesError)
    assert issubclass(SettingError, ValueError)  # callers that caught ValueError still do


def test_no_command_maps_errors_to_exit_numbers_itself():
    literal = re.compile(r"typer\.Exit\((code=)?\d")
    offenders = [p.name for p in CLI.glob("*.py") if p.name != "exits.py" and literal.search(p.read_text())]
    assert offenders == []


def test_a_bad_threshold_is_one_line_and_exit_2(tmp_path):
    from practice_themes.cli import app

    (tmp_path / "a.txt").write_text("The social worker did not share the referral.\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["code", str(tmp_path / "a.txt"), "-o", str(tmp_path / "out"),
                                      "--threshold", "neglect=2", "--no-progress"])
    assert result.exit_code == EXIT_USAGE
    assert "error:" in result.output and "Traceback" not in result.output


def test_an_unforeseen_failure_in_a_run_is_one_line_and_exit_4(tmp_path, monkeypatch):
    import practice_themes.bulk.runner as runner
    from practice_themes.cli import app

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(runner, "run_corpus", broken)
    (tmp_path / "a.txt").write_text("The social worker did not share the referral.\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["code", str(tmp_path / "a.txt"), "-o", str(tmp_path / "out"),
                                      "--model", "keyword-stand-in", "--no-progress"])
    assert result.exit_code == EXIT_INTERNAL
    assert "the run failed: RuntimeError: disk on fire" in result.output
    assert "Traceback" not in result.output
