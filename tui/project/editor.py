"""PROJECT file editor: pick one of the app's files, edit it with syntax highlighting, save with ctrl+s.

The widget holds no I/O: it posts :class:`ProjectEditor.FileChosen` and the view loads the file through
the engine, then calls :meth:`ProjectEditor.show_file`; saving reads :attr:`ProjectEditor.text`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Select, Static, TextArea

if TYPE_CHECKING:
    from engine.projects import LoadedFile, ProjectFile


class ProjectEditor(Vertical):
    """File chooser, code editor and a one-line status (saved / error naming file and line)."""

    DEFAULT_CSS = """
    ProjectEditor {
        height: 1fr;
        & > Select { width: 1fr; }
        & > TextArea { height: 1fr; }
        & > #editor-status { height: auto; max-height: 3; color: $text-muted; padding: 0 1; }
        & > #editor-status.-error { color: $error; text-style: bold; }
    }
    """

    @dataclass
    class FileChosen(Message):
        """The user picked another file to edit."""

        key: str

    def __init__(self, *, id: str | None = None):
        super().__init__(id=id)
        self.files: list[ProjectFile] = []
        self.loaded: LoadedFile | None = None
        """The file in the editor and the digest it had when loaded (None before the first load)."""

    def compose(self) -> ComposeResult:
        yield Select([], prompt="File", allow_blank=True, compact=True, id="editor-file")
        yield TextArea.code_editor("", id="editor-text", soft_wrap=False)
        yield Static("", id="editor-status")

    def set_files(self, files: list[ProjectFile], selected: str = "readme") -> None:
        """List the app's editable files and select ``selected`` (posts FileChosen)."""
        self.files = files
        select = self.query_one("#editor-file", Select)
        select.set_options([(f"{f.label}{' (read-only)' if f.read_only else ''}", f.key) for f in files])
        select.value = selected

    def select_quietly(self, key: str) -> None:
        """Move the chooser back to ``key`` without asking to load it (the user kept their edits)."""
        select = self.query_one("#editor-file", Select)
        with select.prevent(Select.Changed):
            select.value = key

    @on(Select.Changed, "#editor-file")
    def _file_changed(self, event: Select.Changed) -> None:
        event.stop()
        if isinstance(event.value, str):
            self.post_message(self.FileChosen(event.value))

    def file(self, key: str) -> ProjectFile | None:
        return next((f for f in self.files if f.key == key), None)

    def show_file(self, loaded: LoadedFile) -> None:
        """Put a loaded file in the editor (read-only for bundled app sources)."""
        self.loaded = loaded
        area = self.query_one("#editor-text", TextArea)
        area.load_text(loaded.text)
        area.language = loaded.file.language
        area.read_only = loaded.file.read_only
        area.border_title = self.app.redact(str(loaded.file.path))
        note = "read-only: bundled app (clone it to edit)" if loaded.file.read_only else "ctrl+s saves (validated first)"
        self.set_status(f"{loaded.file.label}: {note}")

    @property
    def text(self) -> str:
        return self.query_one("#editor-text", TextArea).text

    @property
    def modified(self) -> bool:
        return self.loaded is not None and self.text != self.loaded.text

    def saved(self, loaded: LoadedFile) -> None:
        self.loaded = loaded
        self.set_status(f"Saved {self.app.redact(str(loaded.file.path))}")

    def set_status(self, text: str, *, error: bool = False) -> None:
        status = self.query_one("#editor-status", Static)
        status.update(self.app.redact(text))
        status.set_class(error, "-error")
