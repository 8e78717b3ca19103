"""Evidence files (reduce artefacts, run manifests, benchmark, exported JSON): readable summaries and deltas.

Highlighting a file posts :class:`EvidencePanel.Chosen`; the view reads it through the engine and calls
:meth:`show_summary`. ``b``/``c`` (view keys) mark the baseline and candidate; :meth:`show_deltas` shows
their per-key comparison.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

if TYPE_CHECKING:
    from engine.analysis import Delta, TableEntry


def deltas_table(deltas: list[Delta], left: str, right: str) -> Table:
    """Baseline/candidate/change columns; changed rows are bold, unchanged ones dim."""
    table = Table(expand=True, box=None, header_style="bold")
    table.add_column("key", ratio=3, overflow="fold")
    table.add_column(left, ratio=2, overflow="fold")
    table.add_column(right, ratio=2, overflow="fold")
    table.add_column("change", ratio=2, overflow="fold")
    for delta in sorted(deltas, key=lambda d: d.change == "same"):
        style = "dim" if delta.change == "same" else "bold"
        table.add_row(delta.key, _cell(delta.baseline), _cell(delta.candidate), Text(delta.change, style=style))
    return table


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.6g}"
    text = str(value)
    return text if len(text) <= 30 else text[:29] + "…"


class EvidencePanel(Horizontal):
    """File list on the left, summary or comparison on the right."""

    DEFAULT_CSS = """
    EvidencePanel {
        height: 1fr;
        & > OptionList { width: 2fr; height: 1fr; border: round $panel; &:focus { border: round $primary; } }
        & > VerticalScroll { width: 3fr; height: 1fr; border: round $panel; padding: 0 1; }
    }
    """

    @dataclass
    class Chosen(Message):
        """An evidence file was highlighted."""

        path: str

    def __init__(self, *, id: str | None = None):
        super().__init__(id=id)
        self.entries: list[TableEntry] = []
        self.baseline: str | None = None
        self.candidate: str | None = None
        self.deltas: list[Delta] = []
        """The last comparison shown."""
        self.summary: list[tuple[str, str]] = []
        """The last summary shown, as ``(key, value)`` rows."""

    def compose(self) -> ComposeResult:
        files = OptionList(id="evidence-files")
        files.border_title = "Evidence (b: baseline, c: candidate)"
        yield files
        with VerticalScroll(id="evidence-scroll"):
            yield Static("No evidence yet: reduce artefacts, manifests and benchmarks appear after a run",
                         id="evidence-body")

    def set_entries(self, entries: list[TableEntry]) -> None:
        self.entries = entries
        files = self.query_one("#evidence-files", OptionList)
        files.clear_options()
        for entry in entries:
            files.add_option(Option(self._label(entry), id=str(entry.path)))
        if entries:
            files.highlighted = 0

    def _label(self, entry: TableEntry) -> Text:
        mark = "B " if str(entry.path) == self.baseline else "C " if str(entry.path) == self.candidate else "  "
        return Text(mark + entry.label)

    @on(OptionList.OptionHighlighted, "#evidence-files")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        if event.option.id:
            self.post_message(self.Chosen(event.option.id))

    def current(self) -> str | None:
        files = self.query_one("#evidence-files", OptionList)
        if files.highlighted is None or not self.entries:
            return None
        return str(files.get_option_at_index(files.highlighted).id)

    def mark(self, role: str) -> bool:
        """Mark the highlighted file as ``baseline`` or ``candidate``; True when both are now set."""
        path = self.current()
        if path is None:
            return False
        setattr(self, role, path)
        files = self.query_one("#evidence-files", OptionList)
        for index, entry in enumerate(self.entries):
            files.replace_option_prompt_at_index(index, self._label(entry))
        return self.baseline is not None and self.candidate is not None

    def label_of(self, path: str | None) -> str:
        return next((e.label for e in self.entries if str(e.path) == path), "-")

    def show_summary(self, title: str, rows: list[tuple[str, str]]) -> None:
        self.summary = rows
        table = Table(expand=True, box=None, show_header=False)
        table.add_column(style="bold", ratio=2, overflow="fold")
        table.add_column(ratio=3, overflow="fold")
        for key, value in rows:
            table.add_row(key, self.app.redact(value))
        self.query_one("#evidence-scroll").border_title = title
        self.query_one("#evidence-body", Static).update(table)

    def show_deltas(self, deltas: list[Delta]) -> None:
        self.deltas = deltas
        self.query_one("#evidence-scroll").border_title = "baseline vs candidate"
        self.query_one("#evidence-body", Static).update(deltas_table(deltas, "baseline", "candidate"))

    def show_error(self, text: str) -> None:
        self.query_one("#evidence-body", Static).update(Text(self.app.redact(text), style="bold red"))
