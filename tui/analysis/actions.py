"""What ANALYSIS does (mixed into ``AnalysisView``): engine calls in threads, and showing their answers.

The thread helpers at the top only call the engine. The view keeps the opened table (``base_source``),
its rows loaded into pandas on first sort/filter/plot (``base_frame``), and the shown result.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual import on

from tui.analysis.evidence import EvidencePanel
from tui.analysis.explorer import Explorer
from tui.analysis.plots import PlotPanel, draw
from tui.analysis.records import RecordsPanel
from tui.analysis.runs import RunsPanel
from tui.messages import ActiveAppChanged, EngineCallDone, OperationDone
from tui.page import PageView
from tui.widgets.dialogs import PromptScreen, TextScreen


def _inventory(engine: Any) -> dict[str, Any]:
    from engine.analysis import app_tables, evidence_files

    app = engine.active_app()
    found: dict[str, Any] = {"app": app.name, "tables": app_tables(engine.workspace, app),
                             "evidence": evidence_files(engine.workspace, app)}
    try:
        found["benchmark"] = engine.load_benchmark(app)
    except Exception as exc:  # a broken benchmark.json is shown in its section, the rest still loads
        found["benchmark_error"] = str(exc)
    return found


def _open(path: str) -> Any:
    from engine.table_source import open_table

    return open_table(Path(path))


def _query(source: Any, frame: Any, expression: str, sort: tuple[str, bool] | None) -> tuple[Any, Any]:
    """Filter then sort every row; returns the shown source and the loaded base frame (cached by the view)."""
    from engine.analysis import FrameSource, filter_frame, load_frame, sort_frame

    base = frame if frame is not None else load_frame(source)
    result = filter_frame(base, expression, source.path)
    if sort is not None:
        result = sort_frame(result, sort[0], sort[1], source.path)
    return FrameSource(source.path, result), base


def _stats(source: Any, frame: Any, column: str) -> Any:
    """Statistics of one column, and the loaded rows so the view loads a big file only once."""
    from engine.analysis import column_stats, load_frame

    frame = frame if frame is not None else load_frame(source)
    return column_stats(frame, column), frame


def _plot(source: Any, frame: Any, kind: str, x: str, y: str | None) -> Any:
    from engine.analysis import load_frame, plot_series

    frame = frame if frame is not None else load_frame(source)
    return plot_series(frame, kind, x, y, source.path), frame


def _evidence(path: str) -> Any:
    from engine.analysis import read_json, summarize_evidence

    return summarize_evidence(read_json(Path(path)))


def _compare(baseline: str, candidate: str) -> Any:
    from engine.analysis import compare_evidence, read_json

    return compare_evidence(read_json(Path(baseline)), read_json(Path(candidate)))


def _runs(engine: Any) -> Any:
    from engine.mlflow_runs import list_runs

    return list_runs(engine.workspace)


def _run_detail(engine: Any, run_id: str) -> Any:
    from engine.mlflow_runs import run_detail

    return run_detail(engine.workspace, run_id)


def _compare_runs(engine: Any, baseline: str, candidate: str) -> Any:
    from engine.mlflow_runs import compare_runs

    return compare_runs(engine.workspace, baseline, candidate)


def _toggle_server(engine: Any, server: Any) -> Any:
    from engine.mlflow_runs import MlflowServer

    if server is not None and server.running:
        server.stop()
        return server
    server = server or MlflowServer(engine.workspace)
    server.start()
    return server


class AnalysisActions(PageView):
    """Actions and engine-result handlers of the ANALYSIS page."""

    def __init__(self) -> None:
        super().__init__()
        self.base_source: Any = None
        """The opened table (a TableSource); None until one is chosen."""
        self.base_frame: Any = None
        """All rows of ``base_source`` as a DataFrame, loaded on the first sort/filter."""
        self.shown: Any = None
        """What the explorer shows: ``base_source`` or a sorted/filtered FrameSource."""
        self.sort: tuple[str, bool] | None = None
        self.server: Any = None
        self.wanted: str | None = None
        """A table asked for by another page (ORCHESTRATE's outputs) and not opened yet."""

    def _call(self, tag: str, fn: Any, *args: Any, **context: Any) -> None:
        self.app.call_engine(tag, fn, *args, reply_to=self, context=context)

    def reload(self) -> None:
        self._call("inventory", _inventory, self.app.engine)
        self._call("runs", _runs, self.app.engine)
        self.query_one(RecordsPanel).reload()

    @on(ActiveAppChanged)
    def _active_changed(self, event: ActiveAppChanged) -> None:
        self.base_source = self.base_frame = self.shown = None
        self.reload()

    @on(OperationDone)
    def _work_done(self, done: OperationDone) -> None:
        # Outputs, benchmark.json, evidence and MLflow runs may all have changed: re-read them, and
        # re-open the table on screen since its file may have been rewritten.
        if done.app == self.app.engine.active_app().name:
            self._call("inventory", _inventory, self.app.engine)
            self._call("runs", _runs, self.app.engine)
            self.query_one(RecordsPanel).reload()  # every execution leaves a run record

    def open_path(self, path: str) -> None:
        """Show ``path`` in the explorer (ORCHESTRATE's Run section sends its outputs here)."""
        self.show_section("explorer")
        self.wanted = path  # wins over a reload that was already on its way with the previous table
        self._call("inventory", _inventory, self.app.engine, open=path)

    @on(EngineCallDone)
    def _engine_done(self, done: EngineCallDone) -> None:
        if not done.ok:
            self._failed(done.tag, str(done.error))
            return
        handler = getattr(self, f"_done_{done.tag}", None)
        if handler is not None:
            handler(done.value, done.context)

    def _failed(self, tag: str, error: str) -> None:
        if tag in ("inventory", "open", "query", "stats"):
            self.query_one(Explorer).set_status(error, error=True)
        elif tag == "server":
            self.query_one(RunsPanel).show_ui(f"MLflow UI: {self.app.redact(error)}")
        elif tag == "plot":
            self.query_one(PlotPanel).set_status(error, error=True)
        elif tag in ("evidence", "compare"):
            self.query_one(EvidencePanel).show_error(error)
        else:
            self.query_one(RunsPanel).show_error(error)

    # --- explorer -------------------------------------------------------------------------------
    def _done_inventory(self, found: dict[str, Any], context: dict[str, Any]) -> None:
        explorer = self.query_one(Explorer)
        wanted = context.get("open") or self.wanted
        if wanted is None and self.base_source is not None:
            wanted = str(self.base_source.path)
        explorer.set_entries(found["tables"], choose=wanted)
        if wanted is not None and wanted not in [str(e.path) for e in found["tables"]] and Path(wanted).exists():
            self._call("open", _open, wanted)  # a table outside the listed folders
        self.query_one(EvidencePanel).set_entries(found["evidence"])
        self.show_benchmark(found.get("benchmark"), found.get("benchmark_error"))

    @on(Explorer.TableChosen)
    def _table_chosen(self, event: Explorer.TableChosen) -> None:
        self.query_one(Explorer).set_status("Opening…")
        self._call("open", _open, event.path)

    def _done_open(self, source: Any, context: dict[str, Any]) -> None:
        self.base_source = self.shown = source
        if self.wanted == str(source.path):
            self.wanted = None
        self.base_frame, self.sort = None, None
        self.query_one(Explorer).show_source(source, lambda: self._describe(source))
        self.query_one(PlotPanel).set_columns(source.columns, source.path.name)

    def _describe(self, source: Any, note: str = "") -> str:
        rows = f"{source.row_count:,} rows" if source.row_count_known else "counting rows…"
        sort = f", sorted by {self.sort[0]} {'desc' if self.sort[1] else 'asc'}" if self.sort else ""
        return f"{source.path.name}: {rows} × {len(source.columns)} columns{sort}{note}"

    @on(Explorer.FilterSubmitted)
    def _filter(self, event: Explorer.FilterSubmitted | None = None) -> None:
        if self.base_source is None:
            return
        self.query_one(Explorer).set_status("Filtering…" if self.query_one(Explorer).filter_text else "Sorting…")
        self._call("query", _query, self.base_source, self.base_frame, self.query_one(Explorer).filter_text, self.sort)

    def _done_query(self, value: tuple[Any, Any], context: dict[str, Any]) -> None:
        self.shown, self.base_frame = value
        text = self.query_one(Explorer).filter_text.strip()
        shown = self.shown
        self.query_one(Explorer).show_source(shown, lambda: self._describe(shown, f", filter: {text}" if text else ""))

    def pick_column(self, title: str, then: Any) -> None:
        if self.shown is None:
            self.query_one(Explorer).set_status("Open a table first", error=True)
            return
        self.app.push_screen(PromptScreen(title, "Column name (or pick one)", choices=list(self.shown.columns)),
                             lambda column: column and then(column))

    def action_sort(self) -> None:
        def sort(column: str) -> None:
            descending = self.sort is not None and self.sort == (column, False)
            self.sort = (column, descending)
            self._filter()

        self.pick_column("Sort by (again: descending)", sort)

    def _shown_frame(self) -> Any:
        """The shown rows as a DataFrame when already in memory (a sort/filter result or the loaded table)."""
        frame = getattr(self.shown, "frame", None)
        return frame if frame is not None else self.base_frame

    def _keep_frame(self, source: Any, frame: Any) -> None:
        if source is self.base_source:
            self.base_frame = frame

    def action_stats(self) -> None:
        self.pick_column("Column statistics", lambda column: self._call(
            "stats", _stats, self.shown, self._shown_frame(), column, source=self.shown))

    def _done_stats(self, value: tuple[Any, Any], context: dict[str, Any]) -> None:
        rows, frame = value
        self._keep_frame(context.get("source"), frame)
        self.app.push_screen(TextScreen("Column statistics", rows))

    def action_filter(self) -> None:
        self.show_section("explorer")
        self.query_one(Explorer).focus_filter()

    # --- plots ---------------------------------------------------------------------------------
    @on(PlotPanel.Requested)
    def _plot_requested(self, event: PlotPanel.Requested) -> None:
        if self.shown is not None:
            self.query_one(PlotPanel).set_status("Drawing…")
            self._call("plot", _plot, self.shown, self._shown_frame(), event.kind, event.x, event.y, source=self.shown)

    def _done_plot(self, value: tuple[Any, Any], context: dict[str, Any]) -> None:
        series, frame = value
        self._keep_frame(context.get("source"), frame)
        self.query_one(PlotPanel).show(series)

    def plot(self, kind: str) -> None:
        self.show_section("plot")
        self.query_one(PlotPanel).choose(kind)

    def show_benchmark(self, table: dict[str, Any] | None, error: str | None) -> None:
        from textual.widgets import Static
        from textual_plotext import PlotextPlot

        note = self.query_one("#benchmark-note", Static)
        if error or not table:
            note.update(self.app.redact(error or "No benchmark yet: ORCHESTRATE > Benchmark writes benchmark.json"))
            return
        from engine.analysis import benchmark_series

        series = benchmark_series(table)
        draw(self.query_one("#benchmark-chart", PlotextPlot), series)
        best = min(table.values(), key=lambda row: row.get("order", 0))
        note.update(f"{len(table)} mode(s); fastest: {best.get('mode')} ({best.get('seconds')} s)")

    # --- evidence ------------------------------------------------------------------------------
    @on(EvidencePanel.Chosen)
    def _evidence_chosen(self, event: EvidencePanel.Chosen) -> None:
        self._call("evidence", _evidence, event.path, title=self.query_one(EvidencePanel).label_of(event.path))

    def _done_evidence(self, rows: list[tuple[str, str]], context: dict[str, Any]) -> None:
        self.query_one(EvidencePanel).show_summary(context.get("title", ""), rows)

    def _done_compare(self, deltas: Any, context: dict[str, Any]) -> None:
        target = self.query_one(RunsPanel) if context.get("runs") else self.query_one(EvidencePanel)
        target.show_deltas(deltas)

    def mark(self, role: str) -> None:
        """Mark the highlighted evidence file or run (record or MLflow); with both marked, show their comparison."""
        if self.current_section() == "records":
            self.query_one(RecordsPanel).mark(role)
            return
        if self.current_section() not in ("evidence", "runs"):
            self.app.notify("b/c mark evidence files (Evidence) or runs (Runs, MLflow)", title="Nothing to mark")
            return
        if self.current_section() == "runs":
            runs = self.query_one(RunsPanel)
            if runs.mark(role, show_time=not self.app.test_mode):
                self._call("compare", _compare_runs, self.app.engine, runs.baseline, runs.candidate, runs=True)
            return
        panel = self.query_one(EvidencePanel)
        if panel.mark(role):
            self._call("compare", _compare, panel.baseline, panel.candidate)

    @on(RecordsPanel.OpenOutput)
    def _open_output(self, event: RecordsPanel.OpenOutput) -> None:
        self.open_path(event.path)

    # --- MLflow --------------------------------------------------------------------------------
    def _done_runs(self, rows: list[Any], context: dict[str, Any]) -> None:
        self.query_one(RunsPanel).set_runs(rows, show_time=not self.app.test_mode)

    @on(RunsPanel.Highlighted)
    def _run_highlighted(self, event: RunsPanel.Highlighted) -> None:
        self._call("run_detail", _run_detail, self.app.engine, event.run_id)

    def _done_run_detail(self, detail: Any, context: dict[str, Any]) -> None:
        self.query_one(RunsPanel).show_detail(detail)

    def action_mlflow_ui(self) -> None:
        self.query_one(RunsPanel).show_ui("MLflow UI: working…")
        self._call("server", _toggle_server, self.app.engine, self.server)

    def _done_server(self, server: Any, context: dict[str, Any]) -> None:
        self.server = server
        if server.running:
            port = server.port
            self.query_one(RunsPanel).show_ui(f"MLflow UI: {server.url} (ready in a few seconds; forward: "
                                              f"ssh -L {port}:127.0.0.1:{port} <host>)")
        else:
            self.query_one(RunsPanel).show_ui("MLflow UI: stopped (u starts it on 127.0.0.1)")

    def on_unmount(self) -> None:
        if self.server is not None:
            self.server.stop()  # the UI must not outlive the TUI

    # --- sections ------------------------------------------------------------------------------
    def show_section(self, key: str) -> None:
        """Show a section (``explorer``, ``plot``, ``benchmark``, ``evidence``, ``runs``) and sync the list."""
        from textual.widgets import ContentSwitcher, OptionList

        self.query_one("#analysis-switcher", ContentSwitcher).current = key
        options = self.query_one("#analysis-sections", OptionList)
        index = next(i for i in range(options.option_count) if options.get_option_at_index(i).id == key)
        if options.highlighted != index:
            options.highlighted = index

    def current_section(self) -> str:
        from textual.widgets import ContentSwitcher

        return self.query_one("#analysis-switcher", ContentSwitcher).current or "explorer"
