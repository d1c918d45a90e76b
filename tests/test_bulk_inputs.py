"""Input expansion and the atomic result store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from practice_themes.bulk.inputs import InputError, expand_inputs
from practice_themes.bulk.store import ResultStore, result_key
from practice_themes.fileio import file_sha256
from practice_themes.types import DocumentResult, Evidence, Passage, ThemeTag


def _touch(path: Path, data: bytes = b"%PDF-1.4") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def test_files_folders_globs_and_list_files(tmp_path):
    a = _touch(tmp_path / "one" / "a.pdf")
    b = _touch(tmp_path / "one" / "deep" / "b.docx")
    _touch(tmp_path / "one" / "notes.rtf")
    c = _touch(tmp_path / "two" / "c.pdf")
    listing = tmp_path / "list.txt"
    listing.write_text("# reviews to code\ntwo/c.pdf\n\none/a.pdf\n")
    assert [i.path for i in expand_inputs([tmp_path / "one"])] == [a, b]
    assert [i.path for i in expand_inputs([str(tmp_path / "*" / "*.pdf")])] == [a, c]
    assert [i.path for i in expand_inputs([listing])] == [c, a]
    # Duplicates across arguments are coded once.
    assert [i.path for i in expand_inputs([a, tmp_path / "one", listing])] == [a, b, c]


def test_same_stem_in_two_folders_gets_distinct_ids(tmp_path):
    first = _touch(tmp_path / "x" / "review.pdf")
    second = _touch(tmp_path / "y" / "review.pdf")
    assert [i.doc_id for i in expand_inputs([first, second])] == ["review", "review~2"]


@pytest.mark.parametrize("arg, message", [("missing.pdf", "no such file"), ("nothing/*.pdf", "matches no")])
def test_bad_paths_are_usage_errors(tmp_path, arg, message):
    with pytest.raises(InputError, match=message):
        expand_inputs([str(tmp_path / arg)])


def test_store_round_trips_a_result_and_writes_atomically(tmp_path):
    passage = Passage(doc_id="d", page=3, start=10, end=40, text="Nobody shared it.", section="Findings")
    result = DocumentResult(doc_id="d", source_path="d.pdf", status="ok", n_pages=4, n_passages=9,
                            tags=[ThemeTag("information_sharing", 0.9, True, [Evidence(passage, 0.8)], "present")],
                            timings={"ingest": 0.1})
    store = ResultStore(tmp_path)
    key = result_key(file_sha256(_touch(tmp_path / "d.pdf")), "fp")
    assert key not in store and store.get(key) is None
    path = store.put(key, result, content_sha256="abc")
    assert key in store and store.get(key) == result
    assert oct(path.stat().st_mode & 0o777) == "0o644"
    assert not list(path.parent.glob(".*.tmp*"))
    assert json.loads(path.read_text())["content_sha256"] == "abc"


def test_torn_or_leftover_files_are_never_read_as_results(tmp_path):
    store = ResultStore(tmp_path)
    key = "ab" + "0" * 62
    store.path_for(key).parent.mkdir(parents=True)
    store.path_for(key).write_text('{"result": {"doc_id": ')  # a torn write (cannot happen via put)
    assert store.get(key) is None
    (store.path_for(key).parent / ".ab000000.x.tmp").write_text("partial")
    assert store.clean_temporaries() == 1


def test_key_changes_with_content_fingerprint_and_password():
    base = result_key("c" * 64, "f1")
    assert base == result_key("c" * 64, "f1")
    assert len({base, result_key("d" * 64, "f1"), result_key("c" * 64, "f2"),
                result_key("c" * 64, "f1", password="x")}) == 4


def test_store_key_changes_with_the_package_version(monkeypatch):
    # A new release may clean text differently: stored spans must not be reused across versions.
    from practice_themes.bulk import store

    before = store.result_key("abc", "fp")
    monkeypatch.setattr(store, "__version__", "999.0")
    assert store.result_key("abc", "fp") != before


def test_a_result_from_other_code_is_not_reused(monkeypatch):
    # Regression: a new negation rule changed scores without changing the classifier's settings,
    # and a resumed run reused results computed before the change.
    from practice_themes.bulk import store

    before = result_key("c" * 64, "f1")
    monkeypatch.setattr(store, "pipeline_sources_sha256", lambda: "0" * 64)
    assert result_key("c" * 64, "f1") != before


def test_sources_hash_changes_with_one_edited_rule(tmp_path):
    import shutil

    from practice_themes.bulk.store import pipeline_sources_sha256
    from practice_themes.sources import sources_sha256

    package = Path(__file__).resolve().parents[1] / "pipeline"
    copy = tmp_path / "pipeline"
    shutil.copytree(package, copy, ignore=shutil.ignore_patterns("__pycache__"))
    assert sources_sha256("**/*.py", root=copy) == pipeline_sources_sha256()
    lexical = copy / "classify" / "lexical.py"
    lexical.write_text(lexical.read_text().replace('"ruled out",', '"ruled out", "not an issue",'))
    assert sources_sha256("**/*.py", root=copy) != pipeline_sources_sha256()
