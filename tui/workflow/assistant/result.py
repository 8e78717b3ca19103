"""What the assistant (or the offline builder) produced: the contract's actions, its pandas code, a preview.

A Python snippet (advanced) is shown as code only, with a warning: it is never run, so it has no preview.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.syntax import Syntax
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from tui.workflow.assistant.data import Preview, action_lines


class AssistantResultView(Vertical):
    """The result area; hidden (class ``-empty``) until there is something to show."""

    DEFAULT_CSS = """
    AssistantResultView {
        height: auto;
        &.-empty { display: none; }
        .result-heading { text-style: bold; color: $primary; margin-top: 1; }
        #result-warning { color: $warning; text-style: bold; display: none; }
        &.-snippet #result-warning { display: block; }
        #result-actions { padding-left: 1; }
        #result-code { background: $surface; padding: 0 1; }
        #result-preview { height: auto; max-height: 12; }
        #result-preview-caption { color: $text-muted; }
    }
    """

    code = ""
    """The code currently shown (rendered pandas, or the snippet as received)."""

    def compose(self) -> ComposeResult:
        yield Static("Contract", classes="result-heading", id="result-title")
        yield Static("", id="result-warning")
        yield Static("", id="result-actions")
        yield Static("Pandas code", classes="result-heading", id="result-code-title")
        yield Static("", id="result-code")
        yield Static("Preview", classes="result-heading")
        yield Static("", id="result-preview-caption")
        yield DataTable(id="result-preview", show_cursor=False, zebra_stripes=True)

    def on_mount(self) -> None:
        self.add_class("-empty")

    def clear(self) -> None:
        self.add_class("-empty")
        self.remove_class("-snippet")

    def show_contract(self, contract: Mapping[str, Any], code: str, *, origin: str) -> None:
        """A validated Safe Actions contract, from the model or the builder (``origin`` says which)."""
        self.remove_class("-empty", "-snippet")
        notes = str(contract.get("notes") or "").strip()
        title = f"Contract ({origin}, {len(contract.get('actions') or ())} action(s))"
        self.query_one("#result-title", Static).update(title + (f" — {notes}" if notes else ""))
        self.query_one("#result-actions", Static).update("\n".join(action_lines(contract)))
        self.query_one("#result-code-title", Static).update("Pandas code (rendered from the contract)")
        self._code(code)

    def show_snippet(self, code: str, model: str) -> None:
        """Raw model code: shown for review, never executed, never previewed."""
        self.remove_class("-empty")
        self.add_class("-snippet")
        self.query_one("#result-title", Static).update(f"Python snippet (advanced) from {model}")
        self.query_one("#result-warning", Static).update(
            "Not validated and not run: review this code before saving it as a stage.")
        self.query_one("#result-actions", Static).update("")
        self.query_one("#result-code-title", Static).update("Python code (as written by the model)")
        self._code(code)
        self.show_preview(None, "No preview: snippets are never run by the assistant.")

    def _code(self, code: str) -> None:
        self.code = code
        # No line numbers or theme background: the panel's own colours keep it readable in any theme.
        syntax = Syntax(code.rstrip("\n"), "python", theme="ansi_dark", background_color="default",
                        word_wrap=True)
        self.query_one("#result-code", Static).update(syntax)

    def show_preview(self, preview: Preview | None, caption: str) -> None:
        table = self.query_one("#result-preview", DataTable)
        table.clear(columns=True)
        self.query_one("#result-preview-caption", Static).update(caption)
        table.display = preview is not None and bool(preview.columns)
        if preview is None or not preview.columns:
            return
        table.add_columns(*preview.columns)
        table.add_rows(preview.rows)
