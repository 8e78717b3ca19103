"""Multi-app DAG: pick a plan, check it, watch step readiness, preview or really run ready steps, edit it.

Real runs are engine operations started with ``app.run_operation``; each of their events makes the panel
re-read the runner's in-memory state and rewrite only the table cells that changed. Everything that
reads or writes files (listing plans, opening, previews, edits, saves) goes through ``app.call_engine``.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Collapsible, Input, Label, Log, Select, Static, TextArea

from tui.messages import ActiveAppChanged, EngineCallDone, EngineEventMessage
from tui.page import PaletteCommand
from tui.workflow.dag import render
from tui.workflow.dag.actions import DagActions
from tui.workflow.dag.details import HandoffTable, HistoryTable
from tui.workflow.dag.editor import DagCommand, DagEdit, DagEditor
from tui.workflow.dag.session import DISTRIBUTED, LOCAL, list_entries
from tui.workflow.dag.table import DagTable

SOURCES = [("App templates", "app_templates"), ("Sample library", "sample_library"),
           ("Workspace drafts", "workspace_drafts"), ("Custom path", "custom_path")]
BACKENDS = [("Local contracts", LOCAL), ("Distributed backend", DISTRIBUTED)]
WIDE_ENOUGH_FOR_GRAPH = 100


class DagPanel(DagActions):
    """The Multi-app DAG scope of the WORKFLOW page."""

    DEFAULT_CSS = """
    DagPanel {
        height: 1fr;
        padding: 0 1;
        Horizontal { height: auto; }
        #dag-source { width: 24; }
        #dag-plan { width: 1fr; }
        #dag-custom-path { display: none; }
        &.-custom #dag-custom-path { display: block; }
        #dag-issues.-errors { color: $error; }
        #dag-metrics { text-style: bold; color: $primary; }
        #dag-backend { width: 26; }
        #dag-slots { width: 8; }
        #dag-run-row Label { padding: 1 1 0 1; }
        #dag-buttons Button { margin-right: 1; }
        #dag-request { display: none; background: $surface; }
        &.-distributed #dag-request { display: block; }
        #dag-graph-box { display: none; height: auto; }
        &.-graph #dag-graph-box { display: block; }
        #dag-graph { background: $surface; }
        #dag-message { color: $text-muted; }
        #dag-message.-error { color: $error; }
        #dag-log { height: 6; background: $surface; }
        .dag-heading { text-style: bold; margin-top: 1; }
        #dag-json { height: 14; }
        Collapsible { padding-left: 0; }
    }
    """

    BINDINGS = [
        Binding("f5", "check_plan", "Check", id="dag.check", tooltip="Validate the plan (schema, apps, artifacts)"),
        Binding("ctrl+n", "preview_next", "Preview next", id="dag.preview_next",
                tooltip="Mark the next ready step completed as a preview (no app runs)"),
        Binding("ctrl+r", "run_ready", "Run ready", id="dag.run_ready",
                tooltip="Really run every ready step, N slots at a time"),
        Binding("escape", "cancel_run", "Cancel", id="dag.cancel", tooltip="Cancel the running steps"),
        Binding("ctrl+g", "toggle_graph", "Graph", show=False, id="dag.graph",
                tooltip="Show or hide the dependency graph"),
        Binding("ctrl+t", "retry", "Retry", show=False, id="dag.retry", tooltip="Run the selected failed step again"),
        Binding("ctrl+o", "rerun_from", "Rerun from", show=False, id="dag.rerun_from",
                tooltip="Reset the selected step and everything downstream so they run again"),
        Binding("ctrl+s", "save_plan", "Save plan", show=False, id="dag.save",
                tooltip="Save the plan as a workspace draft of the active app"),
    ]

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield Select(SOURCES, value="app_templates", allow_blank=False, id="dag-source")
            yield Select[str]([], prompt="plan", id="dag-plan")
        yield Input(placeholder="plan file or folder, then Enter", id="dag-custom-path")
        yield Static("No plan loaded.", id="dag-title")
        yield Static("", id="dag-issues")
        yield Static("", id="dag-metrics")
        yield DagTable(id="dag-table")
        with Horizontal(id="dag-run-row"):
            yield Select(BACKENDS, value=LOCAL, allow_blank=False, id="dag-backend")
            yield Label("Slots")
            yield Input("2", type="integer", id="dag-slots")
        with Horizontal(id="dag-buttons"):
            for label, button_id in (("Preview next", "preview_next"), ("Run next", "run_next"),
                                     ("Run ready", "run_ready"), ("Retry", "retry"), ("Rerun from", "rerun_from"),
                                     ("Reset preview", "reset_preview")):
                yield Button(label, id=f"dag-{button_id}", compact=True)
        yield Static("", id="dag-request")
        yield Static("", id="dag-message")
        with Vertical(id="dag-graph-box"):
            yield Static("Dependency graph", classes="dag-heading")
            yield Static("", id="dag-graph")
        yield Static("Run output", classes="dag-heading")
        yield Log(max_lines=2000, id="dag-log")
        yield Static("Artifact handoffs", classes="dag-heading")
        yield HandoffTable(id="dag-handoffs")
        yield Static("Execution history", classes="dag-heading", id="dag-history-title")
        yield HistoryTable(id="dag-history")
        with Collapsible(title="Edit plan", id="dag-edit-box"):
            yield DagEditor(id="dag-editor")
        with Collapsible(title="Generated JSON (read-only)", id="dag-json-box"):
            yield TextArea("", read_only=True, id="dag-json")
            with Horizontal():
                yield Input(placeholder="export to file…", id="dag-export-path")
                yield Button("Export", id="dag-export", compact=True)

    def on_mount(self) -> None:
        self.set_class(self.app.size.width >= WIDE_ENOUGH_FOR_GRAPH, "-graph")
        self.query_one(DagTable).hide_durations = bool(getattr(self.app, "test_mode", False))
        self.query_one(HistoryTable).hide_timestamps = bool(getattr(self.app, "test_mode", False))
        self.reload()

    # --- public API used by the WORKFLOW page ----------------------------------------------------
    def reload(self) -> None:
        """List the plans of the selected source for the active app (the first one opens)."""
        source = str(self.query_one("#dag-source", Select).value)
        custom = self.query_one("#dag-custom-path", Input).value.strip()
        self.app.call_engine("dag-list", list_entries, self.app.engine, source, self._app_name(), custom,
                             reply_to=self, context={"source": source})

    def palette_commands(self) -> list[PaletteCommand]:
        commands = [("check plan", "Validate the plan and list its issues", self.action_check_plan),
                    ("preview next ready step", "Record a preview completion (no app runs)", self.action_preview_next),
                    ("run next stage", "Really run the first ready step", self.action_run_next),
                    ("run ready stages", "Really run every ready step (N slots)", self.action_run_ready),
                    ("retry failed step", "Run the selected failed step again", self.action_retry),
                    ("partial rerun from selected step", "Reset it and its downstream steps", self.action_rerun_from),
                    ("reset preview", "Undo preview completions", self.action_reset_preview),
                    ("reset runner state", "Start the plan's state over", self.action_reset_state),
                    ("cancel run", "Cancel the running steps", self.action_cancel_run),
                    ("toggle graph", "Show or hide the dependency graph", self.action_toggle_graph),
                    ("backend local", "Run stages in this process's engine", lambda: self._set_backend(LOCAL)),
                    ("backend distributed", "Submit stages to the app's Dask cluster",
                     lambda: self._set_backend(DISTRIBUTED)),
                    ("edit plan", "Open the Steps / Creates / Uses editor", self.action_edit_plan),
                    ("new plan", "Start an empty plan to edit", self.action_new_plan),
                    ("save as workspace plan", "Save the draft for the active app", self.action_save_plan),
                    ("promote to app templates", "Copy the plan into the active app's dag_templates/ so it runs "
                     "for real", self.action_promote),
                    ("overwrite workspace plan", "Save the draft, replacing a plan of the same id",
                     lambda: self.action_save_plan(overwrite=True)),
                    ("show generated json", "Review the plan JSON (read-only)", self.action_show_json),
                    ("export json", "Write the plan JSON to the export path", self.action_export_json),
                    ("reload plans", "List the source's plans again", self.reload)]
        return [PaletteCommand(f"dag: {verb}", help_text, callback) for verb, help_text, callback in commands]

    # --- selection handlers ----------------------------------------------------------------------
    @on(Select.Changed, "#dag-source")
    def _source_changed(self, event: Select.Changed) -> None:
        event.stop()
        self.set_class(event.value == "custom_path", "-custom")
        self.reload()

    @on(Input.Submitted, "#dag-custom-path")
    def _custom_path(self, event: Input.Submitted) -> None:
        event.stop()
        self.reload()

    @on(Select.Changed, "#dag-plan")
    def _plan_changed(self, event: Select.Changed) -> None:
        event.stop()
        if event.value is Select.NULL:
            return
        self.open_plan(str(event.value))

    @on(Select.Changed, "#dag-backend")
    def _backend_changed(self, event: Select.Changed) -> None:
        event.stop()
        self._set_backend(str(event.value))

    @on(Button.Pressed, "#dag-buttons Button")
    def _run_button(self, event: Button.Pressed) -> None:
        event.stop()
        getattr(self, f"action_{(event.button.id or '').removeprefix('dag-')}")()

    @on(Button.Pressed, "#dag-export")
    def _export_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_export_json()

    @on(DagEdit)
    def _edit(self, message: DagEdit) -> None:
        if self._refuse_without_session() or self._refuse_while_running("edit the plan"):
            return
        assert self.session is not None
        self.app.call_engine("dag-edit", self.session.edit, message.operation, reply_to=self,
                             context={"operation": message.operation}, **message.values)

    @on(DagCommand)
    def _command(self, message: DagCommand) -> None:
        {"check": self.action_check_plan, "save": self.action_save_plan, "json": self.action_show_json}[message.name]()

    def on_active_app_changed(self, message: ActiveAppChanged) -> None:
        if not self.running:
            self.session, self._opening = None, ""
            self.reload()

    # --- results ----------------------------------------------------------------------------------
    def on_engine_call_done(self, message: EngineCallDone) -> None:
        if not message.tag.startswith("dag-"):
            return
        if message.tag == "dag-open" and message.context.get("path") == self._opening:
            self._opening = ""
        if not message.ok:
            self.say(f"{message.tag.removeprefix('dag-')}: {message.error}", error=True)
            return
        handler = getattr(self, f"_done_{message.tag.removeprefix('dag-')}", None)
        if handler is not None:
            handler(message.value, message.context)
        self.render_session()

    def on_engine_event_message(self, message: EngineEventMessage) -> None:
        from engine.events import LogLines, OperationFailed, OperationFinished

        if message.operation is not self._operation:
            return
        event = message.event
        if isinstance(event, LogLines):
            self.query_one("#dag-log", Log).write_lines(
                [self.app.redact(f"[{event.source}] {line}") for line in event.lines])
        if isinstance(event, OperationFinished):
            self.running, self._operation = False, None
            done = event.result.get("completed") or []
            self.say(f"Run finished: {len(done)} step(s) completed ({', '.join(done) or 'none'}).")
        elif isinstance(event, OperationFailed):
            self.running, self._operation = False, None
            self.say(("Run cancelled: " if event.cancelled else "Run failed: ") + event.error.splitlines()[0],
                     error=True)
        self.render_state()

    def render_session(self) -> None:
        """Everything that depends on the plan: title, issues, editor choices, then the state views."""
        session = self.session
        if session is None:
            return
        self.query_one("#dag-title", Static).update(render.title_text(session, self.app.redact))
        self.query_one("#dag-history-title", Static).update(render.history_heading(session, self.app.redact))
        issues, has_errors = render.issues_text(session.check, self.app.redact(session.runner_error))
        issues_view = self.query_one("#dag-issues", Static)
        issues_view.update(issues)
        issues_view.set_class(has_errors, "-errors")
        artifacts = [(str(a.get("id")), str(node.get("id"))) for node in session.draft.data.get("nodes") or ()
                     for a in node.get("produces") or () if isinstance(a, dict)]
        self.query_one(DagEditor).set_choices(session.draft.step_ids, session.known_apps(), artifacts)
        json_box = self.query_one("#dag-json-box", Collapsible)
        if not json_box.collapsed:
            self.query_one("#dag-json", TextArea).text = session.draft.to_json()
        self.render_state()

    def render_state(self) -> None:
        """The views of the runner state, read from memory: table cells, metrics, graph, handoffs, history."""
        from engine.dag import execution_history, handoff_rows

        session = self.session
        if session is None:
            return
        runner = session.runner
        readiness = runner.readiness() if runner is not None else None
        units = {u["id"]: u for u in runner.state["units"]} if runner is not None else {}
        self.query_one(DagTable).show(readiness, units)
        if runner is not None and session.backend.name == DISTRIBUTED:
            session.request_previews()
        self.query_one("#dag-metrics", Static).update(render.metrics_text(readiness, session.backend))
        self.query_one("#dag-request", Static).update(render.request_text(session.backend, self.app.redact))
        self.query_one("#dag-graph", Static).update(render.graph_text(session.check, readiness))
        self.query_one(HandoffTable).show(handoff_rows(session.check, runner.state if runner else None))
        self.query_one(HistoryTable).show(execution_history(runner.state) if runner is not None else [],
                                          str(runner.store.path) if runner is not None else "")
