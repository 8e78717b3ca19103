"""A virtualised table over :class:`engine.table_source.TableSource`: only the visible rows are read.

Rows are fetched a page at a time (LRU cached) as they scroll into view, so a million-row output opens
as fast as a ten-row one. The header line stays on top; the cursor row is highlighted.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import TYPE_CHECKING, Any

from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding
from textual.geometry import Size
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

if TYPE_CHECKING:
    from engine.table_source import TableSource

PAGE_ROWS = 200
CACHED_PAGES = 8
MAX_COLUMN_WIDTH = 24


def _cell(value: Any) -> str:
    if value is None:
        return "∅"
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value).replace("\n", "⏎")


class VirtualTable(ScrollView, can_focus=True):
    """Scrollable rows of a table source with a sticky header and a row cursor."""

    DEFAULT_CSS = """
    VirtualTable {
        height: 1fr;
        min-height: 4;
        background: $surface;
        border: round $panel;
        &:focus { border: round $primary; }
    }
    """
    COMPONENT_CLASSES = {"virtual-table--header", "virtual-table--cursor"}

    BINDINGS = [
        Binding("up,k", "cursor(-1)", "Up", show=False, id="table.up", tooltip="Previous row"),
        Binding("down,j", "cursor(1)", "Down", show=False, id="table.down", tooltip="Next row"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="table.page-up", tooltip="Previous page"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="table.page-down", tooltip="Next page"),
        Binding("home,g", "jump(0)", "First row", show=False, id="table.first", tooltip="First row"),
        Binding("end,G", "jump(-1)", "Last row", show=False, id="table.last", tooltip="Last row"),
    ]

    cursor_row: reactive[int] = reactive(0)
    """Index of the highlighted data row."""

    def __init__(self, *, id: str | None = None):
        super().__init__(id=id)
        self.source: TableSource | None = None
        self.columns: list[str] = []
        self.row_count = 0
        self._widths: list[int] = []
        self._pages: OrderedDict[int, list[tuple[Any, ...]]] = OrderedDict()

    def set_source(self, source: TableSource | None, columns: list[str] | None = None) -> None:
        """Show ``columns`` (default all) of ``source``; None empties the table."""
        self.source = source
        self.columns = list(columns if columns is not None else (source.columns if source else []))
        self._pages.clear()
        self.cursor_row = 0
        self.row_count = 0
        if source is not None:
            first = self._page(0)
            self._widths = [
                min(MAX_COLUMN_WIDTH, max([len(name)] + [len(_cell(row[i])) for row in first[:50]]))
                for i, name in enumerate(self.columns)
            ]
            if source.row_count_known:
                self.row_count = source.row_count
            else:
                # Counting a large CSV scans the file: show the first page now, the true size when known.
                self.row_count = len(first)
                self.run_worker(self._count_rows, thread=True, exclusive=True, group="count")
        self._resize()
        self.scroll_to(0, 0, animate=False)

    def _count_rows(self) -> None:
        source = self.source
        if source is not None:
            count = source.row_count
            self.app.call_from_thread(self._set_count, source, count)

    def _set_count(self, source: TableSource, count: int) -> None:
        if source is self.source:
            self.row_count = count
            self._resize()

    def _resize(self) -> None:
        width = sum(w + 3 for w in self._widths) + 1
        self.virtual_size = Size(width, self.row_count + 1)
        self.refresh()

    def _page(self, page: int) -> list[tuple[Any, ...]]:
        if page in self._pages:
            self._pages.move_to_end(page)
            return self._pages[page]
        assert self.source is not None
        rows = self.source.read_rows(page * PAGE_ROWS, (page + 1) * PAGE_ROWS, self.columns)
        self._pages[page] = rows
        while len(self._pages) > CACHED_PAGES:
            self._pages.popitem(last=False)
        return rows

    def row(self, index: int) -> tuple[Any, ...] | None:
        """Row ``index`` of the shown columns (read through the page cache)."""
        if self.source is None or not 0 <= index < self.row_count:
            return None
        rows = self._page(index // PAGE_ROWS)
        offset = index % PAGE_ROWS
        return rows[offset] if offset < len(rows) else None

    def _line_text(self, values: list[str]) -> str:
        return " " + " │ ".join(v[:w].ljust(w) for v, w in zip(values, self._widths, strict=False)) + " "

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.scrollable_content_region.width
        if y == 0:
            text, style = self._line_text(self.columns), self.get_component_rich_style("virtual-table--header")
        else:
            index = scroll_y + y - 1
            values = self.row(index)
            if values is None:
                return Strip.blank(width, self.rich_style)
            text = self._line_text([_cell(v) for v in values])
            cursor = index == self.cursor_row and self.has_focus
            style = self.get_component_rich_style("virtual-table--cursor") if cursor else self.rich_style
        return Strip([Segment(text, style)]).crop_extend(scroll_x, scroll_x + width, self.rich_style or Style())

    def watch_cursor_row(self, old: int, new: int) -> None:
        visible = max(1, self.scrollable_content_region.height - 1)
        if new < self.scroll_y:
            self.scroll_to(y=new, animate=False)
        elif new >= self.scroll_y + visible:
            self.scroll_to(y=new - visible + 1, animate=False)
        self.refresh()

    def _move(self, row: int) -> None:
        if self.row_count:
            self.cursor_row = max(0, min(row, self.row_count - 1))

    def action_cursor(self, delta: int) -> None:
        self._move(self.cursor_row + delta)

    def action_page(self, direction: int) -> None:
        self._move(self.cursor_row + direction * max(1, self.scrollable_content_region.height - 1))

    def action_jump(self, row: int) -> None:
        self._move(row if row >= 0 else self.row_count - 1)
