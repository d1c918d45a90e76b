"""``code`` replaces a worker after a hostile document, so its memory returns to baseline; normal documents
never restart it (the model is not reloaded per document)."""

from __future__ import annotations

from pathlib import Path

import pytest

import hostile_files as hostile
from practice_themes.bulk.pool import ProcessPoolBackend
from synthetic_reviews import review_paragraphs
from practice_themes.bulk.worker import ClassifierSpec, Task

STAND_IN = "keyword-stand-in"  # tests/stand_ins.py, a classifier plug-in registered by conftest.py


def _normal(i: int) -> Task:
    return Task(key=f"n{i}", path=f"normal_{i}.txt", doc_id=f"normal_{i}", text="\n\n".join(review_paragraphs(i, n=3)))


def _pid(backend: ProcessPoolBackend) -> int:
    return backend.describe()["pid"]


@pytest.fixture()
def backend():
    pool = ProcessPoolBackend(ClassifierSpec(model=STAND_IN), workers=1)
    try:
        yield pool
    finally:
        pool.close()


def test_worker_is_replaced_after_a_bomb_and_kept_across_normal_documents(backend, tmp_path: Path):
    bomb = hostile.paragraph_bomb_docx(tmp_path / "bomb.docx")
    first = _pid(backend)
    results = [r for _, r in backend.results([_normal(0), _normal(1)])]
    assert [r.status for r in results] == ["ok", "ok"]
    assert _pid(backend) == first and backend.restarts == 0

    done = dict((t.key, r) for t, r in backend.results([Task("bomb", str(bomb), "bomb"), _normal(2)]))
    assert done["bomb"].error_type == "InputLimitError" and done["n2"].status == "ok"
    assert backend.restarts == 1
    fresh = _pid(backend)
    assert fresh != first

    assert [r.status for _, r in backend.results([_normal(3), _normal(4)])] == ["ok", "ok"]
    assert _pid(backend) == fresh and backend.restarts == 1


def test_worker_whose_memory_stays_above_its_ceiling_is_replaced(tmp_path: Path):
    # A ceiling below any real memory (the baseline less a terabyte), so even a normal document is over it.
    pool = ProcessPoolBackend(ClassifierSpec(model=STAND_IN), workers=1, growth_bytes=-(1 << 40))
    try:
        first = _pid(pool)
        assert [r.status for _, r in pool.results([_normal(0)])] == ["ok"]
        assert pool.restarts == 1 and _pid(pool) != first
    finally:
        pool.close()


def test_code_passes_its_recycle_ceiling_to_the_run(tmp_path, monkeypatch):
    # The ceiling existed in RunSettings but `code` had no option for it.
    import practice_themes.bulk.runner as runner
    from typer.testing import CliRunner

    from practice_themes.cli import app

    seen = {}

    def capture(inputs, out, spec, settings, **kwargs):
        seen["bytes"] = settings.recycle_growth_bytes
        raise KeyboardInterrupt  # stop before any work; exit 130

    monkeypatch.setattr(runner, "run_corpus", capture)
    (tmp_path / "a.txt").write_text("The social worker did not share the referral.\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["code", str(tmp_path / "a.txt"), "-o", str(tmp_path / "out"),
                                      "--model", "keyword-stand-in", "--recycle-growth-mb", "300"])
    assert result.exit_code == 130
    assert seen["bytes"] == 300 * 1024 * 1024
