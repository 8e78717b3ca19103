"""Drive an Operation from the command line: logs to the terminal, a progress line, a JSON result."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from typing import Any

from ..events import LogLines, OperationFailed, OperationFinished, Progress
from ..operation import Operation


class ProgressLine:
    """A one-line progress bar on stderr, only when stderr is a terminal."""

    def __init__(self) -> None:
        self.enabled = sys.stderr.isatty()
        self.shown = False

    def update(self, event: Progress) -> None:
        if not self.enabled:
            return
        width = 30
        filled = int(width * event.done / event.total) if event.total else 0
        bar = "#" * filled + "-" * (width - filled)
        sys.stderr.write(f"\r[{bar}] {event.done}/{event.total or '?'} {event.step[:40]:<40}")
        sys.stderr.flush()
        self.shown = True

    def clear(self) -> None:
        if self.shown:
            sys.stderr.write("\r" + " " * 90 + "\r")
            sys.stderr.flush()
            self.shown = False


EXIT_INTERRUPTED = 130
"""Shell convention for a command ended by SIGINT (128 + 2)."""


async def _consume(op: Operation, as_json: bool,
                   interrupted: list[bool] | None = None) -> tuple[bool, dict[str, Any], str]:
    progress = ProgressLine()
    log_stream = sys.stderr if as_json else sys.stdout
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()

    def on_sigint() -> None:
        if interrupted is not None:
            interrupted.append(True)
        if task is not None:
            task.cancel()

    if task is not None:
        loop.add_signal_handler(signal.SIGINT, on_sigint)
    try:
        async with op:
            async for event in op.events():
                if isinstance(event, LogLines):
                    progress.clear()
                    prefix = "" if event.source in ("stdout", "engine") else f"[{event.source}] "
                    log_stream.write("".join(f"{prefix}{line}\n" for line in event.lines))
                    log_stream.flush()
                elif isinstance(event, Progress):
                    progress.update(event)
                elif isinstance(event, OperationFinished):
                    progress.clear()
                    return True, event.result, ""
                elif isinstance(event, OperationFailed):
                    progress.clear()
                    return False, event.result, event.error
    except asyncio.CancelledError:
        progress.clear()
        return False, {}, f"{op.kind} cancelled"
    finally:
        loop.remove_signal_handler(signal.SIGINT)
    return False, {}, "no result"


def drive(op: Operation, *, as_json: bool, summary: Any = None) -> int:
    """Run ``op`` to the end; print a summary (or JSON) and return the exit code."""
    interrupted: list[bool] = []
    ok, result, error = asyncio.run(_consume(op, as_json, interrupted))
    if interrupted:
        error = f"{op.kind} interrupted (SIGINT)"
    if as_json:
        print(json.dumps({"ok": ok, "error": error or None, "result": result}, indent=2, default=str))
    elif ok:
        if summary:
            summary(result)
    else:
        print(f"error: {error}", file=sys.stderr)
    return EXIT_INTERRUPTED if interrupted else 0 if ok else 1
