"""The ANALYSIS dataframe explorer: table chooser, filter line, a virtual table and a status line.

Rows come from a :class:`engine.table_source.TableSource` through ``VirtualTable``, which reads only the
window on screen, so a million-row file shows its first rows at once. The widget does no I/O: it posts
:class:`Explorer.TableChosen` / :class:`Explorer.FilterSubmitted` and the view answers with
:meth:`Explorer.show_source`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, Select, Static

from tui.widgets.virtual_table import VirtualTable

if TYPE_CHECKING:
    from textual.timer import Timer

    from engine.analysis import TableEntry
    from engine.table_source import TableSource


class Explorer(Vertical):
    """Table chooser, pandas-query filter, virtual rows and a status line."""

    DEFAULT_CSS = """
    Explorer {
        height: 1fr;
        & > Select { width: 1fr; }
        & > Input { width: 1fr; }
        & > #explorer-status { height: auto; max-height: 2; padding: 0 1; color: $text-muted; }
        & > #explorer-status.-error { color: $error; text-style: bold; }
    }
    """

    @dataclass
    class TableChosen(Message):
        """The user picked a table to explore."""

        path: str

    @dataclass
    class FilterSubmitted(Message):
        """The user pressed enter in the filter line (empty text clears the filter)."""

        expression: str

    def __init__(self, *, id: str | None = None):
        super().__init__(id=id)
        self.entries: list[TableEntry] = []
        self._count_timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Select([], prompt="Table (data_out and exports)", compact=True, id="explorer-table")
        yield Input(placeholder="filter, pandas query syntax: speed > 10 and aircraft == 'A1'   (enter)",
                    compact=True, id="explorer-filter")
        yield VirtualTable(id="explorer-rows")
        yield Static("", id="explorer-status")

    def set_entries(self, entries: list[TableEntry], *, choose: str | None = None) -> None:
        """List the tables; the first one is selected (which opens it) when nothing was.

        ``choose`` selects that table and opens it again even when it was already selected (its file may
        have been rewritten by a run).
        """
        self.entries = entries
        select = self.query_one("#explorer-table", Select)
        previous = select.value
        with self.prevent(Select.Changed):
            select.set_options([(entry.label, str(entry.path)) for entry in entries])
        paths = [str(entry.path) for entry in entries]
        if choose in paths:
            with self.prevent(Select.Changed):
                select.value = choose
            self.query_one("#explorer-filter", Input).value = ""
            self.post_message(self.TableChosen(choose))
        elif previous in paths:
            with self.prevent(Select.Changed):
                select.value = previous
        elif paths:
            select.value = paths[0]
        else:
            self.set_status("No csv/parquet output yet: run the app (ORCHESTRATE) or export data")

    @on(Select.Changed, "#explorer-table")
    def _table_changed(self, event: Select.Changed) -> None:
        event.stop()
        if isinstance(event.value, str):
            self.query_one("#explorer-filter", Input).value = ""
            self.post_message(self.TableChosen(event.value))

    @on(Input.Submitted, "#explorer-filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.post_message(self.FilterSubmitted(event.value))

    @property
    def table(self) -> VirtualTable:
        return self.query_one("#explorer-rows", VirtualTable)

    @property
    def filter_text(self) -> str:
        return self.query_one("#explorer-filter", Input).value

    def show_source(self, source: TableSource | None, describe: Callable[[], str] | None = None) -> None:
        """Show ``source``; ``describe()`` renders the status line, again once a background row count ends."""
        self.table.set_source(source)
        self.set_status(describe() if describe else "")
        if self._count_timer is not None:
            self._count_timer.stop()
            self._count_timer = None
        if source is not None and describe is not None and not source.row_count_known:
            def recount() -> None:
                if source is not self.table.source or source.row_count_known:
                    if self._count_timer is not None:
                        self._count_timer.stop()
                        self._count_timer = None
                    if source is self.table.source:
                        self.set_status(describe())

            self._count_timer = self.set_interval(0.25, recount)

    def set_status(self, text: str, *, error: bool = False) -> None:
        status = self.query_one("#explorer-status", Static)
        status.update(self.app.redact(text))
        status.set_class(error, "-error")

    def focus_filter(self) -> None:
        self.query_one("#explorer-filter", Input).focus()
