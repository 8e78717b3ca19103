"""The Pipeline sub-tab: choose the stages to run in order, run them as one tracked pipeline.

The engine records one MLflow parent run per pipeline and a nested run per stage; progress and every
stage's output stream into this panel's log.
"""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, SelectionList, Static

from engine.events import LogLines, OperationFailed, OperationFinished, Progress
from tui.messages import EngineCallDone, EngineEventMessage
from tui.widgets.log_pane import LogPane
from tui.widgets.op_status import OpStatus
from tui.workflow.lab import LabSnapshot
from tui.workflow.panel import LabPanel, RunStateChanged


class PipelinePanel(LabPanel):
    """Stage selection (in saved order), Run pipeline, Save order, progress and the pipeline log."""

    DEFAULT_CSS = """
    PipelinePanel {
        height: 1fr;
        #pipeline-top { height: 1fr; min-height: 4; }
        #pipeline-stages { width: 1fr; height: 1fr; border: round $panel; &:focus { border: round $primary; } }
        #pipeline-side { width: 28; height: 1fr; padding: 0 1; }
        #pipeline-side Button { width: 100%; }
        #pipeline-help { margin-top: 1; }
        #pipeline-help { color: $text-muted; height: auto; }
        #pipeline-status { height: 1; padding: 0 1; }
        #pipeline-log { height: 1fr; min-height: 4; }
    }
    """
    BINDINGS = [
        Binding("ctrl+r", "run_pipeline", "Run pipeline", id="workflow.pipeline-run",
                tooltip="Run the checked stages in order (MLflow parent run + one nested run per stage)"),
        Binding("ctrl+s", "save_order", "Save order", id="workflow.pipeline-save",
                tooltip="Keep the checked stages as the lab's run sequence"),
    ]

    def __init__(self, *, id: str | None = None):
        super().__init__(id=id)
        self.operation: Any = None

    def compose(self) -> ComposeResult:
        with Horizontal(id="pipeline-top"):
            yield SelectionList[int](id="pipeline-stages")
            with Vertical(id="pipeline-side"):
                yield Button("Run pipeline", variant="primary", id="btn-run-pipeline", compact=True)
                yield Button("Save order", id="btn-save-order", compact=True)
                yield Static("Space checks a stage. Runs go in file order and stop at the first "
                             "failure. MLflow: a parent run, one nested run per stage.", id="pipeline-help")
        yield OpStatus(id="pipeline-status")
        yield LogPane(title="Pipeline output", id="pipeline-log")

    def on_mount(self) -> None:
        self.query_one("#pipeline-stages").border_title = "Run sequence"

    def show_lab(self, snapshot: LabSnapshot) -> None:
        super().show_lab(snapshot)
        chosen = set(snapshot.sequence)
        selection = self.query_one("#pipeline-stages", SelectionList)
        selection.clear_options()
        selection.add_options([(f"{info.index + 1:>2} {info.title} ({info.badge})", info.index, info.index in chosen)
                               for info in snapshot.stages])

    def selected(self) -> list[int]:
        """Checked stages, in file order."""
        return sorted(self.query_one("#pipeline-stages", SelectionList).selected)

    def action_run_pipeline(self) -> None:
        if not self.ready() or self.lab is None:
            return
        if self.running or self.operation is not None:
            self.notify("A stage or pipeline of this lab is already running", severity="warning")
            return
        indices = self.selected()
        if not indices:
            self.notify("Check at least one stage to run", severity="warning")
            return
        self.operation = op = self.lab.run_pipeline(indices)
        self.query_one(LogPane).clear(title=f"Pipeline output · stages {', '.join(str(i + 1) for i in indices)}")
        self.query_one(OpStatus).start("pipeline")
        self.post_message(RunStateChanged(op))
        self.app.run_operation(op, self)  # type: ignore[attr-defined]

    def action_cancel(self) -> None:
        if self.operation is not None:
            self.app.cancel_operation(self.operation)  # type: ignore[attr-defined]

    def action_save_order(self) -> None:
        if self.ready() and self.lab is not None:
            self.call("save_order", self.lab.set_sequence, self.selected())

    @on(Button.Pressed, "#btn-run-pipeline")
    def _run_pressed(self) -> None:
        self.action_run_pipeline()

    @on(Button.Pressed, "#btn-save-order")
    def _save_pressed(self) -> None:
        self.action_save_order()

    @on(EngineCallDone)
    def _call_done(self, message: EngineCallDone) -> None:
        message.stop()
        if message.error is not None:
            self.report(message.error, "save order failed")
        else:
            self.lab_written(message.value)
            self.notify("Run sequence saved")

    @on(EngineEventMessage)
    def _engine_event(self, message: EngineEventMessage) -> None:
        message.stop()
        event = message.event
        status = self.query_one(OpStatus)
        if isinstance(event, LogLines):
            prefix = "! " if event.source == "stderr" else ""
            self.query_one(LogPane).write_lines(prefix + self.redact(line) for line in event.lines)
        elif isinstance(event, Progress):
            status.progress("pipeline", event.done, event.total, f"{event.step} ({event.done}/{event.total})")
        elif isinstance(event, OperationFinished | OperationFailed):
            self.operation = None
            self.post_message(RunStateChanged(None))
            stages = event.result.get("stages") or []
            done = sum(1 for s in stages if s.get("status") == "completed")
            if isinstance(event, OperationFinished):
                status.finish(f"pipeline finished · {done} stage(s) completed", ok=True, seconds=event.seconds)
                self.post_message(PipelineFinished())
            elif event.cancelled:
                status.finish(f"pipeline cancelled after {done} stage(s)", ok=False)
            else:
                status.finish(f"pipeline failed: {self.redact(event.error)}", ok=False, seconds=event.seconds)
                self.notify(self.redact(event.error), title="pipeline failed", severity="error", timeout=8)


class PipelineFinished(Message):
    """A pipeline ended well: the Stages preview reloads ``lab_out.csv``."""
