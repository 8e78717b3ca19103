"""Messages that carry engine results into the widget tree (posted by App workers, handled by views)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from textual.message import Message


@dataclass
class EngineEventMessage(Message, bubble=False):
    """One event of an engine operation, delivered to the view that started the operation."""

    operation: Any
    """The :class:`engine.operation.Operation` the event belongs to (``.kind``, ``.op_id``)."""
    event: Any
    """An event from :mod:`engine.events` (OperationStarted, LogLines, Progress, OperationFinished/Failed)."""


@dataclass
class EngineCallDone(Message, bubble=False):
    """The result of a blocking engine call run by ``App.call_engine`` in a thread."""

    tag: str
    """What the caller asked for (free text chosen by the view, e.g. ``"snippets"``)."""
    value: Any = None
    """The call's return value (None on error)."""
    error: BaseException | None = None
    """The exception raised by the call, if any."""
    context: dict[str, Any] = field(default_factory=dict)
    """Whatever the caller passed as ``context=`` (e.g. the section that asked)."""

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass
class ActiveAppChanged(Message, bubble=False):
    """The active app project changed; every view reloads what depends on it."""

    name: str


@dataclass
class JobStateChanged(Message, bubble=False):
    """An App-level run started or ended (the status line listens)."""

    running: tuple[str, ...]
    """Kinds of the operations still running, e.g. ``("install",)``."""


@dataclass
class OperationDone(Message, bubble=False):
    """An App-level operation ended: every page re-reads what it may have changed (outputs, health, previews).

    Posted by the App to the page on screen at once, and to each other page when it is next shown
    (the latest one only), so hidden pages do no work for results nobody looks at.
    """

    kind: str
    """``install``, ``distribute``, ``run``, ``benchmark``, ``stage``, ``pipeline``..."""
    app: str
    """The app the operation ran on."""
    ok: bool
    """False when it failed or was cancelled (a failed run may still have written some outputs)."""
    result: dict[str, Any] = field(default_factory=dict)
