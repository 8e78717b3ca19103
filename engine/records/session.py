"""``recording``: open a record around an execution and close it with the execution's real outcome."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from .record import RecordWriter


@contextlib.asynccontextmanager
async def recording(writer: RecordWriter, ctx: Any = None, **finish: Any) -> AsyncIterator[RecordWriter]:
    """Start ``writer`` (tapping ``ctx``'s log); on leaving, finish it as completed, failed or cancelled.

    A body that calls ``writer.finish`` itself (to pass outputs and metrics) keeps that outcome.
    ``finish`` holds the keyword arguments of the completed case.
    """
    try:
        await writer.start(ctx)
        yield writer
    except asyncio.CancelledError:
        if not writer.finished and (writer.dir.exists() or not writer.enabled):
            await writer.finish("cancelled", error="cancelled before the end")
        raise
    except Exception as exc:
        if not writer.finished and (writer.dir.exists() or not writer.enabled):
            # The execution's own error is what the caller must see, even if the record cannot be written.
            with contextlib.suppress(Exception):
                await writer.finish("failed", error=str(exc) or type(exc).__name__)
        raise
    if not writer.finished:
        await writer.finish("completed", **finish)
