"""LOAD DATA / export: a virtualised preview of the latest output and the column picker for export.csv."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Button, SelectionList, Static

from tui.orchestrate.sections import Section
from tui.widgets.virtual_table import VirtualTable

if TYPE_CHECKING:
    from engine.table_source import TableSource


class DataSection(Section):
    """Preview table on the left, columns to export on the right (``a`` selects all, ``n`` none)."""

    TITLE = "Data"
    BINDINGS = [
        Binding("a", "select_all", "All columns", show=False, id="data.select-all",
                tooltip="Select every column for export"),
        Binding("n", "select_none", "No column", show=False, id="data.select-none",
                tooltip="Clear the column selection"),
    ]

    def compose(self) -> ComposeResult:
        with Horizontal(classes="buttons"):
            yield Button("LOAD DATA", id="btn-load-data", variant="primary", compact=True)
            yield Button("EXPORT CSV", id="btn-export-csv", disabled=True, compact=True)
            yield Static("", classes="status-text", id="data-status")
        with Horizontal(id="data-body"):
            yield VirtualTable(id="data-table")
            yield SelectionList[str](id="data-columns")

    def show_source(self, source: TableSource | None, title: str) -> None:
        """Preview ``source`` and offer all its columns (all selected)."""
        table = self.query_one(VirtualTable)
        table.set_source(source)
        table.border_title = title
        columns = self.query_one("#data-columns", SelectionList)
        columns.clear_options()
        if source is not None:
            columns.add_options([(name, name, True) for name in source.columns])
        columns.border_title = "export columns"
        columns.border_subtitle = "a all · n none"
        self.query_one("#btn-export-csv", Button).disabled = source is None

    def chosen_columns(self) -> list[str]:
        """Selected columns in table order."""
        columns = self.query_one("#data-columns", SelectionList)
        selected = set(columns.selected)
        return [name for name in self.query_one(VirtualTable).columns if name in selected]

    def action_select_all(self) -> None:
        self.query_one("#data-columns", SelectionList).select_all()

    def action_select_none(self) -> None:
        self.query_one("#data-columns", SelectionList).deselect_all()

    @on(SelectionList.SelectedChanged, "#data-columns")
    def _columns_changed(self) -> None:
        table = self.query_one(VirtualTable)
        self.query_one("#btn-export-csv", Button).disabled = table.source is None or not self.chosen_columns()
