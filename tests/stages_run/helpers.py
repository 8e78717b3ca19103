"""Helpers shared by the stage execution tests."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from engine.events import EngineEvent, LogLines, OperationFailed, OperationFinished
from engine.operation import Operation


def raw_stage(code: str, description: str = "", **extra: Any) -> dict[str, Any]:
    """A raw-Python stage as AGILab writes it."""
    return {"D": description, "Q": extra.pop("Q", ""), "M": extra.pop("M", ""), "C": code,
            "R": extra.pop("R", "runpy"), "E": extra.pop("E", ""), **extra}


async def drain(op: Operation) -> tuple[list[EngineEvent], EngineEvent]:
    """Run ``op`` to its end and return all events and the terminal one."""
    events: list[EngineEvent] = []
    async with op:
        async for event in op.events():
            events.append(event)
    terminal = events[-1]
    assert isinstance(terminal, (OperationFinished, OperationFailed))
    return events, terminal


def log_lines(events: Sequence[EngineEvent], source: str | None = None) -> list[str]:
    """Every logged line, optionally only those from ``source``."""
    return [line for event in events if isinstance(event, LogLines) and (source is None or event.source == source)
            for line in event.lines]
