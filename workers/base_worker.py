"""``BaseWorker``: AGILab's worker lifecycle (start, work_init, pool_init, work_pool, work_done, stop).

One worker instance runs the chunks of one worker slot. With the pool bit, the items of those
chunks are mapped over a process or thread pool; each pool process builds its own worker
instance through :func:`_pool_initializer`, calling ``pool_init`` once, as AGILab does.
"""

from __future__ import annotations

import importlib
import os
import signal
import sys
import time
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .lifeline import set_parent_death_signal
from .reduce import ReduceContract, ReducePartial, artifact_filename, write_artifact

POOL_BIT = 1
CYTHON_BIT = 2

ProgressCallback = Callable[[int, int], None]


@dataclass
class WorkerContext:
    """Everything a worker needs to know about its run; plain data so it pickles to any host."""

    worker_id: int
    slot_label: str
    mode: int
    args: dict[str, Any]
    data_in: str
    data_out: str
    pool_workers: int = 0
    pool_executor: str = "auto"
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def pool_enabled(self) -> bool:
        return bool(self.mode & POOL_BIT)


class BaseWorker:
    """Subclass and implement :meth:`work_pool` (and usually :meth:`work_done`)."""

    reduce_contract: ReduceContract | None = None
    pool_executor_default = "process"

    def __init__(self, context: WorkerContext):
        self.context = context
        self.args = context.args
        self.worker_id = context.worker_id
        self.data_in = Path(context.data_in)
        self.data_out = Path(context.data_out)
        self.partials: list[ReducePartial] = []
        self.outputs: list[str] = []

    # --- lifecycle hooks (AGILab names) -------------------------------------------------------
    def start(self) -> None:
        """Called once per worker before any work."""

    def work_init(self) -> None:
        """Called once per worker after :meth:`start`, in the worker's own process."""

    def pool_init(self, worker_vars: dict[str, Any]) -> None:
        """Called once per pool process (or once in-process without the pool bit)."""

    def work_pool(self, item: Any) -> Any:
        """Process one item of a chunk and return its result."""
        raise TypeError(f"{type(self).__name__} must implement work_pool(item)")

    def work_done(self, results: list[Any], metadata: dict[str, Any]) -> ReducePartial | None:
        """Consume the results of one chunk (write outputs); may return a reduce partial."""
        return None

    def stop(self) -> None:
        """Called once per worker after all chunks."""

    # --- helpers ------------------------------------------------------------------------------
    def log(self, message: str) -> None:
        print(f"[{self.context.slot_label}] {message}", flush=True)

    def _executor(self) -> tuple[Executor, bool]:
        kind = self.context.pool_executor
        if kind == "auto":
            kind = self.pool_executor_default
        workers = self.context.pool_workers or (os.cpu_count() or 1)
        if kind == "thread":
            return ThreadPoolExecutor(max_workers=workers), False
        spec = (type(self).__module__, type(self).__qualname__, asdict(self.context), os.getpid())
        return ProcessPoolExecutor(max_workers=workers, initializer=_pool_initializer, initargs=spec), True

    def works(self, chunks: list[list[Any]], metadata: list[dict[str, Any]],
              progress: ProgressCallback | None = None) -> dict[str, Any]:
        """Run the whole lifecycle over this slot's chunks and return a picklable report."""
        started = time.perf_counter()
        total = sum(len(c) for c in chunks)
        done = 0
        self.start()
        self.work_init()
        if self.context.pool_enabled and total:
            executor, in_processes = self._executor()
            with executor:
                if not in_processes:
                    self.pool_init({})
                call = _pool_call if in_processes else self.work_pool
                futures = [[executor.submit(call, item) for item in chunk] for chunk in chunks]
                for chunk_futures, meta in zip(futures, metadata, strict=True):
                    results = []
                    for future in chunk_futures:
                        results.append(future.result())
                        done += 1
                        if progress:
                            progress(done, total)
                    self._finish_chunk(results, meta)
        else:
            self.pool_init({})
            for chunk, meta in zip(chunks, metadata, strict=True):
                results = []
                for item in chunk:
                    results.append(self.work_pool(item))
                    done += 1
                    if progress:
                        progress(done, total)
                self._finish_chunk(results, meta)
        self.stop()
        artifact_path = self._write_reduce_artifact()
        return {
            "worker_id": self.worker_id,
            "slot": self.context.slot_label,
            "items": total,
            "seconds": round(time.perf_counter() - started, 4),
            "outputs": list(self.outputs),
            "partials": [{"partial_id": p.partial_id, "payload": p.payload} for p in self.partials],
            "artifact_path": artifact_path,
            "implementation": type(self).__module__,
        }

    def _finish_chunk(self, results: list[Any], metadata: dict[str, Any]) -> None:
        partial = self.work_done(results, metadata)
        if partial is not None:
            self.partials.append(partial)

    def _write_reduce_artifact(self) -> str | None:
        if self.reduce_contract is None or not self.partials:
            return None
        artifact = self.reduce_contract.build(self.partials)
        path = write_artifact(artifact, self.data_out, artifact_filename(self.worker_id))
        return str(path)


_POOL_WORKER: BaseWorker | None = None


def _pool_initializer(module: str, qualname: str, context: dict[str, Any], parent: int | None = None) -> None:
    """Build this pool process's own worker instance once (AGILab's ``pool_init``)."""
    global _POOL_WORKER
    # A pool process must not outlive the runner or Dask worker that owns the pool, however it dies.
    set_parent_death_signal(signal.SIGKILL, parent)
    cls = getattr(importlib.import_module(module), qualname)
    _POOL_WORKER = cls(WorkerContext(**context))
    _POOL_WORKER.pool_init({"pid": os.getpid()})


def _pool_call(item: Any) -> Any:
    if _POOL_WORKER is None:
        raise RuntimeError("pool worker was not initialised in this process")
    return _POOL_WORKER.work_pool(item)


def ensure_on_path(folder: str | os.PathLike[str]) -> None:
    """Make a source folder importable (used by runners started in a fresh interpreter)."""
    text = str(folder)
    if text not in sys.path:
        sys.path.insert(0, text)
