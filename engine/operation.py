"""``Operation``: one long engine job as an async context manager streaming typed events.

The job body is a coroutine receiving an :class:`OperationContext`; whatever it emits reaches the
consumer through a bounded queue (backpressure instead of unbounded memory), log lines are batched
(every ~50 ms or 200 lines) so a fast child cannot flood the UI, and leaving the ``async with``
block early cancels the job, which kills its child processes.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from .errors import AgilabError
from .events import (
    EngineEvent,
    LogLines,
    OperationFailed,
    OperationFinished,
    OperationStarted,
    Progress,
)

_BATCH_LINES = 200
_BATCH_SECONDS = 0.05
_QUEUE_SIZE = 256
_ids = itertools.count(1)


class OperationContext:
    """What a job body uses to report: log lines, progress, and its final result."""

    def __init__(self, op: Operation):
        self._op = op
        self._pending: dict[str, list[str]] = {}
        self._last_flush = time.monotonic()
        self._emit_lock = asyncio.Lock()
        self._timer: asyncio.TimerHandle | None = None
        self._timed_flushes: set[asyncio.Task[None]] = set()
        self._taps: list[Callable[[str, str], None]] = []
        self.result: dict[str, Any] = {}
        self.shown: Callable[[str, str], bool] | None = None
        """Which (source, line) reach the event stream (the verbosity); taps, i.e. run.log, get every line."""

    @property
    def op_id(self) -> str:
        return self._op.op_id

    def add_log_tap(self, tap: Callable[[str, str], None]) -> Callable[[], None]:
        """Also give every logged (source, line) to ``tap`` (run records stream their run.log this way)."""
        self._taps.append(tap)
        return lambda: self._taps.remove(tap) if tap in self._taps else None

    async def log(self, line: str, source: str = "engine") -> None:
        """Queue one line; batches are flushed by size or age."""
        for tap in self._taps:
            tap(source, line)
        if self.shown is not None and not self.shown(source, line):
            return
        self._pending.setdefault(source, []).append(line)
        if (sum(len(v) for v in self._pending.values()) >= _BATCH_LINES
                or time.monotonic() - self._last_flush >= _BATCH_SECONDS):
            await self.flush()
        elif self._timer is None:
            # A line followed by silence (a child busy computing) must not wait for the next line.
            self._timer = asyncio.get_running_loop().call_later(_BATCH_SECONDS, self._flush_later)

    def _flush_later(self) -> None:
        self._timer = None
        if self._pending:
            task = asyncio.ensure_future(self.flush())
            self._timed_flushes.add(task)
            task.add_done_callback(self._timed_flushes.discard)

    async def flush(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        async with self._emit_lock:  # batches keep their order even when a timed flush overlaps
            pending, self._pending = self._pending, {}
            self._last_flush = time.monotonic()
            for source, lines in pending.items():
                if lines:
                    await self._op._emit(LogLines(self.op_id, source, tuple(lines)))
        await asyncio.sleep(0)  # let the consumer (the UI) run between batches

    async def progress(self, done: int, total: int, step: str = "") -> None:
        await self.flush()
        await self._op._emit(Progress(self.op_id, done, total, step))

    async def sink(self, source: str, line: str) -> None:
        """Adapter for :class:`engine.proc.ChildProcess.stream`."""
        await self.log(line, source)


JobBody = Callable[[OperationContext], Awaitable[dict[str, Any] | None]]


class Operation:
    """A running job; iterate :meth:`events` until a terminal event, or :meth:`cancel` it."""

    def __init__(self, kind: str, app: str, body: JobBody, *, detail: str = ""):
        self.op_id = f"{kind}-{next(_ids)}"
        self.kind = kind
        self.app = app
        self.detail = detail
        self._body = body
        self._queue: asyncio.Queue[EngineEvent] = asyncio.Queue(maxsize=_QUEUE_SIZE)
        self._task: asyncio.Task[None] | None = None
        self._started = 0.0
        self.result: dict[str, Any] | None = None
        self.error: str | None = None
        self.cancelled = False
        self.done = asyncio.Event()

    async def _emit(self, event: EngineEvent) -> None:
        await self._queue.put(event)

    async def __aenter__(self) -> Operation:
        self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._task and not self._task.done():
            await self.cancel()

    def start(self) -> None:
        if self._task is None:
            self._started = time.monotonic()
            self._task = asyncio.create_task(self._run(), name=self.op_id)

    async def _run(self) -> None:
        ctx = OperationContext(self)
        await self._emit(OperationStarted(self.op_id, self.kind, self.app, self.detail))
        terminal: EngineEvent
        try:
            outcome = await self._body(ctx)
            await ctx.flush()
            self.result = {**ctx.result, **(outcome or {})}
            terminal = OperationFinished(self.op_id, self._elapsed(), self.result)
        except asyncio.CancelledError:
            self.cancelled = True
            self.error = f"{self.kind} cancelled"
            self.result = dict(ctx.result)
            with contextlib.suppress(Exception):
                await asyncio.shield(ctx.flush())
            terminal = OperationFailed(self.op_id, self._elapsed(), self.error, cancelled=True, result=self.result)
        except AgilabError as exc:
            self.error = str(exc)
            self.result = dict(ctx.result)
            await ctx.flush()
            terminal = OperationFailed(self.op_id, self._elapsed(), self.error, result=self.result)
        except Exception as exc:  # unexpected: still a failed operation, never a crashed UI
            self.error = f"{type(exc).__name__}: {exc}"
            self.result = dict(ctx.result)
            await ctx.flush()
            terminal = OperationFailed(self.op_id, self._elapsed(), self.error, result=self.result)
        # The terminal event must always arrive, even when nobody drains the queue any more.
        while True:
            try:
                self._queue.put_nowait(terminal)
                break
            except asyncio.QueueFull:
                with contextlib.suppress(asyncio.QueueEmpty):
                    self._queue.get_nowait()
        self.done.set()

    def _elapsed(self) -> float:
        return round(time.monotonic() - self._started, 3)

    async def events(self) -> AsyncIterator[EngineEvent]:
        """Yield every event up to and including the terminal one."""
        self.start()
        while True:
            event = await self._queue.get()
            yield event
            if isinstance(event, (OperationFinished, OperationFailed)):
                return

    async def cancel(self) -> None:
        """Cancel the job and wait until its children are dead."""
        if self._task and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def wait(self) -> dict[str, Any]:
        """Drain events and return the result, raising :class:`AgilabError` on failure."""
        async for _ in self.events():
            pass
        if self.error:
            raise AgilabError(self.error)
        return self.result or {}
