"""HISTORY: the raw ``lab_stages.toml`` in an editor, validated before it replaces the file.

Saving parses the text exactly as loading the file would (TOML syntax, then the stages-file shape), so a
malformed edit is refused with the line it breaks at and the file stays as it was. A good save refreshes
the stage list.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Button, Static, TextArea

from tui.messages import EngineCallDone
from tui.workflow.lab import BrokenFile, LabSnapshot
from tui.workflow.panel import LabPanel


class HistoryPanel(LabPanel):
    """TOML editor of the whole stages file with Save and Revert."""

    DEFAULT_CSS = """
    HistoryPanel {
        height: 1fr;
        #history-bar { height: 1; }
        #history-bar Button { margin-right: 1; }
        #history-path { width: 1fr; color: $text-muted; text-overflow: ellipsis; }
        #history-editor { height: 1fr; border: round $panel; &:focus { border: round $primary; } }
        #history-error { height: auto; max-height: 3; color: $error; display: none; }
        &.-error #history-error { display: block; }
    }
    """
    BINDINGS = [
        Binding("ctrl+s", "save_history", "Save file", id="workflow.history-save",
                tooltip="Validate the TOML and replace lab_stages.toml with it"),
    ]

    def compose(self) -> ComposeResult:
        with Horizontal(id="history-bar"):
            yield Button("Save file", id="btn-history-save", compact=True, variant="primary")
            yield Button("Revert", id="btn-history-revert", compact=True)
            yield Static("", id="history-path", markup=False)
        yield TextArea.code_editor(language="toml", id="history-editor", soft_wrap=False)
        yield Static("", id="history-error", markup=False)

    @property
    def editor(self) -> TextArea:
        return self.query_one("#history-editor", TextArea)

    def __init__(self, *, id: str | None = None):
        super().__init__(id=id)
        self.broken: BrokenFile | None = None
        """The file on disk when it does not load, until a valid save replaces it."""

    @property
    def saved_text(self) -> str | None:
        return self.broken.text if self.broken else (self.snapshot.text if self.snapshot else None)

    @property
    def dirty(self) -> bool:
        return self.saved_text is not None and self.editor.text != self.saved_text

    def show_broken(self, broken: BrokenFile) -> None:
        """Show a file that does not load, with its error, so it can be repaired here."""
        self.broken, self.snapshot = broken, None
        self.query_one("#history-path", Static).update(self.redact(str(broken.path)))
        self.editor.load_text(broken.text)
        self._error(f"Does not load: {self.redact(broken.error)}. Fix it here, then Save file (ctrl+s).")
        self.notify("lab_stages.toml does not load; HISTORY shows it for repair", severity="error", timeout=8)

    def show_lab(self, snapshot: LabSnapshot) -> None:
        # Edits in progress are kept when another panel saves; Revert picks up the new file.
        keep = self.dirty and self.broken is None
        self.broken = None
        super().show_lab(snapshot)
        self.query_one("#history-path", Static).update(self.redact(str(snapshot.path)))
        if not keep:
            self.editor.load_text(snapshot.text)
            self._error("")

    def _error(self, text: str) -> None:
        self.query_one("#history-error", Static).update(text)
        self.set_class(bool(text), "-error")

    def action_save_history(self) -> None:
        if self.lab is None or self.saved_text is None:
            self.notify("The stages file is still loading", severity="warning")
        elif not self.dirty:
            self.notify("No changes to save")
        else:
            self.call("history_save", self.lab.save_text, self.editor.text)

    def action_revert(self) -> None:
        if self.saved_text is not None:
            self.editor.load_text(self.saved_text)
            self._error("" if self.broken is None else str(self.query_one("#history-error", Static).render()))

    @on(Button.Pressed, "#btn-history-save")
    def _save_pressed(self) -> None:
        self.action_save_history()

    @on(Button.Pressed, "#btn-history-revert")
    def _revert_pressed(self) -> None:
        self.action_revert()

    @on(EngineCallDone)
    def _call_done(self, message: EngineCallDone) -> None:
        message.stop()
        from engine.errors import FileChangedError

        if message.error is not None:
            if not isinstance(message.error, FileChangedError):
                self._error(f"Not saved: {self.redact(str(message.error))}")
            self.report(message.error, "HISTORY not saved")
            return
        self._error("")
        self.snapshot = self.broken = None  # the editor now holds exactly the saved text
        self.lab_written(message.value)
        self.notify("lab_stages.toml saved; stages reloaded")
