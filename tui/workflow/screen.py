"""WORKFLOW: the lab's stages (``lab_stages.toml``): edit, run, pipeline, graph, HISTORY, notebooks.

Sub-tabs hold one panel each (``tui/workflow/*.py``); every panel makes its own engine calls and
handles their results. This view opens the active app's lab, relays :class:`LabChanged` so all panels
show the same file, offers a reload when the file changed on disk, and owns the page keys and palette.
"""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.reactive import reactive
from textual.widgets import TabbedContent, TabPane, Tabs

from tui.messages import ActiveAppChanged, EngineCallDone, OperationDone
from tui.page import PageView, PaletteCommand, focus_now
from tui.widgets.page_tabs import PageTabs
from tui.workflow.commands import workflow_commands
from tui.workflow.dialogs import ConfirmDialog
from tui.workflow.graph import GraphView
from tui.workflow.history import HistoryPanel
from tui.workflow.lab import BrokenFile, WorkflowLab
from tui.workflow.notebook import NotebookPanel
from tui.workflow.optional import OPTIONAL_PANELS, optional_panel
from tui.workflow.panel import SUBTABS, LabChanged, LabConflict, LabPanel, RunStateChanged
from tui.workflow.pipeline import PipelineFinished, PipelinePanel
from tui.workflow.stages import StagesPanel

PANELS: dict[str, Any] = {"stages": StagesPanel, "pipeline": PipelinePanel, "graph": GraphView,
                          "history": HistoryPanel, "notebook": NotebookPanel}


