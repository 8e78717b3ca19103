"""Base of the WORKFLOW sub-tab panels: the shared lab, engine calls, and the messages they send up.

A panel calls the blocking :class:`~tui.workflow.lab.WorkflowLab` methods through
``app.call_engine`` with itself as ``reply_to``, so each panel handles its own results. Whatever writes the
stages file ends with a :class:`LabChanged` that the page relays to the other panels.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual.containers import Vertical
from textual.message import Message

from tui.workflow.lab import LabSnapshot, WorkflowLab

SUBTABS = (("stages", "Stages"), ("pipeline", "Pipeline"), ("graph", "Graph"), ("history", "History"),
           ("notebook", "Notebook"), ("dag", "DAG"), ("assistant", "Assistant"))
"""The WORKFLOW sub-tabs in order: key (pane id ``wf-<key>``) and label."""


@dataclass
class LabChanged(Message):
    """The stages file was read or written; every panel re-renders from ``snapshot``."""

    snapshot: LabSnapshot
    origin: Any = None
    """The panel that caused it (already up to date), or None."""


@dataclass
class LabConflict(Message):
    """Saving found the file changed on disk; the page offers to reload it."""

    error: str


@dataclass
class RunStateChanged(Message):
    """A stage or pipeline run started (``operation`` set) or ended (None)."""

    operation: Any = None


class LabPanel(Vertical):
    """A sub-tab panel working on the page's lab."""

    def __init__(self, *, id: str | None = None):
        super().__init__(id=id)
        self.lab: WorkflowLab | None = None
        """Set by the page once the active app's lab is open."""
        self.snapshot: LabSnapshot | None = None
        """The lab as last rendered."""

    def show_lab(self, snapshot: LabSnapshot) -> None:
        """Render ``snapshot``; subclasses extend."""
        self.snapshot = snapshot

    def call(self, tag: str, method: Any, *args: Any, **context: Any) -> None:
        """Run a blocking :class:`WorkflowLab` method in a thread; the result comes back as ``EngineCallDone``."""
        self.app.call_engine(tag, method, *args, reply_to=self, context=context)  # type: ignore[attr-defined]

    def ready(self) -> bool:
        """True once the lab is open; otherwise says so."""
        if self.lab is None or self.snapshot is None:
            self.notify("The stages file is still loading", severity="warning")
            return False
        return True

    def redact(self, text: str) -> str:
        return str(self.app.redact(text))  # type: ignore[attr-defined]

    def lab_written(self, snapshot: LabSnapshot) -> None:
        """Render a snapshot this panel produced and tell the page so the other panels follow."""
        self.show_lab(snapshot)
        self.post_message(LabChanged(snapshot, origin=self))

    def report(self, error: BaseException, title: str) -> None:
        """Show an engine error; a file changed on disk becomes a reload offer instead."""
        from engine.errors import AgilabError, FileChangedError

        if isinstance(error, FileChangedError):
            self.post_message(LabConflict(self.redact(str(error))))
            return
        text = str(error) if isinstance(error, AgilabError) else f"{type(error).__name__}: {error}"
        self.notify(self.redact(text), title=title, severity="error", timeout=8)

    @property
    def running(self) -> bool:
        """True while any stage or pipeline run of this page is active."""
        return any(op.kind in ("stage", "pipeline") for op in self.app.operations.values())  # type: ignore[attr-defined]
