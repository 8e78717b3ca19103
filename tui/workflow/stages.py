"""The Stages sub-tab: stage list, editor, Save/Next/Remove/Run, template refresh, converter, preview.

Unsaved edits survive jumping between stages (they are kept per stage and marked ``*`` in the list);
saving writes only the stage on screen. Running first saves a modified stage, because the runner reads
the stage from ``lab_stages.toml``.
"""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Button, OptionList

from tui.messages import EngineCallDone, EngineEventMessage
from tui.workflow.dialogs import ConfirmDialog, DiffDialog, ImportSnippetDialog
from tui.workflow.editor import StageEditor
from tui.workflow.lab import LabSnapshot, StageInfo
from tui.workflow.panel import LabPanel
from tui.workflow.results import ResultsPane
from tui.workflow.runs import StageRunsMixin
from tui.workflow.stage_list import StageList, stage_label, stage_option_id

TOOLBAR = (("save", "Save"), ("next", "Next"), ("remove", "Remove"), ("run", "Run"), ("cancel", "Cancel"),
           ("import", "Import…"), ("refresh", "Refresh…"), ("convert", "Convert…"))


class StagesPanel(StageRunsMixin, LabPanel):
    """Edit, add, remove and run the lab's stages."""

    DEFAULT_CSS = """
    StagesPanel {
        height: 1fr;
        #stage-toolbar { height: 1; }
        #stage-toolbar Button { margin-right: 1; min-width: 6; }
        #stage-body { height: 1fr; }
    }
    StagesPanel.-narrow StageList { width: 20; }
    """
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="workflow.save", tooltip="Save the stage on screen"),
        Binding("ctrl+r", "run", "Run", id="workflow.run", tooltip="Save if modified, then run the stage"),
        Binding("ctrl+n", "next", "Next", id="workflow.next", tooltip="Save the stage, then open a new one"),
        Binding("ctrl+delete", "remove", "Remove", show=False, id="workflow.remove",
                tooltip="Remove the stage (asks first)"),
        Binding("ctrl+o", "import_snippet", "Import", show=False, id="workflow.import",
                tooltip="Add a read-only stage from ORCHESTRATE's run snippet or a .py file"),
        Binding("ctrl+t", "refresh_template", "Refresh template", show=False, id="workflow.refresh",
                tooltip="Refresh a template stage from the registry (shows the diff first)"),
        Binding("ctrl+l", "toggle_results", "Log/preview", show=False, id="workflow.toggle-results",
                tooltip="Switch the area under the editor between stage output and data preview"),
        Binding("ctrl+up", "jump(-1)", "Previous stage", show=False, id="workflow.previous-stage",
                tooltip="Open the previous stage"),
        Binding("ctrl+down", "jump(1)", "Next stage", show=False, id="workflow.next-stage",
                tooltip="Open the next stage in the list"),
    ]

    def __init__(self, *, id: str | None = None):
        super().__init__(id=id)
        self.current = 0
        """Index of the stage on screen; ``len(stages)`` is the unsaved new stage."""
        self.unsaved: dict[int, dict[str, str]] = {}
        """Editor values of stages left without saving, by index."""
        self.operation: Any = None
        """The stage run this panel started, while it runs."""
        self._preview_loaded = False

    def compose(self) -> ComposeResult:
        with Horizontal(id="stage-toolbar"):
            for key, label in TOOLBAR:
                button = Button(label, id=f"stage-{key}", compact=True, variant="primary" if key == "run" else "default")
                # Every button has a key (F1); skipping them in the focus chain puts the stage list first.
                button.can_focus = False
                yield button
        with Horizontal(id="stage-body"):
            yield StageList(id="stage-list")
            yield StageEditor(id="stage-editor")
        yield ResultsPane(id="stage-results")

    def on_mount(self) -> None:
        self._update_buttons()

    def on_resize(self) -> None:
        self.set_class(self.app.size.width < 100, "-narrow")
        self.query_one(ResultsPane).set_class(self.app.size.height < 32, "-compact")
        if self.snapshot is not None:
            self.call_after_refresh(self._render_list)  # titles are cut to the list's new width

    def _render_list(self) -> None:
        if self.snapshot is None:
            return
        count = len(self.snapshot.stages)
        # Rebuilding the options must not read as the user jumping to another stage.
        with self.stage_list.prevent(OptionList.OptionHighlighted):
            self.stage_list.show(self.snapshot.stages, unsaved=self.unsaved,
                                 draft=count in self.unsaved or self.current == count, current=self.current)

    # --- rendering -------------------------------------------------------------------------------
    @property
    def editor(self) -> StageEditor:
        return self.query_one(StageEditor)

    @property
    def stage_list(self) -> StageList:
        return self.query_one(StageList)

    def info(self, index: int | None = None) -> StageInfo | None:
        stages = self.snapshot.stages if self.snapshot else ()
        index = self.current if index is None else index
        return stages[index] if 0 <= index < len(stages) else None

    def show_lab(self, snapshot: LabSnapshot, select: int | None = None) -> None:
        super().show_lab(snapshot)
        count = len(snapshot.stages)
        self.current = min(self.current if select is None else select, count)
        self.unsaved = {i: v for i, v in self.unsaved.items() if i <= count}
        self._render_list()
        self.editor.show(self.info(), self.unsaved.get(self.current))
        self._update_buttons()
        if not self._preview_loaded and self.lab is not None:
            self._preview_loaded = True
            self.call("preview", self.lab.preview, switch=False)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Run stays listed but greyed out while a stage runs (footer and F1 both say why it is inert).
        return None if action == "run" and self.operation is not None else True

    def _update_buttons(self) -> None:
        self.refresh_bindings()
        info = self.info()
        busy = self.operation is not None
        self.query_one("#stage-run", Button).disabled = busy
        self.query_one("#stage-cancel", Button).display = busy
        self.query_one("#stage-remove", Button).disabled = info is None and self.current not in self.unsaved
        self.query_one("#stage-refresh", Button).display = info is not None and info.template

    def _stash(self) -> None:
        """Keep the editor's unsaved values of the stage being left."""
        changes = self.editor.changes()
        if changes:
            self.unsaved[self.current] = self.editor.values()
        else:
            self.unsaved.pop(self.current, None)
        info = self.info()
        if info is not None:
            label = stage_label(info, unsaved=self.current in self.unsaved, width=self.stage_list.label_width)
            self.stage_list.replace_option_prompt(stage_option_id(info.index), label)

    def open_stage(self, index: int) -> None:
        if self.snapshot is None or index == self.current:
            return
        self._stash()
        self.current = index
        self.stage_list.move_to(index)
        self.editor.show(self.info(), self.unsaved.get(index))
        self._update_buttons()

    def select_after_reload(self, index: int) -> None:
        """Open stage ``index`` when the next snapshot arrives (a stage another panel appended)."""
        self._stash()
        self.current = index

    @on(OptionList.OptionHighlighted, "#stage-list")
    def _stage_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if self.snapshot is not None:
            self.open_stage(StageList.index_of(event.option, len(self.snapshot.stages)))

    @on(OptionList.OptionSelected, "#stage-list")
    def _stage_selected(self) -> None:
        self.editor.query_one("#stage-d").focus()

    def action_jump(self, step: int) -> None:
        if self.snapshot is not None:
            self.open_stage(max(0, min(self.current + step, len(self.snapshot.stages))))

    def action_toggle_results(self) -> None:
        self.query_one(ResultsPane).toggle()

    # --- save / next / remove / import ----------------------------------------------------------------
    def action_save(self, then: str = "") -> None:
        if not self.ready() or self.lab is None:
            return
        info, changes = self.info(), self.editor.changes()
        if not changes:
            if info is None:
                self.notify("The new stage is empty: write code or a question first", severity="warning")
            elif then:
                self._after_save(then, info.index)
            else:
                self.notify("No changes to save")
            return
        self.call("save", self.lab.save_stage, None if info is None else info.index, changes, then=then)

    def action_next(self) -> None:
        self.action_save(then="next")

    def action_remove(self) -> None:
        if not self.ready():
            return
        info = self.info()
        if info is None:
            self.unsaved.pop(self.current, None)
            self.editor.show(None)
            self.notify("New stage discarded")
            return
        body = f"Remove stage {info.index + 1} “{info.title}” from lab_stages.toml?\nThis cannot be undone here."
        self.app.push_screen(ConfirmDialog("Remove stage", body, "Remove", destructive=True),
                             lambda ok: self._remove_confirmed(info.index) if ok else None)

    def _remove_confirmed(self, index: int) -> None:
        if self.lab is not None:
            self.call("remove", self.lab.remove_stage, index, index=index)

    def action_import_snippet(self) -> None:
        if self.ready():
            self.app.push_screen(ImportSnippetDialog(), self._import_chosen)

    def _import_chosen(self, source: str | None) -> None:
        if source and self.lab is not None:
            self.call("import", self.lab.import_snippet, source)

    def _after_save(self, then: str, index: int) -> None:
        if then == "next" and self.snapshot is not None:
            self.open_stage(len(self.snapshot.stages))
            self.editor.query_one("#stage-d").focus()
        elif then == "run":
            self.start_run(index)

    # --- engine results ---------------------------------------------------------------------------------
    @on(EngineCallDone)
    def _call_done(self, message: EngineCallDone) -> None:
        message.stop()
        if not message.ok:
            assert message.error is not None
            if message.tag == "save":
                self.editor.mark_env_invalid("execution environment" in str(message.error))
            self.report(message.error, f"{message.tag} failed")
            return
        tag, value, context = message.tag, message.value, message.context
        if tag in ("save", "import"):
            snapshot, index = value
            self.unsaved.pop(index if tag == "import" else self.current, None)
            self.current = index
            self.lab_written(snapshot)
            if tag == "save":
                self.notify(f"Stage {index + 1} saved")
                self._after_save(context.get("then", ""), index)
            else:
                self.notify(f"Stage {index + 1} imported (read-only)")
        elif tag == "remove":
            removed = context["index"]
            self.unsaved = {i - (i > removed): v for i, v in self.unsaved.items() if i != removed}
            self.current = max(0, min(removed, len(value.stages) - 1)) if value.stages else 0
            self.lab_written(value)
            self.notify(f"Stage {removed + 1} removed")
        else:
            self.handle_result(tag, value, context)

    @on(EngineEventMessage)
    def _engine_event(self, message: EngineEventMessage) -> None:
        message.stop()
        self.handle_event(message.operation, message.event)

    @on(Button.Pressed)
    def _button(self, event: Button.Pressed) -> None:
        actions = {"save": self.action_save, "next": self.action_next, "remove": self.action_remove,
                   "run": self.action_run, "cancel": self.action_cancel, "import": self.action_import_snippet,
                   "refresh": self.action_refresh_template, "convert": self.action_convert}
        key = str(event.button.id).removeprefix("stage-")
        if key in actions:
            event.stop()
            actions[key]()

    # --- dialogs used by the mixin ---------------------------------------------------------------------
    def confirm_diff(self, title: str, summary: str, diff: str, apply_label: str, then: Any) -> None:
        self.app.push_screen(DiffDialog(title, summary, self.redact(diff), apply_label),
                             lambda ok: then() if ok else None)
