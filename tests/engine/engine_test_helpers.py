"""Helpers to drive engine operations from synchronous tests."""

from __future__ import annotations

import asyncio

from engine.events import OperationFailed, OperationFinished
from engine.operation import Operation


async def drain(op: Operation) -> tuple[list, OperationFinished | OperationFailed]:
    """Collect every event; return them with the terminal one."""
    events = []
    async with op:
        async for event in op.events():
            events.append(event)
    return events, events[-1]


def run_op(op: Operation):
    return asyncio.run(drain(op))
