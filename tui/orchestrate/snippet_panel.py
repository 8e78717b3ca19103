"""A generated code snippet, syntax highlighted, scrollable from the keyboard, copyable and exportable."""

from __future__ import annotations

from dataclasses import dataclass

from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.syntax import Syntax
from textual.binding import Binding
from textual.containers import ScrollableContainer
from textual.message import Message
from textual.widgets import Static


class HighlightedCode:
    """``code`` highlighted once, rendered as the ``Syntax`` it stands for (no line numbers, no wrap,
    transparent background) renders it.

    A ``Syntax`` renderable runs pygments on every render, i.e. each time its section is shown, measured
    or resized: that put ~20 ms (the first time also the lexer's compile, ~60 ms) between a key and its
    frame. Kept a rich renderable rather than a ``Text`` so that Textual paints the same segments.
    """

    def __init__(self, code: str):
        self.syntax = syntax = Syntax(code, "python", theme="ansi_dark", line_numbers=False, word_wrap=False,
                                      background_color="default")
        ends_on_nl = code.endswith("\n")
        self.text = syntax.highlight((code if ends_on_nl else code + "\n").expandtabs(syntax.tab_size))
        if not ends_on_nl:
            self.text.remove_suffix("\n")

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield from console.render(self.text, options)

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return self.syntax.__rich_measure__(console, options)  # measures the code's lines, no lexing


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
        self.query_one(Static).update(HighlightedCode(code or "# (no snippet)"))

    def action_copy(self) -> None:
        self.app.copy_to_clipboard(self.code)
        self.notify(f"{self.kind} snippet copied to the clipboard", timeout=3)

    def action_export(self) -> None:
        self.post_message(self.ExportRequested(self.kind, self.code))
