"""Small modal dialogs shared by PROJECT and ANALYSIS: a one-line prompt and a yes/no confirmation."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

_DIALOG_CSS = """
{name} {{
    align: center middle;
    & > Vertical {{
        width: 72; max-width: 95%; height: auto; max-height: 90%;
        border: round $primary; background: $panel; padding: 0 1;
    }}
    & .dialog-title {{ text-style: bold; color: $text; }}
    & .dialog-hint {{ color: $text-muted; }}
    & OptionList {{ height: auto; max-height: 8; }}
    & Horizontal {{ height: auto; align-horizontal: right; }}
    & Button {{ margin-left: 1; min-width: 10; }}
}}
"""


class PromptScreen(ModalScreen[str | None]):
    """Ask for one value (a name, a path); ``choices`` offers known values to pick with the arrows."""

    DEFAULT_CSS = _DIALOG_CSS.format(name="PromptScreen")
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="dialog.cancel", tooltip="Close without doing anything")]

    def __init__(self, title: str, hint: str, *, value: str = "", placeholder: str = "",
                 choices: list[str] | None = None):
        super().__init__()
        self.title_text = title
        self.hint = hint
        self.value = value
        self.placeholder = placeholder
        self.choices = choices or []

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text, classes="dialog-title")
            yield Static(self.hint, classes="dialog-hint")
            yield Input(self.value, placeholder=self.placeholder, id="prompt-input")
            if self.choices:
                yield OptionList(*[Option(c, id=str(i)) for i, c in enumerate(self.choices)], id="prompt-choices")
            with Horizontal():
                yield Button("OK", variant="primary", id="prompt-ok")
                yield Button("Cancel", id="prompt-cancel")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(OptionList.OptionSelected, "#prompt-choices")
    def _choice(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.choices[int(event.option.id or 0)])

    @on(Input.Submitted)
    @on(Button.Pressed, "#prompt-ok")
    def _submit(self) -> None:
        value = self.query_one(Input).value.strip()
        self.dismiss(value or None)

    @on(Button.Pressed, "#prompt-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmScreen(ModalScreen[bool]):
    """A yes/no question; the destructive answer is never the default (focus starts on Cancel)."""

    DEFAULT_CSS = _DIALOG_CSS.format(name="ConfirmScreen")
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="confirm.cancel", tooltip="Answer no")]

    def __init__(self, title: str, question: str, yes_label: str = "Yes"):
        super().__init__()
        self.title_text = title
        self.question = question
        self.yes_label = yes_label

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text, classes="dialog-title")
            yield Static(self.question)
            with Horizontal():
                yield Button(self.yes_label, variant="error", id="confirm-yes")
                yield Button("Cancel", id="confirm-no")

    def on_mount(self) -> None:
        self.query_one("#confirm-no", Button).focus()

    @on(Button.Pressed, "#confirm-yes")
    def _yes(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#confirm-no")
    def action_cancel(self) -> None:
        self.dismiss(False)


class TextScreen(ModalScreen[None]):
    """Read-only ``(key, value)`` rows in a box (column statistics); escape or enter closes it."""

    DEFAULT_CSS = _DIALOG_CSS.format(name="TextScreen")
    BINDINGS = [Binding("escape,enter", "close", "Close", id="text.close", tooltip="Close this box")]

    def __init__(self, title: str, rows: list[tuple[str, str]]):
        super().__init__()
        self.title_text = title
        self.rows = rows

    def compose(self) -> ComposeResult:
        from rich.table import Table

        table = Table(box=None, show_header=False, expand=True)
        table.add_column(style="bold")
        table.add_column()
        for key, value in self.rows:
            table.add_row(key, value)
        with Vertical():
            yield Label(self.title_text, classes="dialog-title")
            yield Static(table, id="text-body")
            with Horizontal():
                yield Button("Close", variant="primary", id="text-close")

    def on_mount(self) -> None:
        self.query_one("#text-close", Button).focus()

    @on(Button.Pressed, "#text-close")
    def action_close(self) -> None:
        self.dismiss(None)