class WorkflowView(PageView):
    """The WORKFLOW page of the active app."""

    TAB_ID = "workflow"
    DEFAULT_CSS = """
    WorkflowView {
        height: 1fr;
        #workflow-tabs { height: 1fr; & > ContentSwitcher { height: 1fr; } TabPane { padding: 0; height: 1fr; } }
        .workflow-coming { color: $text-muted; padding: 1 2; }
    }
    """
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="workflow.cancel",
                tooltip="Cancel the running stage or pipeline (in the code editor, escape leaves it first)"),
        Binding("f2", "cycle(1)", "Next sub-tab", show=False, id="workflow.next-subtab",
                tooltip="Show the next sub-tab (Stages, Pipeline, Graph, History, Notebook, DAG, Assistant)"),
        Binding("f3", "cycle(-1)", "Previous sub-tab", show=False, id="workflow.previous-subtab",
                tooltip="Show the previous sub-tab"),
        Binding("f5", "run_pipeline", "Run pipeline", show=False, id="workflow.run-pipeline",
                tooltip="Run the checked stages of the Pipeline sub-tab"),
    ]

    running: reactive[bool] = reactive(False, bindings=True)
    """True while a stage or pipeline run started on this page is active (enables Cancel)."""

    def __init__(self) -> None:
        super().__init__()
        self.lab: WorkflowLab | None = None
        self.active_op: Any = None  # the stage or pipeline operation running, if any

    def compose(self) -> ComposeResult:
        with PageTabs(initial="wf-stages", id="workflow-tabs"):
            for key, label in SUBTABS:
                with TabPane(label, id=f"wf-{key}"):
                    # DAG and Assistant mount when first shown: their work never slows the stage editor.
                    if key in PANELS:
                        yield PANELS[key](id=f"{key}-panel")

    def on_mount(self) -> None:
        self.open_lab()
        # The App focuses a page when its tab opens, but a lazily mounted page is not there yet then.
        self.call_after_refresh(self._focus_if_shown)

    def _focus_if_shown(self) -> None:
        """Focus the page when it is shown with focus elsewhere; walking the sub-tab strip keeps its focus."""
        tabs = self.screen.query("#tabs").first(TabbedContent) if self.screen.query("#tabs") else None
        focused = self.app.focused
        pane = self.query_one(f"#wf-{self.subtab}", TabPane)
        if (tabs is not None and tabs.active == self.TAB_ID and self.app.screen is self.screen
                and (focused is None or pane not in focused.ancestors) and not isinstance(focused, Tabs)):
            self.focus_first()

    def open_lab(self) -> None:
        self.app.call_engine("open", WorkflowLab.open, self.app.engine, reply_to=self)  # type: ignore[attr-defined]

    @property
    def stages(self) -> StagesPanel:
        return self.query_one(StagesPanel)

    def focus_first(self) -> None:
        pane = self.query_one(f"#wf-{self.subtab}", TabPane)
        target = next((w for w in pane.query("*") if w.focusable and w.display), None)
        if target is not None:
            focus_now(target)

    @property
    def subtab(self) -> str:
        return self.query_one("#workflow-tabs", TabbedContent).active.removeprefix("wf-")

    def show_subtab(self, key: str) -> None:
        self.query_one("#workflow-tabs", TabbedContent).active = f"wf-{key}"
        # Move focus now: left in the hidden pane, Textual refocuses a hidden sibling and the tab flips back.
        if self.app.focused is None or self in self.app.focused.ancestors:
            self.focus_first()

    def action_cycle(self, step: int) -> None:
        keys = [key for key, _ in SUBTABS]
        self.show_subtab(keys[(keys.index(self.subtab) + step) % len(keys)])

    @on(TabbedContent.TabActivated, "#workflow-tabs")
    def _subtab_activated(self, event: TabbedContent.TabActivated) -> None:
        event.stop()  # the App's own tab handler must not mistake a sub-tab for a page
        key = str(event.pane.id).removeprefix("wf-")
        if key in OPTIONAL_PANELS and not event.pane.children:
            event.pane.mount(optional_panel(key))
        self.call_after_refresh(self._focus_if_shown)

    def optional(self, key: str) -> Any:
        """The DAG or Assistant panel once its sub-tab has been shown, else None."""
        return next(iter(self.query_one(f"#wf-{key}", TabPane).children), None)

    @on(EngineCallDone)
    def _call_done(self, message: EngineCallDone) -> None:
        if message.error is not None:
            error = self.app.redact(f"{type(message.error).__name__}: {message.error}")  # type: ignore[attr-defined]
            self.notify(error, title="Cannot read lab_stages.toml", severity="error", timeout=10)
            return
        if message.tag == "open":
            self.lab, snapshot = message.value
            self.call_after_refresh(self._focus_if_shown)
        else:
            snapshot = message.value
        for panel in self.query(LabPanel):
            panel.lab = self.lab
            if not isinstance(snapshot, BrokenFile):
                panel.show_lab(snapshot)
        if isinstance(snapshot, BrokenFile):  # only HISTORY can work on a file that does not load
            self.query_one(HistoryPanel).show_broken(snapshot)
            self.show_subtab("history")

    @on(LabChanged)
    def _lab_changed(self, message: LabChanged) -> None:
        for panel in self.query(LabPanel):
            if panel is not message.origin:
                panel.show_lab(message.snapshot)

    @on(LabConflict)
    def _lab_conflict(self, message: LabConflict) -> None:
        body = f"{message.error}\n\nReload it from disk? Edits not yet saved on this page are dropped."
        self.app.push_screen(ConfirmDialog("Stages file changed on disk", body, "Reload"),
                             lambda ok: self._reload() if ok else None)

    def _reload(self, *, keep_edits: bool = False) -> None:
        if not keep_edits:
            self.stages.unsaved.clear()
        if self.lab is not None:
            self.app.call_engine("reload", self.lab.load_or_raw, reply_to=self)  # type: ignore[attr-defined]

    @on(ActiveAppChanged)
    def _app_changed(self) -> None:
        self.stages.unsaved.clear()
        self.open_lab()
        for key in OPTIONAL_PANELS:
            reload = getattr(self.optional(key), "reload", None)
            if callable(reload):
                reload()

    def on_stage_saved(self, message: Any) -> None:
        """The Assistant appended a stage: reread the file and open the new stage."""
        self.stages.select_after_reload(int(message.index))
        self._reload(keep_edits=True)

    @on(RunStateChanged)
    def _run_state(self, message: RunStateChanged) -> None:
        self.active_op = message.operation
        self.running = message.operation is not None

    @on(OperationDone)
    def _work_done(self, done: OperationDone) -> None:
        # A run elsewhere (ORCHESTRATE, DAG) may rewrite the data the stage preview shows.
        if self.lab is not None and done.kind not in ("stage", "pipeline"):
            self.stages.call("preview", self.lab.preview, switch=False)

    @on(PipelineFinished)
    def _pipeline_finished(self) -> None:
        if self.lab is not None:
            self.stages.call("preview", self.lab.preview, switch=True)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.running if action == "cancel" else True

    def action_cancel(self) -> None:
        if self.active_op is not None:
            owner = self.stages if self.stages.operation is self.active_op else self.query_one(PipelinePanel)
            owner.action_cancel()

    def action_run_pipeline(self) -> None:
        self.show_subtab("pipeline")
        self.query_one(PipelinePanel).action_run_pipeline()

    def palette_commands(self) -> list[PaletteCommand]:
        return workflow_commands(self)
