"""MLflow runs: a table of runs (nested runs indented under their parent), the highlighted run's details,
and the loopback MLflow UI's URL. The view reads the store through the engine and feeds this widget.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import DataTable, Static

from tui.analysis.evidence import deltas_table

if TYPE_CHECKING:
    from engine.analysis import Delta
    from engine.mlflow_runs import RunDetail, RunRow


class RunsPanel(Vertical):
    """Runs table, details of the highlighted run, and the MLflow UI line."""

    DEFAULT_CSS = """
    RunsPanel {
        height: 1fr;
        & > DataTable { height: 1fr; border: round $panel; &:focus { border: round $primary; } }
        & > VerticalScroll { height: 1fr; border: round $panel; padding: 0 1; }
        & > #runs-ui { height: 1; padding: 0 1; color: $text-muted; }
    }
    """

    @dataclass
    class Highlighted(Message):
        """A run was highlighted in the table."""

        run_id: str

    def __init__(self, *, id: str | None = None):
        super().__init__(id=id)
        self.rows: list[RunRow] = []
        self.baseline: str | None = None
        self.candidate: str | None = None

    def compose(self) -> ComposeResult:
        table = DataTable(cursor_type="row", zebra_stripes=True, id="runs-table")
        table.border_title = "MLflow runs (b: baseline, c: candidate)"
        yield table
        with VerticalScroll(id="runs-detail"):
            yield Static("No runs in the workspace MLflow store yet", id="runs-body")
        yield Static("MLflow UI: stopped (u starts it on 127.0.0.1)", id="runs-ui")

    def set_runs(self, rows: list[RunRow], *, show_time: bool) -> None:
        self.rows = rows
        table = self.query_one("#runs-table", DataTable)
        table.clear(columns=True)
        table.add_columns("", "run", "experiment", "status", *(["started"] if show_time else []), "metrics")
        for row in rows:
            mark = "B" if row.run_id == self.baseline else "C" if row.run_id == self.candidate else ""
            metrics = ", ".join(f"{k}={v:.4g}" for k, v in sorted(row.metrics.items())[:3])
            name = ("  " * row.depth + ("└ " if row.depth else "")) + row.name
            table.add_row(mark, name, row.experiment, row.status, *([row.started] if show_time else []), metrics,
                          key=row.run_id)
        if not rows:
            self.query_one("#runs-body", Static).update("No runs in the workspace MLflow store yet")

    @on(DataTable.RowHighlighted, "#runs-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        if event.row_key.value:
            self.post_message(self.Highlighted(event.row_key.value))

    def current(self) -> str | None:
        table = self.query_one("#runs-table", DataTable)
        if not self.rows or table.cursor_row is None or table.cursor_row >= len(self.rows):
            return None
        return self.rows[table.cursor_row].run_id

    def mark(self, role: str, *, show_time: bool) -> bool:
        """Mark the highlighted run as ``baseline`` or ``candidate``; True when both are set."""
        run_id = self.current()
        if run_id is None:
            return False
        setattr(self, role, run_id)
        cursor = self.query_one("#runs-table", DataTable).cursor_row
        self.set_runs(self.rows, show_time=show_time)
        self.query_one("#runs-table", DataTable).move_cursor(row=cursor)
        return self.baseline is not None and self.candidate is not None

    def show_detail(self, detail: RunDetail) -> None:
        table = Table(expand=True, box=None, show_header=False)
        table.add_column(style="bold", ratio=1, overflow="fold")
        table.add_column(ratio=3, overflow="fold")
        row = detail.row
        # Run ids are random: test mode leaves them out so screenshots stay stable.
        ids = not self.app.test_mode
        table.add_row("run", f"{row.name}{f' ({row.run_id[:8]})' if ids else ''} {row.status}")
        if row.parent_id:
            parent = next((r.name for r in self.rows if r.run_id == row.parent_id), row.parent_id[:8])
            table.add_row("parent", f"{parent}{f' ({row.parent_id[:8]})' if ids else ''}")
        for key, value in sorted(row.params.items()):
            table.add_row(f"param {key}", value)
        for key, number in sorted(row.metrics.items()):
            table.add_row(f"metric {key}", f"{number:.6g}")
        for key, value in sorted(detail.tags.items()):
            table.add_row(f"tag {key}", value)
        for path in detail.artifacts:
            table.add_row("artifact", path)
        self.query_one("#runs-detail").border_title = "run details"
        self.query_one("#runs-body", Static).update(table)

    def show_deltas(self, deltas: list[Delta]) -> None:
        self.query_one("#runs-detail").border_title = "baseline vs candidate run"
        self.query_one("#runs-body", Static).update(deltas_table(deltas, "baseline", "candidate"))

    def show_ui(self, text: str) -> None:
        self.query_one("#runs-ui", Static).update(text)

    def show_error(self, text: str) -> None:
        self.query_one("#runs-body", Static).update(Text(self.app.redact(text), style="bold red"))
