"""ANALYSIS "Runs": every run record of the active app, the highlighted record, and what to do with it.

The table lists :class:`engine.records.store.RunSummary` rows newest first (which args differ from the
previous run of the same kind included); below it the highlighted record's manifest, or a metric
plotted across runs. Keys: ``b``/``c`` (view keys) mark A and B and open the side-by-side comparison,
``d`` compares with the previous run, ``o`` opens an output in the explorer, ``p`` pins, ``g`` plots a
metric, ``R`` reruns and reports whether every output came back identical, hash by hash.

The panel talks to the engine itself (``call_engine``/``run_operation`` with ``reply_to=self``), so the
view only routes ``b``/``c``, the palette and :class:`RecordsPanel.OpenOutput` to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import ContentSwitcher, DataTable, Static
from textual_plotext import PlotextPlot

from tui.analysis.record_format import number, seconds, short_id, when
from tui.messages import EngineCallDone, EngineEventMessage
from tui.page import PaletteCommand
from tui.widgets.dialogs import ConfirmScreen, PromptScreen
from tui.widgets.op_status import OpStatus

if TYPE_CHECKING:
    from collections.abc import Callable

    from engine.records.store import RunSummary

METRIC_COLUMNS = 2
"""Metric columns in the table (the most common metrics of the listed runs); the rest are in the detail."""


# --- engine calls (run in threads by App.call_engine) -------------------------------------------
def _list(engine: Any) -> tuple[str, list[Any]]:
    app = engine.active_app()
    return app.name, engine.runs(app)


def _record(engine: Any, run_id: str) -> dict[str, Any]:
    return engine.run_record(run_id)


def _compare(engine: Any, a: str, b: str) -> dict[str, Any]:
    return engine.compare_runs(a, b)


def _pin(engine: Any, run_id: str, pinned: bool) -> Any:
    return engine.pin_run(run_id, pinned)


def _output_state(path: str, sha256: str | None) -> str:
    """``same``, ``changed`` or ``missing``: is the file still the one this run wrote?"""
    from pathlib import Path

    from engine.records.fingerprint import sha256_file

    if not Path(path).is_file():
        return "missing"
    return "same" if sha256 is None or sha256_file(path) == sha256 else "changed"


# --- formatting: tui/analysis/record_format.py -------------------------------------------------------


def key_metrics(runs: list[RunSummary], count: int = METRIC_COLUMNS) -> list[str]:
    """The metrics worth a column: those most runs have, then those that vary from run to run, then
    row counts and means (the headline figures of a reduce summary); ``seconds`` has its own column."""
    values: dict[str, set[float]] = {}
    seen: dict[str, int] = {}
    for run in runs:
        for name, value in run.metrics.items():
            if name not in ("seconds", "work_seconds"):
                seen[name] = seen.get(name, 0) + 1
                values.setdefault(name, set()).add(value)

    def rank(name: str) -> tuple[int, bool, bool, str]:
        headline = name == "row_count" or name.startswith("mean_")
        return -seen[name], len(values[name]) < 2, not headline, name

    return sorted(seen, key=rank)[:count]


def display_order(runs: list[RunSummary]) -> list[RunSummary]:
    """Newest first, each nested record (a benchmark's modes) right under its parent, in start order."""
    ids = {run.run_id for run in runs}
    children: dict[str, list[RunSummary]] = {}
    for run in runs:
        if run.parent_id in ids:
            children.setdefault(run.parent_id, []).append(run)
    ordered: list[RunSummary] = []

    def add(run: RunSummary) -> None:
        ordered.append(run)
        for child in sorted(children.get(run.run_id, []), key=lambda r: (r.started_ts, r.run_id)):
            add(child)

    for run in runs:
        if run.parent_id not in ids:
            add(run)
    return ordered


def output_files(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    outputs = manifest.get("record", {}).get("outputs") or []
    return [o for o in outputs if isinstance(o, dict) and o.get("path")]


def _section(table: Table, title: str) -> None:
    table.add_row(Text(title, style="bold underline"), "")


def detail_table(manifest: dict[str, Any], summary: RunSummary | None, redact: Callable[[str], str]) -> Table:
    """The highlighted record: what ran, with which args, what it read and wrote, in which environment."""
    rec = manifest.get("record", {})
    table = Table(expand=True, box=None, show_header=False)
    table.add_column(style="bold", ratio=1, overflow="fold")
    table.add_column(ratio=3, overflow="fold")
    run_id = rec.get("run_id") or manifest.get("run_id", "")
    status = rec.get("status") or (summary.status if summary else "")
    table.add_row("run", f"{run_id}  {rec.get('kind', '')}  {status}")
    if rec.get("error"):
        table.add_row("error", Text(redact(str(rec["error"])), style="red"))
    mode = rec.get("mode")
    table.add_row("mode", f"{mode} {rec.get('token') or ''}".strip() if mode is not None else "-")
    started = str(rec.get("started_at") or "-")
    started = f"{started[:10]} {started[11:19]} UTC" if len(started) >= 19 and started[10] == "T" else started
    table.add_row("started", f"{started}, {seconds(rec.get('seconds'))} s")
    for key, label in (("parent_id", "parent"), ("rerun_of", "rerun of")):
        if rec.get(key):
            table.add_row(label, str(rec[key]))
    if rec.get("pinned"):
        table.add_row("pinned", "yes (kept by retention)")
    tracking = rec.get("tracking") or {}
    if tracking:
        text = tracking.get("status", "")
        why = tracking.get("error") or tracking.get("reason")
        if why:
            text += f": {why}"
        table.add_row("MLflow", redact(text))
    hosts = rec.get("hosts")
    if hosts:
        table.add_row("hosts", ", ".join(f"{h}: {n}" for h, n in hosts.items()) if isinstance(hosts, dict)
                      else str(hosts))
    args = rec.get("args") or {}
    if args:
        _section(table, "args")
        changed = set(summary.changed_args if summary else [])
        for key, value in sorted(args.items()):
            table.add_row(key, Text(redact(str(value)), style="bold yellow" if key in changed else ""))
    metrics = rec.get("metrics") or {}
    if metrics:
        _section(table, "metrics")
        for key, value in sorted(metrics.items()):
            table.add_row(key, number(value))
    outputs = output_files(manifest)
    if outputs:
        _section(table, f"outputs ({len(outputs)})")
        for out in outputs:
            rows = f"{number(out.get('rows'))} rows  " if out.get("rows") is not None else ""
            sha = (out.get("sha256") or "")[:12]
            table.add_row(str(out.get("name") or out["path"]), f"{rows}sha256 {sha}")
    inputs = rec.get("inputs") or []
    if inputs:
        _section(table, f"inputs ({len(inputs)})")
        for item in inputs[:8]:
            table.add_row(redact(str(item.get("name") or item.get("path"))), f"{number(item.get('size'))} bytes")
        if len(inputs) > 8:
            table.add_row("…", f"{len(inputs) - 8} more (compare lists them all)")
    env = rec.get("worker_environment") or {}
    packages = env.get("packages") if isinstance(env, dict) else None
    if packages is not None:
        table.add_row("environment", f"python {env.get('python') or '?'}, {len(packages)} packages")
    sources = rec.get("app_fingerprint") or {}
    if isinstance(sources, dict) and sources.get("digest"):
        table.add_row("sources", f"{len(sources.get('files', {}))} files, digest {sources['digest'][:12]}")
    return table


def verdict_text(result: dict[str, Any]) -> Text:
    """``identical ✓`` or the outputs that differ (and how), from a rerun's result."""
    new_id = short_id(result.get("new_run_id") or "")
    outputs = result.get("outputs") or {}
    forced = " (forced)" if result.get("forced") else ""
    if result.get("identical"):
        count = len(outputs.get("same") or [])
        return Text(f"rerun {new_id}{forced}: identical ✓ ({count} outputs, sha256 by sha256)", style="bold green")
    why = {**{o.get("name"): "missing" for o in outputs.get("removed") or []},
           **{o.get("name"): "new" for o in outputs.get("added") or []},
           **{o.get("name"): "content differs" for o in outputs.get("changed") or []}}
    names = [f"{name} ({why[name]})" if name in why else str(name) for name in result.get("differences") or []]
    shown = ", ".join(names[:4]) + (f" and {len(names) - 4} more" if len(names) > 4 else "")
    return Text(f"rerun {new_id}{forced}: differs ✗ {shown or '(no output to compare)'}", style="bold red")


class RecordsPanel(Vertical):
    """Run records table, the highlighted record (or a metric chart), and the rerun status line."""

    DEFAULT_CSS = """
    RecordsPanel {
        height: 1fr;
        & > DataTable { height: 1fr; border: round $panel; &:focus { border: round $primary; } }
        & > ContentSwitcher { height: 1fr; border: round $panel; }
        & #records-detail { height: 1fr; padding: 0 1; }
        & #records-chart { height: 1fr; }
        & > #records-verdict { height: auto; max-height: 2; padding: 0 1; }
        & > OpStatus { padding: 0 1; }
    }
    """
    BINDINGS = [
        # The page already shows 4 keys in the footer (the contract's limit): the table's title names these.
        Binding("R", "rerun", "Rerun", show=False, id="analysis.runs-rerun",
                tooltip="Rerun the highlighted run with its args, mode and work plan; compare every output hash"),
        Binding("d", "compare_previous", "Diff previous", show=False, id="analysis.runs-diff",
                tooltip="Compare the highlighted run with the previous run of the same kind"),
        Binding("o", "open_output", "Open output", show=False, id="analysis.runs-open",
                tooltip="Open one of the highlighted run's outputs in the explorer"),
        Binding("p", "pin", "Pin", show=False, id="analysis.runs-pin",
                tooltip="Pin or unpin the highlighted run (pinned runs are never pruned)"),
        Binding("g", "plot_metric", "Plot metric", show=False, id="analysis.runs-plot",
                tooltip="Plot a metric across the runs (oldest first); again: back to the details"),
        Binding("escape", "cancel", "Cancel rerun", show=False, id="analysis.runs-cancel",
                tooltip="Cancel the running rerun"),
    ]

    @dataclass
    class OpenOutput(Message):
        """Show ``path`` (an output of a run) in the explorer."""

        path: str

    def __init__(self, *, id: str | None = None):
        super().__init__(id=id)
        self.app_name = ""
        self.runs: list[RunSummary] = []
        self.marks: dict[str, str] = {}
        """``{"baseline": run_id, "candidate": run_id}``: A and B of the next comparison."""
        self.manifest: dict[str, Any] = {}
        """The highlighted run's manifest, once read."""
        self.comparison: dict[str, Any] | None = None
        """The last comparison read (what the compare screen shows)."""
        self.rerun_result: dict[str, Any] | None = None
        """The result of the last rerun that finished."""
        self.rerun_error: str | None = None
        self.operation: Any = None
        self.rerun_of = ""
        """The run id the running (or last) rerun re-executes."""
        self.rerun_forced = False

    def compose(self) -> ComposeResult:
        table = DataTable(cursor_type="row", zebra_stripes=True, id="records-table")
        table.border_title = "Runs · b/c compare A/B · d vs previous · R rerun · * pinned"
        yield table
        with ContentSwitcher(initial="records-detail", id="records-lower"):
            with VerticalScroll(id="records-detail"):
                yield Static("No run records yet: every run, benchmark, stage and pipeline leaves one",
                             id="records-body")
            yield PlotextPlot(id="records-chart")
        yield Static("", id="records-verdict")
        yield OpStatus(id="records-op")

    # --- listing --------------------------------------------------------------------------------
    def reload(self) -> None:
        self._call("list", _list, self.app.engine)

    def _call(self, tag: str, fn: Any, *args: Any, **context: Any) -> None:
        self.app.call_engine(tag, fn, *args, reply_to=self, context=context)

    @on(EngineCallDone)
    def _engine_done(self, done: EngineCallDone) -> None:
        done.stop()
        if not done.ok:
            self.show_error(f"{done.tag}: {done.error}")
            return
        getattr(self, f"_done_{done.tag}")(done.value, done.context)

    def _done_list(self, value: tuple[str, list[RunSummary]], context: dict[str, Any]) -> None:
        app_name, runs = value
        if app_name != self.app_name:
            self.marks = {}
        self.app_name = app_name
        current = self.current()
        self.runs = display_order(runs)
        self._fill(current.run_id if current else None)
        if not runs:
            self.manifest = {}
            self.query_one("#records-body", Static).update(
                f"No run records of {app_name} yet: every run, benchmark, stage and pipeline leaves one")

    def _fill(self, keep: str | None) -> None:
        table = self.query_one("#records-table", DataTable)
        metrics = key_metrics(self.runs)
        table.clear(columns=True)
        table.add_columns("", "run", "when (UTC)", "kind", "mode", "status", "s", *metrics, "changed args")
        letters = {run_id: letter for role, letter in (("baseline", "A"), ("candidate", "B"))
                   if (run_id := self.marks.get(role))}
        for run in self.runs:
            mark = letters.get(run.run_id, " ") + ("*" if run.pinned else " ")
            status = Text(run.status, style={"completed": "green", "failed": "bold red",
                                             "cancelled": "yellow"}.get(run.status, ""))
            changed = ", ".join(run.changed_args) if run.changed_args else ""
            nested = "└ " if run.parent_id and self.summary(run.parent_id) else ""
            table.add_row(mark, nested + short_id(run.run_id), when(run.started), run.kind,
                          "-" if run.mode is None else str(run.mode), status, seconds(run.seconds),
                          *(number(run.metrics.get(name)) for name in metrics), changed, key=run.run_id)
        if keep is not None:
            index = next((i for i, run in enumerate(self.runs) if run.run_id == keep), None)
            if index is not None:
                table.move_cursor(row=index)
        # Column widths follow the new rows on the table's next idle, which a refill from an engine reply
        # may not get until the next key press (columns stayed as narrow as their labels).
        table.check_idle()

    def current(self) -> RunSummary | None:
        table = self.query_one("#records-table", DataTable)
        if not self.runs or table.cursor_row is None or not 0 <= table.cursor_row < len(self.runs):
            return None
        return self.runs[table.cursor_row]

    def summary(self, run_id: str) -> RunSummary | None:
        return next((run for run in self.runs if run.run_id == run_id), None)

    # --- the highlighted record ---------------------------------------------------------------------
    @on(DataTable.RowHighlighted, "#records-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        if event.row_key.value:
            self._call("record", _record, self.app.engine, event.row_key.value, run_id=event.row_key.value)

    def _done_record(self, manifest: dict[str, Any], context: dict[str, Any]) -> None:
        current = self.current()
        if current is None or current.run_id != context.get("run_id"):
            return  # the cursor moved on while the manifest was read
        self.manifest = manifest
        self.query_one("#records-lower", ContentSwitcher).current = "records-detail"
        self.query_one("#records-lower").border_title = f"run {current.run_id}"
        self.query_one("#records-body", Static).update(detail_table(manifest, current, self.app.redact))

    def show_error(self, text: str) -> None:
        self.query_one("#records-verdict", Static).update(Text(self.app.redact(text), style="bold red"))

    def _say(self, text: str | Text) -> None:
        self.query_one("#records-verdict", Static).update(text)

    def _need_run(self) -> RunSummary | None:
        run = self.current()
        if run is None:
            self._say("No run highlighted: run the app first (ORCHESTRATE), then come back")
        return run

    # --- compare --------------------------------------------------------------------------------------
    def mark(self, role: str) -> None:
        """Mark the highlighted run as A (``baseline``) or B (``candidate``); with both, compare them."""
        run = self._need_run()
        if run is None:
            return
        self.marks[role] = run.run_id
        self._fill(run.run_id)
        a, b = self.marks.get("baseline"), self.marks.get("candidate")
        if a and b:
            self.compare(a, b)
        else:
            other = "c (B)" if role == "baseline" else "b (A)"
            self._say(f"{short_id(run.run_id)} marked {'A' if role == 'baseline' else 'B'}; "
                      f"now highlight another run and press {other}")

    def compare(self, a: str, b: str) -> None:
        self._say(f"Comparing {short_id(a)} with {short_id(b)}…")
        self._call("compare", _compare, self.app.engine, a, b, a=a, b=b)

    def _done_compare(self, comparison: dict[str, Any], context: dict[str, Any]) -> None:
        from tui.analysis.compare import CompareScreen

        self.comparison = comparison
        self._say("")
        self.app.push_screen(CompareScreen(comparison, self.summary(context["a"]), self.summary(context["b"])))

    def action_compare_previous(self) -> None:
        run = self._need_run()
        if run is None:
            return
        earlier = [r for r in self.runs if r.kind == run.kind and (r.started_ts, r.run_id) < (run.started_ts, run.run_id)]
        previous = max(earlier, key=lambda r: (r.started_ts, r.run_id), default=None)
        if previous is None:
            self._say(f"{short_id(run.run_id)} is the first {run.kind} recorded: nothing before it to compare")
            return
        self.compare(previous.run_id, run.run_id)

    # --- pin, open, plot ------------------------------------------------------------------------------
    def action_pin(self) -> None:
        run = self._need_run()
        if run is not None:
            self._call("pin", _pin, self.app.engine, run.run_id, not run.pinned, run_id=run.run_id,
                       pinned=not run.pinned)

    def _done_pin(self, value: Any, context: dict[str, Any]) -> None:
        self._say(f"{short_id(context['run_id'])} {'pinned: retention keeps it' if context['pinned'] else 'unpinned'}")
        self.reload()

    def action_open_output(self) -> None:
        run = self._need_run()
        if run is None:
            return
        if not self.manifest or (self.manifest.get("record", {}).get("run_id") or "") != run.run_id:
            self._say("Reading the run's record…")
            return
        tables = [o for o in output_files(self.manifest) if str(o["path"]).endswith((".csv", ".parquet"))]
        if not tables:
            self._say(f"{short_id(run.run_id)} recorded no csv/parquet output")
            return
        if len(tables) == 1:
            self._open(tables[0])
            return
        names = [str(o.get("name") or o["path"]) for o in tables]
        self.app.push_screen(PromptScreen("Open which output?", f"{len(tables)} outputs of {short_id(run.run_id)}",
                                          choices=names),
                             lambda name: name and self._open(next((o for o, n in zip(tables, names, strict=True)
                                                                    if n == name), None)))

    def _open(self, output: dict[str, Any] | None) -> None:
        if output is not None:
            self._call("output_state", _output_state, str(output["path"]), output.get("sha256"), output=output)

    def _done_output_state(self, state: str, context: dict[str, Any]) -> None:
        output = context["output"]
        name = output.get("name") or output["path"]
        if state == "missing":
            self.show_error(f"{name}: no longer on disk (a later run or a clean removed it)")
            return
        note = {"same": "the file is still this run's output (sha256 matches)",
                "changed": "the file changed since this run (sha256 differs): showing the current content"}[state]
        self._say(Text(f"{name}: {note}", style="" if state == "same" else "yellow"))
        self.post_message(self.OpenOutput(str(output["path"])))

    def action_plot_metric(self) -> None:
        lower = self.query_one("#records-lower", ContentSwitcher)
        if lower.current == "records-chart":
            lower.current = "records-detail"
            return
        names = sorted({name for run in self.runs for name in run.metrics} | ({"seconds"} if self.runs else set()))
        if not names:
            self._say("No metrics recorded yet")
            return
        self.app.push_screen(PromptScreen("Plot a metric across runs", "Metric name (or pick one)", choices=names),
                             lambda name: name and self.plot_metric(name))

    def plot_metric(self, name: str) -> None:
        """Draw ``name`` over the listed runs, oldest first (bars up to 15 runs, a line beyond)."""
        from engine.analysis import PlotSeries
        from tui.analysis.plots import draw

        oldest_first = sorted(self.runs, key=lambda r: (r.started_ts, r.run_id))
        points = [(run, run.seconds if name == "seconds" else run.metrics.get(name)) for run in oldest_first]
        points = [(run, float(value)) for run, value in points if isinstance(value, (int, float))]
        if not points:
            self._say(f"No run recorded the metric {name}")
            return
        if len(points) <= 15:
            series = PlotSeries("bar", [short_id(run.run_id) for run, _ in points], [v for _, v in points],
                                "run (oldest first)", name, f"{name} across {len(points)} runs")
        else:
            series = PlotSeries("line", list(range(1, len(points) + 1)), [v for _, v in points],
                                "run number (oldest = 1)", name, f"{name} across {len(points)} runs")
        lower = self.query_one("#records-lower", ContentSwitcher)
        lower.current = "records-chart"
        lower.border_title = series.title
        draw(self.query_one("#records-chart", PlotextPlot), series)
        self._say(f"{name}: min {number(min(v for _, v in points))}, max {number(max(v for _, v in points))} "
                  "(g: back to the details)")

    # --- rerun ---------------------------------------------------------------------------------------
    def action_rerun(self, force: bool = False) -> None:
        run = self._need_run()
        if run is None:
            return
        if self.operation is not None:
            self._say("A rerun is already running (escape cancels it)")
            return
        try:
            operation = self.app.engine.rerun(run.run_id, force=force)
        except Exception as exc:  # e.g. a benchmark record, which cannot be rerun: say why
            self.show_error(f"rerun: {exc}")
            return
        self.operation, self.rerun_of, self.rerun_forced = operation, run.run_id, force
        self.rerun_result, self.rerun_error = None, None
        self._say(f"Rerunning {short_id(run.run_id)}{' (forced)' if force else ''}…")
        self.app.run_operation(operation, self)

    def action_force_rerun(self) -> None:
        self.action_rerun(force=True)

    def action_cancel(self) -> None:
        if self.operation is not None:
            self.app.cancel_operation(self.operation)
            self._say("Cancelling the rerun…")

    @on(EngineEventMessage)
    def _event(self, message: EngineEventMessage) -> None:
        from engine.events import LogLines, OperationFailed, OperationFinished, OperationStarted, Progress

        message.stop()
        event, status = message.event, self.query_one("#records-op", OpStatus)
        if isinstance(event, OperationStarted):
            status.start("rerun")
        elif isinstance(event, Progress):
            status.progress("rerun", event.done, event.total, event.step)
        elif isinstance(event, LogLines) and event.lines and status.state == "running":
            status.progress("rerun", 0, 0, self.app.redact(event.lines[-1])[:60])
        elif isinstance(event, OperationFinished):
            self.operation = None
            self.rerun_result = event.result
            identical = bool(event.result.get("identical"))
            status.finish("rerun · identical ✓" if identical else "rerun · outputs differ", ok=identical,
                          seconds=event.seconds)
            self._say(verdict_text(event.result))
            self.reload()
        elif isinstance(event, OperationFailed):
            self.operation = None
            self.rerun_error = event.error
            status.finish("rerun · cancelled" if event.cancelled else "rerun · failed", ok=False,
                          seconds=event.seconds)
            if not event.cancelled and not self.rerun_forced and event.result.get("changes"):
                self._refused(self.rerun_of, event.result["changes"])
            else:
                self.show_error(f"rerun {'cancelled' if event.cancelled else 'failed'}: {event.error}")
            self.reload()

    def _refused(self, run_id: str, changes: list[str] | str) -> None:
        """Say why a rerun was refused and offer to force it (the default answer is no)."""
        changes = [changes] if isinstance(changes, str) else changes
        self.show_error(f"rerun of {short_id(run_id)} refused: {'; '.join(changes)}")
        listed = "\n".join(f" • {self.app.redact(change)}" for change in changes)
        question = (f"Run {run_id} cannot be reproduced as recorded:\n{listed}\n\n"
                    "Rerun anyway? The record will say it was forced.")

        def answered(force: bool | None) -> None:
            if force:
                self.operation = None
                self._rerun_forced(run_id)

        self.app.push_screen(ConfirmScreen("Rerun refused", question, yes_label="Force rerun"), answered)

    def _rerun_forced(self, run_id: str) -> None:
        operation = self.app.engine.rerun(run_id, force=True)
        self.operation, self.rerun_of, self.rerun_forced = operation, run_id, True
        self._say(f"Rerunning {short_id(run_id)} (forced)…")
        self.app.run_operation(operation, self)

    # --- palette ---------------------------------------------------------------------------------------
    def palette_commands(self, show: Callable[[], Any]) -> list[PaletteCommand]:
        """The Runs section's commands; ``show()`` brings the section up first."""

        def shown() -> None:
            show()
            self.query_one("#records-table", DataTable).focus()

        def then(action: Callable[[], Any]) -> Callable[[], Any]:
            return lambda: (shown(), action())

        return [
            PaletteCommand("runs: show", "Every run record of the active app", shown),
            PaletteCommand("runs: rerun", "Rerun the highlighted run and check every output hash",
                           then(self.action_rerun)),
            PaletteCommand("runs: force rerun", "Rerun even though the app sources or environment changed",
                           then(self.action_force_rerun)),
            PaletteCommand("runs: cancel rerun", "Cancel the running rerun", then(self.action_cancel)),
            PaletteCommand("runs: mark A", "Mark the highlighted run as A of a comparison",
                           then(lambda: self.mark("baseline"))),
            PaletteCommand("runs: mark B and compare", "Mark the highlighted run as B and compare it with A",
                           then(lambda: self.mark("candidate"))),
            PaletteCommand("runs: compare with previous", "Args, environment, metrics, inputs and outputs diff",
                           then(self.action_compare_previous)),
            PaletteCommand("runs: pin or unpin", "Pinned runs are never pruned by retention", then(self.action_pin)),
            PaletteCommand("runs: open output", "Open one of the highlighted run's outputs in the explorer",
                           then(self.action_open_output)),
            PaletteCommand("runs: plot metric", "Plot a metric across runs", then(self.action_plot_metric)),
            PaletteCommand("runs: refresh", "Re-read the run records", then(self.reload)),
        ]
