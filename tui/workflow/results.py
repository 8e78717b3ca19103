"""Below the stage editor: the running stage's output, or a preview of the latest ``lab_out.csv``.

One area switches between the two (ctrl+l) so the editor keeps its height on an 80x24 terminal: a run
shows its log, and a successful run switches to the refreshed preview.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import ContentSwitcher, DataTable, Static

from tui.widgets.log_pane import LogPane
from tui.workflow.lab import DataPreview

NOTHING_YET = "Nothing has run yet — run a stage first (ctrl+r) to produce lab_out.csv."


class DataPreviewTable(Vertical):
    """The first rows and columns of the latest dataframe, or a reminder when there is none."""

    DEFAULT_CSS = """
    DataPreviewTable {
        height: 1fr;
        border: round $panel;
        border-title-color: $text-muted;
        &:focus-within { border: round $primary; }
        #preview-empty { color: $text-muted; padding: 0 1; }
        DataTable { height: 1fr; }
    }
    """

    def compose(self) -> ComposeResult:
        yield Static(NOTHING_YET, id="preview-empty")
        yield DataTable(id="preview-table", zebra_stripes=True, cursor_type="row")

    def on_mount(self) -> None:
        self.border_title = "Preview"
        self.query_one(DataTable).display = False

    @property
    def table(self) -> DataTable[str]:
        return self.query_one("#preview-table", DataTable)

    def show(self, preview: DataPreview | None) -> None:
        """Replace the table with ``preview``; None shows the "run a stage first" reminder."""
        table = self.table
        table.clear(columns=True)
        empty = self.query_one("#preview-empty", Static)
        if preview is None:
            self.border_title = "Preview"
            empty.display, table.display = True, False
            return
        table.add_columns(*preview.columns)
        table.add_rows(preview.rows)
        shown = f"first {len(preview.rows)} rows" if preview.more else f"{len(preview.rows)} rows"
        self.border_title = f"Preview · {preview.path.name} · {len(preview.columns)} columns · {shown}"
        empty.display, table.display = False, True


class ResultsPane(ContentSwitcher):
    """Stage output log and dataframe preview in one place; ``current`` is ``stage-log`` or ``preview``."""

    DEFAULT_CSS = """
    ResultsPane {
        height: 10;
        &.-compact { height: 6; }
        LogPane.-failed { border-title-color: $error; }
        LogPane.-done { border-title-color: $success; }
    }
    """

    def __init__(self, *, id: str | None = None):
        super().__init__(initial="preview", id=id)

    def compose(self) -> ComposeResult:
        yield LogPane(title="Stage output", id="stage-log")
        yield DataPreviewTable(id="preview")

    @property
    def log(self) -> LogPane:
        return self.query_one("#stage-log", LogPane)

    @property
    def preview(self) -> DataPreviewTable:
        return self.query_one("#preview", DataPreviewTable)

    def set_status(self, status: str, *, ok: bool | None = None) -> None:
        """Show the run's state after the log title (``Stage 2 output · failed: ...``)."""
        log = self.log
        title = str(log.border_title or "Stage output").split(" · ", 1)[0]
        log.border_title = f"{title} · {status}"
        log.set_class(ok is False, "-failed")
        log.set_class(ok is True, "-done")

    def toggle(self) -> None:
        self.current = "preview" if self.current == "stage-log" else "stage-log"
