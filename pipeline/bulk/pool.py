"""Run tasks on a local process pool, streaming, surviving dead workers.

At most ``2 x workers`` documents are in flight, so memory does not grow
with the corpus. If a worker dies (a segfault in a PDF library, the OOM
killer, the hang watchdog), every document that was in flight is re-run
alone in a fresh one-worker pool: the innocent ones finish, and the one that
kills its worker again becomes an error row instead of stopping the run.

A worker that has coded a hostile document (refused over a limit, out of
its memory or time) or whose memory has grown far past its baseline is
replaced: no new document is sent until the ones in flight are back, then
the pool starts afresh. Normal documents never restart it, so the model is
loaded again only after such a document.
"""

from __future__ import annotations

import multiprocessing as mp
import os
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Iterable, Iterator

from practice_themes.bulk.worker import (DEFAULT_GROWTH_BYTES, ClassifierSpec, Task, describe, init_worker, run_task,
                                         run_task_reporting)
from practice_themes.types import DocumentResult

# "spawn" and "forkserver" both start workers from a fresh interpreter, so
# torch's thread pools and the output folder's lock are never inherited.
DEFAULT_START_METHOD = os.environ.get("PRACTICE_THEMES_START_METHOD", "spawn")


def crashed_result(task: Task) -> DocumentResult:
    return DocumentResult(
        doc_id=task.doc_id, source_path=task.path, status="error", stage="worker",
        error_type="WorkerCrashedError",
        error=f"{task.path}: the worker process died while coding this file "
              "(a crash in a PDF library, out of memory, or a hang past the time limit)",
    )


class ProcessPoolBackend:
    """A ``ProcessPoolExecutor`` whose workers each hold one classifier."""

    name = "processes"

    def __init__(self, spec: ClassifierSpec, *, workers: int, start_method: str = DEFAULT_START_METHOD,
                 growth_bytes: int | None = DEFAULT_GROWTH_BYTES) -> None:
        self.spec = spec
        self.workers = workers
        self.start_method = start_method
        self.growth_bytes = growth_bytes
        self.restarts = 0  # pools replaced after a hostile document
        self._pool = self._new_pool(workers)

    def _new_pool(self, workers: int) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context(self.start_method),
                                   initializer=init_worker, initargs=(self.spec,))

    def describe(self) -> dict:
        """The classifier's fingerprint, once every worker has loaded it."""
        futures = [self._pool.submit(describe, self.spec, 0.3) for _ in range(self.workers)]
        return [f.result() for f in futures][0]

    def results(self, tasks: Iterable[Task]) -> Iterator[tuple[Task, DocumentResult]]:
        pending = iter(tasks)
        in_flight: dict = {}
        draining = False  # a worker asked to be replaced: send nothing until the pool is empty
        while True:
            while not draining and len(in_flight) < 2 * self.workers:
                task = next(pending, None)
                if task is None:
                    break
                in_flight[self._pool.submit(run_task_reporting, task, self.spec, self.growth_bytes)] = task
            if not in_flight:
                if not draining:
                    return
                self._replace_pool()
                self.restarts += 1
                draining = False
                continue
            done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
            broken = False
            for future in done:
                try:
                    result, spent = future.result()
                except BrokenProcessPool:
                    broken = True
                    continue
                draining |= spent
                yield in_flight.pop(future), result
            if broken:
                suspects = list(in_flight.values())
                in_flight.clear()
                self._pool.shutdown(wait=True, cancel_futures=True)
                for task in suspects:
                    yield task, self._isolated(task)
                self._pool = self._new_pool(self.workers)
                draining = False

    def _replace_pool(self) -> None:
        # The new pool starts its workers on the first document, so a run that ends here loads nothing.
        self._pool.shutdown(wait=True)
        self._pool = self._new_pool(self.workers)

    def _isolated(self, task: Task) -> DocumentResult:
        pool = self._new_pool(1)
        try:
            return pool.submit(run_task, task, self.spec).result()
        except BrokenProcessPool:
            return crashed_result(task)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    def close(self) -> None:
        # Idle workers exit on their own; not waiting lets the tables be written meanwhile.
        self._pool.shutdown(wait=False, cancel_futures=True)
