"""The Dask path: same per-document function, same store, on a two-worker LocalCluster."""

from __future__ import annotations

import pandas as pd
import pytest

from practice_themes.bulk.inputs import expand_inputs
from practice_themes.bulk.runner import RunSettings, run_corpus
from synthetic_reviews import review_paragraphs, write_pdf
from practice_themes.bulk.worker import ClassifierSpec

STAND_IN = ClassifierSpec(model="keyword-stand-in")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("dask") / "in"
    for i in range(6):
        write_pdf(folder / f"doc_{i}.pdf", review_paragraphs(i))
    (folder / "broken.pdf").write_bytes(b"not a pdf")
    return folder


@pytest.mark.slow
def test_local_cluster_of_two_process_workers_fills_the_same_store(corpus, tmp_path):
    out = tmp_path / "out"
    dask = run_corpus(expand_inputs([corpus]), out, STAND_IN,
                      RunSettings(workers=2, scheduler="local", progress=False))
    m = dask.manifest
    assert m["settings"]["backend"] == "dask" and m["settings"]["workers"] == 2
    assert (m["counts"]["documents"], m["counts"]["ok"], m["counts"]["failed"]) == (7, 6, 1)
    docs = pd.read_csv(out / "documents.csv")
    assert docs["doc_id"].is_unique and len(docs) == 7

    # The local process pool resumes from what Dask stored, and agrees with it.
    pool = run_corpus(expand_inputs([corpus]), out, STAND_IN, RunSettings(workers=1, progress=False))
    assert pool.manifest["counts"]["computed"] == 0 and pool.manifest["counts"]["reused_from_store"] == 7
    pd.testing.assert_frame_equal(pd.read_csv(out / "documents.csv"), docs)


def test_changed_codebook_recomputes_everything_and_a_new_file_only_itself(corpus, tmp_path):
    out = tmp_path / "out"
    settings = RunSettings(workers=2, scheduler="local-threads", progress=False)
    first = run_corpus(expand_inputs([corpus]), out, STAND_IN, settings)
    assert first.manifest["counts"]["computed"] == 7

    extra = write_pdf(tmp_path / "extra" / "new.pdf", review_paragraphs(11))
    second = run_corpus(expand_inputs([corpus, extra]), out, STAND_IN, settings)
    assert (second.manifest["counts"]["computed"], second.manifest["counts"]["reused_from_store"]) == (1, 7)

    from practice_themes.codebook import DEFAULT_CODEBOOK

    edited = tmp_path / "codebook.yaml"
    edited.write_text(DEFAULT_CODEBOOK.read_text(encoding="utf-8").replace("Optimistic thinking", "Over-optimism", 1),
                      encoding="utf-8")
    spec = ClassifierSpec(model=STAND_IN.model, codebook_path=str(edited))
    third = run_corpus(expand_inputs([corpus, extra]), out, spec, settings)
    assert third.manifest["counts"]["computed"] == 8
    assert third.manifest["fingerprint"] != second.manifest["fingerprint"]


def _daemonic() -> bool:
    import multiprocessing

    return multiprocessing.current_process().daemon


@pytest.mark.slow
def test_local_cluster_workers_are_not_daemonic_so_files_are_read_under_limits():
    import dask

    from practice_themes.bulk.dask_runner import DaskBackend

    backend = DaskBackend(STAND_IN, scheduler="local", workers=1)
    try:
        assert backend._client.submit(_daemonic, pure=False).result() is False
    finally:
        backend.close()
    assert dask.config.get("distributed.worker.daemon") is True  # the process's setting is given back
