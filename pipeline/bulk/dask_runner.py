"""The same per-document function on a Dask distributed cluster.

``--scheduler ADDRESS`` connects to a running scheduler
(``tcp://host:8786``); ``--scheduler local`` starts a ``LocalCluster`` of
worker processes on this machine, and ``local-threads`` one of threads in
this process (quick to start; documents then share one classifier). Work is streamed through ``as_completed`` with a bounded number of
documents in flight, and results come back to this process, which writes
them into the same resumable store as the local pool does.

Each file is read in a child process that holds it to the time and memory
limits, and a daemonic process may not start one: the local cluster's workers
are started non-daemonic, and a remote cluster's workers must be too (Dask
setting ``distributed.worker.daemon: False``, or the environment variable
``DASK_DISTRIBUTED__WORKER__DAEMON=False`` where they are started), or every
file fails with an error that says so.
"""

from __future__ import annotations

from typing import Iterable, Iterator

from practice_themes.bulk.pool import crashed_result
from practice_themes.bulk.worker import ClassifierSpec, Task, describe, run_task
from practice_themes.types import DocumentResult


class DaskBackend:
    """Submit ``run_task`` calls to a Dask cluster."""

    name = "dask"

    def __init__(self, spec: ClassifierSpec, *, scheduler: str, workers: int, processes: bool = True) -> None:
        from distributed import Client, LocalCluster

        self.spec = spec
        self._cluster = self._client = self._config = None
        if scheduler in ("local", "local-threads"):
            import dask

            # Dask starts its worker processes daemonic by default, and a daemonic process may not fork
            # the reader child that holds each file to its time and memory limits. The nannies read the
            # setting each time they start a worker, restarts included, so it is held until close().
            self._config = dask.config.set({"distributed.worker.daemon": False})
            try:
                self._cluster = LocalCluster(n_workers=workers, threads_per_worker=1,
                                             processes=processes and scheduler == "local", dashboard_address=None)
                self._client = Client(self._cluster)
            except BaseException:
                self.close()
                raise
        else:
            self._client = Client(scheduler)
        self.scheduler = self._client.scheduler.address
        # A remote cluster has as many workers as it has; bounds the documents in flight.
        self.workers = len(self._client.scheduler_info().get("workers", {})) or workers

    def describe(self) -> dict:
        return self._client.submit(describe, self.spec, pure=False).result()

    def results(self, tasks: Iterable[Task]) -> Iterator[tuple[Task, DocumentResult]]:
        from distributed import as_completed

        pending = iter(tasks)
        by_future = {}
        completed = as_completed()
        for _ in range(2 * self.workers):
            task = next(pending, None)
            if task is None:
                break
            future = self._client.submit(run_task, task, self.spec, key=f"code-{task.key}", pure=False)
            by_future[future.key] = task
            completed.add(future)
        for future in completed:
            task = by_future.pop(future.key)
            try:
                result = future.result()
            except Exception:  # noqa: BLE001 - a worker died; Dask already retried as configured
                result = crashed_result(task)
            future.release()
            yield task, result
            nxt = next(pending, None)
            if nxt is not None:
                new = self._client.submit(run_task, nxt, self.spec, key=f"code-{nxt.key}", pure=False)
                by_future[new.key] = nxt
                completed.add(new)

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
        if self._cluster is not None:
            self._cluster.close()
        if self._config is not None:
            self._config.__exit__(None, None, None)
            self._config = None
