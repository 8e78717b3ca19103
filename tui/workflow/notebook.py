"""The Notebook sub-tab: export the lab as ``lab_stages.ipynb``; import a notebook as stages.

Import never executes a cell: it previews the stages the notebook would add, and only a confirmed merge
appends them to ``lab_stages.toml``.
"""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Button, DataTable, Input, Label, Static

from tui.messages import EngineCallDone
from tui.workflow.dialogs import ConfirmDialog
from tui.workflow.panel import LabPanel


def _first_line(text: Any, width: int = 60) -> str:
    line = next((part.strip() for part in str(text or "").splitlines() if part.strip()), "")
    return line if len(line) <= width else line[: width - 1] + "…"


class NotebookPanel(LabPanel):
    """Export button with the written path; import path, preview table and Merge."""

    DEFAULT_CSS = """
    NotebookPanel {
        height: 1fr;
        padding: 0 1;
        .nb-row { height: 1; margin-bottom: 1; }
        .nb-row Button { margin-right: 1; }
        .nb-row Label { width: 16; color: $text-muted; }
        #nb-export-path, #nb-import-summary { width: 1fr; color: $text-muted; text-overflow: ellipsis; }
        #nb-import-path { width: 1fr; }
        #nb-preview { height: 1fr; border: round $panel; &:focus { border: round $primary; } }
    }
    """

    def __init__(self, *, id: str | None = None):
        super().__init__(id=id)
        self.import_preview: Any = None
        """The last :class:`engine.stages_run.ImportPreview`, until merged."""

    def compose(self) -> ComposeResult:
        with Horizontal(classes="nb-row"):
            yield Button("Export lab_stages.ipynb", id="btn-nb-export", compact=True, variant="primary")
            yield Static("Not exported in this session.", id="nb-export-path", markup=False)
        with Horizontal(classes="nb-row"):
            yield Label("Import notebook")
            yield Input(placeholder="path/to/notebook.ipynb", id="nb-import-path", compact=True)
        with Horizontal(classes="nb-row"):
            yield Button("Preview import", id="btn-nb-preview", compact=True)
            yield Button("Merge…", id="btn-nb-merge", compact=True, disabled=True)
            yield Static("Nothing previewed. No cell is ever executed.", id="nb-import-summary", markup=False)
        yield DataTable(id="nb-preview", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        table = self.query_one("#nb-preview", DataTable)
        table.border_title = "Stages to merge"
        table.add_columns("#", "description", "first code line", "runtime")

    # --- actions -------------------------------------------------------------------------------
    def action_export(self) -> None:
        if self.ready() and self.lab is not None:
            self.call("nb_export", self.lab.export_notebook)

    def action_preview_import(self) -> None:
        path = self.query_one("#nb-import-path", Input).value.strip()
        if not path:
            self.notify("Type the path of an .ipynb file to import", severity="warning")
            self.query_one("#nb-import-path", Input).focus()
            return
        if self.ready() and self.lab is not None:
            self.call("nb_preview", self.lab.notebook_preview, path)

    def action_merge(self) -> None:
        preview = self.import_preview
        if preview is None or not preview.stages:
            self.notify("Preview a notebook with stages first", severity="warning")
            return
        body = (f"Append {len(preview.stages)} stage(s) from {self.redact(str(preview.notebook))} "
                "to lab_stages.toml? Existing stages are kept.")
        self.app.push_screen(ConfirmDialog("Merge notebook stages", body, "Merge"),
                             lambda ok: self._merge(preview) if ok else None)

    def _merge(self, preview: Any) -> None:
        if self.lab is not None:
            self.call("nb_merge", self.lab.notebook_merge, preview, count=len(preview.stages))

    @on(Button.Pressed)
    def _button(self, event: Button.Pressed) -> None:
        actions = {"btn-nb-export": self.action_export, "btn-nb-preview": self.action_preview_import,
                   "btn-nb-merge": self.action_merge}
        if event.button.id in actions:
            event.stop()
            actions[event.button.id]()

    @on(Input.Submitted, "#nb-import-path")
    def _path_submitted(self) -> None:
        self.action_preview_import()

    # --- results ---------------------------------------------------------------------------------
    def _show_preview(self, preview: Any) -> None:
        self.import_preview = preview
        table = self.query_one("#nb-preview", DataTable)
        table.clear()
        for number, stage in enumerate(preview.stages if preview else [], start=1):
            table.add_row(str(number), _first_line(stage.get("D")) or "(none)", _first_line(stage.get("C")),
                          str(stage.get("E") or "default"))
        summary = "Nothing previewed. No cell is ever executed."
        if preview is not None:
            kind = "an AGILab supervisor export" if preview.supervisor else "a plain notebook"
            summary = f"{len(preview.stages)} stage(s) from {kind}, not executed"
            if preview.warnings:
                summary += " · " + "; ".join(preview.warnings)
        self.query_one("#nb-import-summary", Static).update(summary)
        self.query_one("#btn-nb-merge", Button).disabled = not (preview and preview.stages)

    @on(EngineCallDone)
    def _call_done(self, message: EngineCallDone) -> None:
        message.stop()
        if message.error is not None:
            self.report(message.error, {"nb_export": "Export failed", "nb_preview": "Import preview failed",
                                        "nb_merge": "Merge failed"}.get(message.tag, "Notebook"))
            return
        if message.tag == "nb_export":
            path = self.redact(str(message.value))
            self.query_one("#nb-export-path", Static).update(f"Exported to {path}")
            self.notify(f"Exported {path}")
        elif message.tag == "nb_preview":
            self._show_preview(message.value)
        elif message.tag == "nb_merge":
            self._show_preview(None)
            self.lab_written(message.value)
            self.notify(f"Merged {message.context['count']} stage(s) into lab_stages.toml")
