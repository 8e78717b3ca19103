"""A DataTable whose rows are drawn again when an updated cell widens (or narrows) its column.

Textual 8.2.8 re-measures a column after ``update_cell(..., update_width=True)`` on its next Idle, but
keeps the rows it had already rendered at the old width: a value that grew stayed clipped (a DAG step's
"preview only (no app ran)" read "preview only (no a") until something else redrew the table.
"""

from __future__ import annotations

from typing import Any

from textual.widgets import DataTable


class FittedDataTable(DataTable[Any]):
    def _update_column_widths(self, updated_cells: Any) -> None:
        before = [column.content_width for column in self.columns.values()]
        super()._update_column_widths(updated_cells)
        if [column.content_width for column in self.columns.values()] != before:
            self._clear_caches()
            self.refresh()
