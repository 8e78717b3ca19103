"""Typed events streamed by every long engine operation (install, distribute, run, stages, DAG steps)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class OperationStarted:
    """An operation began; ``kind`` is install/distribute/run/benchmark/stage/..."""

    op_id: str
    kind: str
    app: str
    detail: str = ""


@dataclass(frozen=True)
class LogLines:
    """A batch of output lines; ``source`` is stdout, stderr, engine, or a host/worker name."""

    op_id: str
    source: str
    lines: tuple[str, ...]


@dataclass(frozen=True)
class Progress:
    """Work done out of total (total 0 means unknown); ``step`` names the current phase."""

    op_id: str
    done: int
    total: int
    step: str = ""


@dataclass(frozen=True)
class OperationFinished:
    """The operation succeeded; ``result`` carries its machine-readable outcome."""

    op_id: str
    seconds: float
    result: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class OperationFailed:
    """The operation failed or was cancelled; ``error`` is a user-facing message."""

    op_id: str
    seconds: float
    error: str
    cancelled: bool = False
    result: dict[str, Any] = field(default_factory=dict)


EngineEvent = OperationStarted | LogLines | Progress | OperationFinished | OperationFailed
TERMINAL_EVENTS = (OperationFinished, OperationFailed)
