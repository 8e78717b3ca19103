"""What ORCHESTRATE does with its buttons, keys and engine results (mixed into ``OrchestrateView``).

Blocking engine calls go through ``app.call_engine`` (a thread) and come back as ``EngineCallDone``;
operations go through ``app.run_operation`` and come back as ``EngineEventMessage``. The helpers at
the top run in those threads and only call the engine.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import on
from textual.widgets import Button

from tui.messages import ActiveAppChanged, EngineCallDone
from tui.orchestrate.log_filter import LogSourceFilter
from tui.page import PageView, PaletteCommand
from tui.widgets.log_pane import LogPane
from tui.widgets.op_status import OpStatus
from tui.widgets.settings_form import SettingsForm

if TYPE_CHECKING:
    # Imported where used: it pulls in pygments, which startup does not need (the sections mount later).
    # So are the section widgets: only the System form is in the first frame.
    from tui.orchestrate.run_result import RunResult
    from tui.orchestrate.snippet_panel import SnippetPanel
    from tui.orchestrate.workplan import WorkplanView
    from tui.widgets.args_form import ArgsForm

SNIPPET_METHODS = {"install": "install", "distribute": "get_distrib", "run": "run"}


def gather_state(engine: Any) -> dict[str, Any]:
    """Everything the page shows about the active app (runs in a thread)."""
    app = engine.active_app()
    settings = engine.settings(app)
    state: dict[str, Any] = {"app": app, "cluster": settings.cluster, "mode_label": settings.mode_label,
                             "args": settings.args, **refresh_state(engine)}
    # Looked up inside the try: an engine without one of these breaks its own section, not the page.
    for key, call in (("args_schema", lambda a: engine.args_schema(a)), ("benchmark", engine.load_benchmark),
                      ("plan", engine.load_distribution)):
        try:
            state[key] = call(app)
        except Exception as exc:  # shown in its own section; the rest of the page still works
            state[f"{key}_error"] = str(exc)
    return state


def refresh_state(engine: Any) -> dict[str, Any]:
    """What changes with settings: snippets and whether runs can start."""
    app = engine.active_app()
    settings = engine.settings(app)
    return {"snippets": engine.snippets(app), "install": engine.install_status(app, settings.mode),
            "mode_label": settings.mode_label}


def rapids_reason(engine: Any) -> str:
    from engine.rapids_check import rapids_unavailable_reason

    return rapids_unavailable_reason(engine.workspace, engine.active_app())


def write_snippet(engine: Any, kind: str, code: str) -> Path:
    """Save a snippet as AGILab names it: ``<log dir>/AGI_<method>_<target>.py``."""
    from engine.atomic import atomic_write_text

    app = engine.active_app()
    path = engine.workspace.log_dir(app) / f"AGI_{SNIPPET_METHODS[kind]}_{app.target}.py"
    atomic_write_text(path, code)
    return path


def open_latest_output(engine: Any) -> Any:
    """The latest run's output folder as one virtual table, or None before the first run."""
    from engine.table_source import open_table

    latest = engine.latest_output(engine.active_app())
    return open_table(latest.parent) if latest is not None else None


def export_csv(engine: Any, source_path: Path, columns: list[str]) -> Any:
    from engine.data_export import export_columns

    return export_columns(source_path, columns, engine.workspace.export_dir(engine.active_app()))


