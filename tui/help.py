"""F1 help: the keys of the current page (its view and the widgets inside it) and the global keys."""

from __future__ import annotations

from collections.abc import Iterable

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Static


def _key_label(binding: Binding) -> str:
    return ", ".join(part.strip() for part in binding.key.split(","))


def page_bindings(view: Widget | None) -> list[Binding]:
    """Bindings with an ``id`` declared by the view and by any widget class inside it, deduplicated."""
    found: dict[str, Binding] = {}
    widgets: Iterable[Widget] = [view, *view.query("*")] if view is not None else []
    for widget in widgets:
        for cls in type(widget).__mro__:
            for binding in getattr(cls, "BINDINGS", ()) or ():
                if isinstance(binding, Binding) and binding.id and binding.id not in found:
                    found[binding.id] = binding
    return list(found.values())


def bindings_table(title: str, bindings: Iterable[Binding]) -> Table:
    table = Table(title=title, title_justify="left", expand=True, show_edge=False, box=None, pad_edge=False)
    table.add_column("key", style="bold", no_wrap=True)
    table.add_column("action", no_wrap=True)
    table.add_column("what it does", ratio=1)
    for binding in bindings:
        table.add_row(_key_label(binding), binding.description or binding.action, binding.tooltip or "")
    return table


class HelpScreen(ModalScreen[None]):
    """Modal listing the keys of one page; Escape, F1 or q closes it."""

    BINDINGS = [
        Binding("escape,f1,q", "dismiss", "Close", id="help.close", tooltip="Close the help screen"),
    ]

    def __init__(self, page_title: str, page: list[Binding], global_: list[Binding]):
        super().__init__()
        self._page_title = page_title
        self._page = page
        self._global = global_

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body") as body:
            body.border_title = f"Keys · {self._page_title}"
            body.border_subtitle = "esc close"
            yield Static(bindings_table(f"{self._page_title} page", self._page))
            yield Static(bindings_table("Everywhere", self._global), classes="help-global")
