"""A generated code snippet, syntax highlighted, scrollable from the keyboard, copyable and exportable."""

from __future__ import annotations

from dataclasses import dataclass

from rich.syntax import Syntax
from textual.binding import Binding
from textual.containers import ScrollableContainer
from textual.message import Message
from textual.widgets import Static


class SnippetPanel(ScrollableContainer, can_focus=True):
    """Read-only Python snippet; ``c`` copies it to the clipboard, ``e`` asks to export it to a file."""

    DEFAULT_CSS = """
    SnippetPanel {
        height: 1fr;
        min-height: 4;
        border: round $panel;
        background: $surface;
        &:focus { border: round $primary; }
        & > Static { width: auto; }
    }
    """

    BINDINGS = [
        Binding("c", "copy", "Copy", id="snippet.copy", tooltip="Copy the snippet to the clipboard (OSC 52)"),
        Binding("e", "export", "Export", id="snippet.export", tooltip="Write the snippet to a .py file"),
    ]

    @dataclass
    class ExportRequested(Message):
        """The user asked to write the snippet of ``kind`` to a file."""

        kind: str
        code: str

    def __init__(self, kind: str, *, id: str | None = None):
        super().__init__(id=id)
        self.kind = kind
        """``install``, ``distribute`` or ``run``: names the snippet and its export file."""
        self.code = ""
        self.border_title = f"{kind} snippet"
        self.border_subtitle = "c copy · e export"

    def compose(self):  # type: ignore[no-untyped-def]
        yield Static("", classes="snippet-code")

    def set_code(self, code: str) -> None:
        """Show new code (kept verbatim for copy/export)."""
        self.code = code
        syntax = Syntax(code or "# (no snippet)", "python", theme="ansi_dark", line_numbers=False,
                        word_wrap=False, background_color="default")
        self.query_one(Static).update(syntax)

    def action_copy(self) -> None:
        self.app.copy_to_clipboard(self.code)
        self.notify(f"{self.kind} snippet copied to the clipboard", timeout=3)

    def action_export(self) -> None:
        self.post_message(self.ExportRequested(self.kind, self.code))
