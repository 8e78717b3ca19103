"""WORKFLOW modals: confirm, diff preview (template refresh, converter) and snippet import."""

from __future__ import annotations

from rich.syntax import Syntax
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from tui.workflow.lab import RUN_SNIPPET

_DIALOG_CSS = """
{name} {{
    align: center middle;
    & > Vertical {{
        width: 90%;
        max-width: 110;
        height: auto;
        max-height: 90%;
        border: round $primary;
        background: $panel;
        padding: 0 1;
    }}
    .dialog-body {{ height: auto; margin: 0 0 1 0; }}
    .dialog-buttons {{ height: auto; align-horizontal: right; }}
    .dialog-buttons Button {{ margin-left: 1; }}
    VerticalScroll {{ height: auto; max-height: 20; border: round $panel-lighten-2; }}
    Input {{ margin: 0 0 1 0; }}
}}
"""


class ConfirmDialog(ModalScreen[bool]):
    """Yes/no question; escape answers no."""

    DEFAULT_CSS = _DIALOG_CSS.format(name="ConfirmDialog")
    BINDINGS = [Binding("escape", "dismiss(False)", "Cancel", id="dialog.cancel", tooltip="Close without acting")]

    def __init__(self, title: str, body: str, confirm: str = "Confirm", *, destructive: bool = False):
        super().__init__()
        self._title, self._body, self._confirm, self._destructive = title, body, confirm, destructive

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = self._title
            yield Static(self._body, classes="dialog-body", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button(self._confirm, variant="error" if self._destructive else "primary", id="confirm", compact=True)
                yield Button("Cancel", id="cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#cancel" if self._destructive else "#confirm", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "confirm")


class DiffDialog(ModalScreen[bool]):
    """A unified diff to review before writing (refresh from template, snippet converter)."""

    DEFAULT_CSS = _DIALOG_CSS.format(name="DiffDialog") + """
    DiffDialog > Vertical { height: 90%; }
    DiffDialog VerticalScroll { height: 1fr; max-height: 100%; }
    """
    BINDINGS = [Binding("escape", "dismiss(False)", "Cancel", id="dialog.cancel", tooltip="Close without writing")]

    def __init__(self, title: str, summary: str, diff: str, apply_label: str = "Apply"):
        super().__init__()
        self._title, self._summary, self._diff, self._apply = title, summary, diff, apply_label

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = self._title
            yield Static(self._summary, classes="dialog-body", markup=False)
            with VerticalScroll(id="diff-scroll"):
                yield Static(Syntax(self._diff or "(no change)", "diff", theme="ansi_dark", word_wrap=True),
                             id="diff")
            with Horizontal(classes="dialog-buttons"):
                yield Button(self._apply, variant="primary", id="apply", disabled=not self._diff, compact=True)
                yield Button("Cancel", id="cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#apply" if self._diff else "#cancel", Button).focus()

    @property
    def diff_text(self) -> str:
        return self._diff

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "apply")


class ImportSnippetDialog(ModalScreen[str | None]):
    """Choose what to import as a read-only stage: ORCHESTRATE's run snippet or a ``.py`` file."""

    DEFAULT_CSS = _DIALOG_CSS.format(name="ImportSnippetDialog")
    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel", id="dialog.cancel", tooltip="Close without importing")]

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Add stage: import snippet"
            yield Static("Imported stages are read-only and run as written. Re-import after changing "
                         "ORCHESTRATE arguments.\nTo generate a stage from a prompt, use the Assistant "
                         "sub-tab (F2 cycles sub-tabs).", classes="dialog-body")
            yield Label("Python file to import")
            yield Input(placeholder="path/to/snippet.py", id="snippet-path")
            with Horizontal(classes="dialog-buttons"):
                yield Button("ORCHESTRATE run snippet", variant="primary", id="run-snippet", compact=True)
                yield Button("Import file", id="import-file", compact=True)
                yield Button("Cancel", id="cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#run-snippet", Button).focus()

    @on(Input.Submitted, "#snippet-path")
    def _submitted(self) -> None:
        self._import_file()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "run-snippet":
            self.dismiss(RUN_SNIPPET)
        elif event.button.id == "import-file":
            self._import_file()
        else:
            self.dismiss(None)

    def _import_file(self) -> None:
        path = self.query_one("#snippet-path", Input).value.strip()
        if path:
            self.dismiss(path)
        else:
            self.notify("Type the path of a .py file first", severity="warning")