class OrchestrateHandlers(PageView):
    """Button, key and result handlers of the ORCHESTRATE page."""

    sections_ready = False
    """True once every section is mounted; until then only the first one exists (the page mounts the rest
    after its first frame and then loads the engine state)."""

    def __init__(self) -> None:
        super().__init__()
        self.current: Any = None
        """The operation this page is running, if any."""
        self.installed_reason = "checking install status…"
        """Why runs cannot start ('' when they can)."""
        self.log_filter = LogSourceFilter()
        """Every log line of the current operation by source, and the source the log pane follows."""
        self.settings_loaded = False
        """True once the settings forms show the app's settings; earlier ``Changed`` messages are the
        widgets' own initial values (the verbosity Select posts one on mount), not edits to save."""

    # --- loading ----------------------------------------------------------------------------------
    def reload(self) -> None:
        if self.sections_ready:  # otherwise the page loads as soon as its sections are mounted
            self.app.call_engine("load", gather_state, self.app.engine, reply_to=self)

    def _refresh(self) -> None:
        self.app.call_engine("refresh", refresh_state, self.app.engine, reply_to=self)

    def _check_rapids(self) -> None:
        engine = self.app.engine
        self.app.call_engine("rapids", rapids_reason, engine, reply_to=self)

    @on(ActiveAppChanged)
    def _app_changed(self) -> None:
        self.reload()

    def _show_state(self, state: dict[str, Any]) -> None:
        from tui.orchestrate.benchmark_panel import BenchmarkPanel
        from tui.orchestrate.hosts_section import HostsSection
        from tui.orchestrate.sections import Section
        from tui.orchestrate.service_form import ServiceSettingsForm
        from tui.orchestrate.workplan import WorkplanView
        from tui.widgets.args_form import ArgsForm
        self.query_one(SettingsForm).load(state["cluster"], state["mode_label"])
        self.query_one(HostsSection).load(state["cluster"])
        self.query_one(ServiceSettingsForm).load(state["cluster"])
        if "args_schema" in state:
            self.query_one(ArgsForm).load(state["args_schema"], state["args"])
        else:
            # No manager env yet (or a manager that fails): [args] stays editable as validated TOML.
            error = self.app.redact(state["args_schema_error"])
            self.query_one(ArgsForm).load_toml(state["args"], f"{error}\n[args] as TOML until then (ctrl+s saves; "
                                                              "checked by the app's model once installed)")
            self.query_one("#args", Section).set_status(f"• {error}", ok=None)
        self.query_one(BenchmarkPanel).show(state.get("benchmark"))
        if state.get("plan"):
            self.query_one(WorkplanView).show_plan(state["plan"])
        self.settings_loaded = True
        self._show_refresh(state)
        self._check_rapids()

    def _show_refresh(self, state: dict[str, Any]) -> None:
        from tui.orchestrate.sections import Section
        from tui.orchestrate.snippet_panel import SnippetPanel

        for kind, code in state["snippets"].items():
            self.query_one(f"#snippet-{kind}", SnippetPanel).set_code(self.app.redact(code))
        status = state["install"]
        self.installed_reason = status.reason
        install = self.query_one("#install", Section)
        if status.reason:
            install.set_status(f"• {self.app.redact(status.reason)}", ok=None)
        else:
            install.set_status("✓ worker environment installed", ok=True)
        self._update_run_buttons()
        self.app.refresh_status(state["mode_label"])

    def _update_run_buttons(self) -> None:
        from tui.orchestrate.sections import RunSection
        running = self.current is not None
        can_run = not self.installed_reason
        self.query_one(RunSection).set_enabled(can_run, running, self.app.redact(self.installed_reason))
        self.query_one("#btn-benchmark", Button).disabled = running or not can_run

    @on(EngineCallDone)
    def _call_done(self, message: EngineCallDone) -> None:
        from tui.orchestrate.data_section import DataSection
        from tui.orchestrate.run_result import RunResult
        from tui.orchestrate.sections import BenchmarkSection, Section
        from tui.widgets.args_form import ArgsForm
        tag, value = message.tag, message.value
        if not message.ok:
            self._call_failed(tag, message.error)
        elif tag == "load":
            self._show_state(value)
        elif tag == "refresh":
            self._show_refresh(value)
        elif tag == "args-schema":
            self.query_one(ArgsForm).load(*value)
            self.query_one("#args", Section).set_status("", ok=None)
        elif tag == "save-args":
            self.query_one("#args", Section).set_status("✓ saved to [args]", ok=True)
            self._refresh()
        elif tag == "save-plan":
            self.query_one("#distribute", Section).set_status(f"✓ plan saved to {self.app.redact(str(value))}", ok=True)
        elif tag == "snippet-export":
            self.notify(f"snippet written to {self.app.redact(str(value))}", timeout=4)
        elif tag == "notebook":
            self.query_one("#notebook", Section).set_status(f"✓ {self.app.redact(str(value))}", ok=True)
        elif tag == "load-data":
            title = "no output yet: RUN first" if value is None else self.app.redact(str(value.path))
            self.query_one(DataSection).show_source(value, title)
            rows = f"{value.row_count:,} rows" if value is not None and value.row_count_known else ""
            self.query_one(DataSection).set_status(rows, ok=None)
        elif tag == "rapids":
            self.query_one(BenchmarkSection).set_rapids(self.app.redact(value))
        elif tag == "run-outputs":
            self.query_one(RunResult).show_outputs(value, message.context["total"], self.app.redact)
        elif tag == "export":
            self.query_one(DataSection).set_status(
                f"✓ {value.rows:,} rows × {len(value.columns)} columns → {self.app.redact(str(value.path))}", ok=True)

    def _call_failed(self, tag: str, error: BaseException | None) -> None:
        from tui.orchestrate.data_section import DataSection
        from tui.orchestrate.sections import Section
        from tui.widgets.args_form import ArgsForm
        text = self.app.redact(str(error))
        key = getattr(error, "key", None) or ""
        if tag == "save-args":
            self.query_one(ArgsForm).show_errors({key.removeprefix("args."): text})
            self.query_one("#args", Section).set_status(f"✗ {text}", ok=False)
        elif tag in ("load-data", "export"):
            self.query_one(DataSection).set_status(f"✗ {text}", ok=False)
        elif tag == "save-plan":
            self.query_one("#distribute", Section).set_status(f"✗ {text}", ok=False)
        elif tag == "notebook":
            self.query_one("#notebook", Section).set_status(f"✗ {text}", ok=False)
        else:
            self.notify(text, title=f"{tag} failed", severity="error")

    # --- settings --------------------------------------------------------------------------------
    @on(SettingsForm.Changed)
    def _settings_changed(self, message: SettingsForm.Changed) -> None:
        from engine.errors import AgilabError, FileChangedError
        from tui.orchestrate.hosts_section import HostsSection
        from tui.orchestrate.ssh_form import SshSettingsForm

        if not self.settings_loaded:
            return
        engine = self.app.engine
        for attempt in (1, 2):
            try:
                settings = engine.settings(engine.active_app())
                settings.update_cluster(**message.values)
                settings.save()
                break
            except FileChangedError:
                if attempt == 2:
                    raise
            except AgilabError as exc:
                key = (getattr(exc, "key", None) or "").removeprefix("cluster.").split(".")[0]
                self.query_one(SettingsForm).show_error(key or "workers", self.app.redact(str(exc)))
                self.query_one(SshSettingsForm).show_error(key, self.app.redact(str(exc)))
                return
        if {"workers", "cluster_enabled"} & set(message.values):
            self.query_one(HostsSection).set_hosts(settings.cluster.workers, settings.cluster.cluster_enabled)
        self._refresh()

    # --- operations --------------------------------------------------------------------------
    def start_operation(self, make_op: Any) -> None:
        if self.current is not None:
            self.notify(f"{self.current.kind} is still running", severity="warning")
            return
        try:
            op = make_op()
        except Exception as exc:  # e.g. unreadable settings: nothing started
            self.notify(self.app.redact(str(exc)), title="cannot start", severity="error")
            return
        from tui.orchestrate.password_prompt import SSH_KINDS, ask_password, needs_password

        if op.kind in SSH_KINDS and needs_password(self.app.engine):  # asked first, held in memory only
            ask_password(self, lambda: self.start_operation(lambda: op))
            return
        self.current = op
        self.running = True
        self.query_one(LogPane).clear(title=f"Log · {op.kind}")
        self.query_one(OpStatus).start(op.kind)
        self.cluster_operation_started(op)  # type: ignore[attr-defined]
        self._update_run_buttons()
        self.app.run_operation(op, self)

    def handle_event(self, op: Any, event: Any) -> None:
        from engine.events import LogLines, OperationFailed, OperationFinished, Progress
        if isinstance(event, LogLines):
            lines = [self.app.redact(line) for line in event.lines]
            # Queued, not written: the pane writes the batches of one frame together.
            self.query_one(LogPane).stream_lines(self.cluster_log_lines(op, event.source, lines))  # type: ignore[attr-defined]
        elif isinstance(event, Progress):
            self.query_one(OpStatus).progress(op.kind, event.done, event.total, event.step)
        elif isinstance(event, (OperationFinished, OperationFailed)):
            if op is self.current:
                self.current = None
                self.running = False
            ok = isinstance(event, OperationFinished)
            self.cluster_operation_done(op, event)  # type: ignore[attr-defined]
            self._operation_done(op.kind, event, ok)
            self._update_run_buttons()

    def _operation_done(self, kind: str, event: Any, ok: bool) -> None:
        from tui.orchestrate.benchmark_panel import BenchmarkPanel
        from tui.orchestrate.run_result import RunResult, count_rows
        from tui.orchestrate.sections import BenchmarkSection, RunSection, Section, summarize_run
        from tui.orchestrate.service_panel import ServiceSection
        from tui.orchestrate.workplan import WorkplanView
        status, log = self.query_one(OpStatus), self.query_one(LogPane)
        if kind == "serve":  # an AGILab app's service action (the Service section started it)
            self.query_one(ServiceSection).operation_done(event, ok)
        if not ok:
            word = "cancelled" if event.cancelled else "failed"
            error = self.app.redact(event.error)
            status.finish(f"✗ {kind} {word}: {error}", ok=False, seconds=event.seconds)
            log.write_lines([f"✗ {kind} {word}: {error}"])
            section = {"install": "#install", "distribute": "#distribute", "run": "#run",
                       "serve": "#service"}.get(kind, "#benchmark")
            self.query_one(section, Section).set_status(f"✗ {kind} {word}: {error}", ok=False)
            if kind == "install":
                # A half-done reinstall removed the stamp: runs stay blocked, with this failure as reason.
                self.installed_reason = f"install {word}: {error}"
            return
        status.finish(f"✓ {kind} finished", ok=True, seconds=event.seconds)
        result = event.result
        if kind == "install":
            self._refresh()
            self._check_rapids()
            self._reload_args()  # the manager env now exists: the form comes from its schema
        elif kind == "distribute":
            self.query_one(WorkplanView).show_plan(result["plan"])
            self.query_one("#btn-save-plan", Button).disabled = False
            self.query_one("#distribute", Section).set_status(f"✓ {len(result['plan']['worker_slots'])} worker slot(s)", ok=True)
        elif kind == "run":
            self.query_one(RunSection).set_status(summarize_run(result), ok=True)
            self.query_one(RunResult).show_figures(result)
            outputs = list(result.get("outputs") or [])
            self.app.call_engine("run-outputs", count_rows, outputs, reply_to=self, context={"total": len(outputs)})
        elif kind == "benchmark":
            self.query_one(BenchmarkPanel).show(result["benchmark"])
            self.query_one(BenchmarkSection).set_status(f"✓ {len(result['benchmark'])} mode(s) → benchmark.json", ok=True)

    # --- actions (keys, buttons, palette) ----------------------------------------------------------
    def action_install(self) -> None:
        self.show_section("install")
        self.start_operation(lambda: self.app.engine.install(self.app.engine.active_app()))

    def action_distribute(self) -> None:
        self.show_section("distribute")
        self.start_operation(lambda: self.app.engine.get_distrib(self.app.engine.active_app()))

    def action_run(self) -> None:
        self.show_section("run")
        if self.installed_reason:
            self.notify(self.app.redact(self.installed_reason), title="cannot run yet", severity="warning")
            return
        self.start_operation(lambda: self.app.engine.run(self.app.engine.active_app()))

    def action_benchmark(self) -> None:
        from tui.orchestrate.sections import BenchmarkSection
        self.show_section("benchmark")
        modes = self.query_one(BenchmarkSection).chosen_modes()
        if not modes:
            self.notify("choose at least one mode (space toggles)", severity="warning")
            return
        self.start_operation(lambda: self.app.engine.benchmark(self.app.engine.active_app(), modes))

    def action_benchmark_all(self) -> None:
        from tui.orchestrate.sections import BenchmarkSection
        self.show_section("benchmark")
        self.query_one(BenchmarkSection).toggle_all()

    def action_cancel(self) -> None:
        if self.current is not None:
            self.app.cancel_operation(self.current)

    def action_save_args(self) -> None:
        from tui.widgets.args_form import ArgsForm
        self.query_one(ArgsForm).action_save()

    def action_save_plan(self) -> None:
        from tui.orchestrate.workplan import WorkplanView
        self.query_one(WorkplanView).action_save()

    def action_export_notebook(self) -> None:
        self.show_section("notebook")
        engine = self.app.engine
        self.app.call_engine("notebook", lambda: engine.export_orchestrate_notebook(engine.active_app()), reply_to=self)

    def action_load_data(self) -> None:
        self.show_section("data")
        self.app.call_engine("load-data", open_latest_output, self.app.engine, reply_to=self)

    def action_export_csv(self) -> None:
        from tui.orchestrate.data_section import DataSection
        data = self.query_one(DataSection)
        source = data.query_one("VirtualTable").source  # type: ignore[attr-defined]
        if source is None:
            self.action_load_data()
            return
        self.app.call_engine("export", export_csv, self.app.engine, source.path, data.chosen_columns(), reply_to=self)

    def action_open_output(self, path: str | None = None) -> None:
        """Show an output of the last run in ANALYSIS (the highlighted one by default)."""
        from tui.orchestrate.run_result import RunResult
        path = path or self.query_one(RunResult).highlighted_path()
        if not path:
            self.notify("no run output yet: RUN first", severity="warning")
            return
        self.app.action_show_tab("analysis")  # type: ignore[attr-defined]
        analysis = self.app.view("analysis")  # type: ignore[attr-defined]
        if analysis is not None and hasattr(analysis, "open_path"):
            analysis.open_path(path)

    # Named handlers rather than @on(...): the section widgets are imported after the first frame.
    def on_run_result_open_requested(self, message: RunResult.OpenRequested) -> None:
        self.action_open_output(message.path)

    def on_args_form_save_requested(self, message: ArgsForm.SaveRequested) -> None:
        engine = self.app.engine
        self.app.call_engine("save-args", lambda: engine.save_args(engine.active_app(), message.values), reply_to=self)

    def _reload_args(self) -> None:
        engine = self.app.engine
        self.app.call_engine("args-schema", lambda: (engine.args_schema(engine.active_app()),
                                                     engine.settings(engine.active_app()).args), reply_to=self)

    def on_args_form_toml_save_requested(self, message: ArgsForm.TomlSaveRequested) -> None:
        engine = self.app.engine
        self.app.call_engine("save-args", lambda: engine.save_args_toml(engine.active_app(), message.text),
                             reply_to=self)

    def on_workplan_view_save_requested(self, message: WorkplanView.SaveRequested) -> None:
        engine = self.app.engine
        self.app.call_engine("save-plan", lambda: engine.save_distribution(engine.active_app(), message.plan),
                             reply_to=self)

    def on_snippet_panel_export_requested(self, message: SnippetPanel.ExportRequested) -> None:
        # Named handler rather than @on(SnippetPanel.ExportRequested): see the import note at the top.
        engine = self.app.engine
        self.app.call_engine("snippet-export", write_snippet, engine, message.kind, message.code, reply_to=self)

    @on(Button.Pressed)
    def _button(self, event: Button.Pressed) -> None:
        actions = {"btn-install": self.action_install, "btn-distribute": self.action_distribute,
                   "btn-run": self.action_run, "btn-cancel": self.action_cancel,
                   "btn-benchmark": self.action_benchmark, "btn-save-args": self.action_save_args,
                   "btn-benchmark-all": self.action_benchmark_all,
                   "btn-save-plan": self.action_save_plan, "btn-notebook": self.action_export_notebook,
                   "btn-load-data": self.action_load_data, "btn-export-csv": self.action_export_csv}
        action = actions.get(event.button.id or "")
        if action is not None:
            event.stop()
            action()

    def palette_commands(self) -> list[PaletteCommand]:
        from tui.orchestrate.data_section import DataSection
        from tui.orchestrate.sections import SECTIONS
        from tui.orchestrate.snippet_panel import SnippetPanel

        if not self.sections_ready:
            return []  # they act on sections that are mounted just after the first frame

        commands = [
            PaletteCommand("run: install", "INSTALL the worker environment", self.action_install),
            PaletteCommand("run: start", "RUN the app in the current mode", self.action_run),
            PaletteCommand("run: cancel", "Cancel the running operation (its processes die)", self.action_cancel),
            PaletteCommand("run: benchmark modes", "Run the chosen modes in turn", self.action_benchmark),
            PaletteCommand("benchmark: choose all modes", "Choose every runnable mode (again: none)",
                           self.action_benchmark_all),
            PaletteCommand("distribute: check", "CHECK DISTRIBUTE: build the work plan", self.action_distribute),
            PaletteCommand("distribute: save plan", "Save the reassigned work plan", self.action_save_plan),
            PaletteCommand("args: save", "Validate and save the run arguments", self.action_save_args),
            PaletteCommand("notebook: export", "Export <app>_orchestrate.ipynb", self.action_export_notebook),
            PaletteCommand("data: load", "Preview the latest output", self.action_load_data),
            PaletteCommand("run: open output in analysis", "Open the highlighted output of the last run in ANALYSIS",
                           self.action_open_output),
            PaletteCommand("data: export csv", "Export the chosen columns to export.csv", self.action_export_csv),
            PaletteCommand("data: select all columns", "Select every column for export",
                           lambda: self.query_one(DataSection).action_select_all()),
        ]
        for kind in SNIPPET_METHODS:
            commands.append(PaletteCommand(f"snippet: copy {kind}", f"Copy the {kind} snippet to the clipboard",
                                           self.query_one(f"#snippet-{kind}", SnippetPanel).action_copy))
            commands.append(PaletteCommand(f"snippet: export {kind}", f"Write the {kind} snippet to a .py file",
                                           self.query_one(f"#snippet-{kind}", SnippetPanel).action_export))
        for key, label in SECTIONS:
            commands.append(PaletteCommand(f"orchestrate: show {label.lower()}", f"Show the {label} section",
                                           lambda key=key: self.show_section(key)))
        from tui.orchestrate.password_prompt import password_commands

        return commands + self.cluster_palette_commands() + password_commands(self)  # type: ignore[attr-defined]
