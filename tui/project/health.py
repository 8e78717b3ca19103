"""Health cards of the active app: one line per check, the fix underneath when it is not OK."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.table import Table
from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

if TYPE_CHECKING:
    from engine.health import HealthCard

_ICONS = {"ok": ("✔", "green"), "warn": ("!", "yellow"), "fail": ("✘", "red")}


class HealthCards(VerticalScroll, can_focus=True):
    """A scrollable list of :class:`engine.health.HealthCard`, redacted for screenshots."""

    DEFAULT_CSS = """
    HealthCards {
        height: 1fr;
        border: round $panel;
        padding: 0 1;
        &:focus { border: round $primary; }
        & > Static { width: 1fr; }
    }
    """

    plain = ""
    """The cards as plain text (what is on screen, for tests and copy/paste)."""

    def compose(self):  # type: ignore[no-untyped-def]
        yield Static("Checking the environment…", id="health-body")

    def show_pending(self, app_name: str) -> None:
        self.border_title = f"Environment health: {app_name}"
        self.query_one("#health-body", Static).update("Checking the environment…")

    def show_cards(self, app_name: str, cards: list[HealthCard]) -> None:
        """Render ``cards``; details and fixes pass through ``app.redact`` (no tmp paths in test mode)."""
        self.border_title = f"Environment health: {app_name}"
        failing = sum(card.status == "fail" for card in cards)
        self.border_subtitle = f"{failing} failing" if failing else "all usable"
        lines: list[str] = []
        table = Table.grid(padding=(0, 1), expand=True)
        table.add_column(width=1)
        table.add_column(width=13, no_wrap=True)
        table.add_column(ratio=1)
        for card in cards:
            icon, colour = _ICONS.get(card.status, ("?", "magenta"))
            table.add_row(Text(icon, style=f"bold {colour}"), Text(card.title, style="bold"),
                          Text(self.app.redact(card.detail)))
            lines.append(f"{icon} {card.title}: {self.app.redact(card.detail)}")
            if card.status != "ok" and card.fix:
                table.add_row("", Text("fix", style="italic"), Text(self.app.redact(card.fix), style="italic"))
                lines.append(f"  fix: {self.app.redact(card.fix)}")
        self.plain = "\n".join(lines)
        self.query_one("#health-body", Static).update(table)

    def show_error(self, app_name: str, error: str) -> None:
        self.border_title = f"Environment health: {app_name}"
        self.plain = self.app.redact(error)
        self.query_one("#health-body", Static).update(Text(self.plain, style="bold red"))
