"""The SSH password, asked in a modal when ``auth_method = "password"`` and an operation needs the hosts.

The value goes straight to the engine's in-memory holder (``Engine.set_ssh_password``): it is never
put in a widget that outlives the modal, in settings, in the log or in any record.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

SSH_KINDS = {"install", "run", "benchmark"}
"""Operations that log in to the worker hosts."""


def needs_password(engine: Any) -> bool:
    """True when the active app's hosts log in by password and none is held for this session."""
    from engine.cluster_local import is_local_host
    from engine.ssh.credentials import has_password

    cluster = engine.settings(engine.active_app()).cluster
    remote = [h for h, n in cluster.workers.items() if n > 0 and not is_local_host(h)]
    return (cluster.auth_method == "password" and cluster.cluster_enabled and bool(remote)
            and not has_password(engine.workspace.root))


class PasswordScreen(ModalScreen[bool]):
    """Asks once; Enter hands the password to the engine and dismisses with True, Escape with False."""

    BINDINGS = [Binding("escape", "cancel", "cancel")]
    DEFAULT_CSS = """
    PasswordScreen { align: center middle; }
    PasswordScreen > Vertical { width: 64; height: auto; padding: 1 2; border: round $warning; background: $surface; }
    PasswordScreen #pw-note { color: $text-muted; height: auto; }
    """

    def __init__(self, engine: Any, hosts: str):
        super().__init__()
        self.engine = engine
        self.hosts = hosts

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"SSH password for {self.hosts}")
            yield Input(password=True, id="ssh-password", placeholder="password (Enter: connect, Esc: cancel)")
            yield Static("Held in memory for this session only; never written to settings, logs or records.",
                         id="pw-note")

    @on(Input.Submitted, "#ssh-password")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if not event.value:
            return
        self.engine.set_ssh_password(event.value)
        event.input.value = ""
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)


def ask_password(view: Any, then: Callable[[], None]) -> None:
    """Show the modal over ``view``'s app; run ``then`` once a password is held, else say nothing started."""
    engine = view.app.engine
    cluster = engine.settings(engine.active_app()).cluster
    users = sorted({h.split("@", 1)[0] if "@" in h else (cluster.user or "you") for h in cluster.workers})

    def done(ok: bool | None) -> None:
        if ok:
            then()
        else:
            view.notify("not started: the SSH password is needed for the worker hosts", severity="warning")

    view.app.push_screen(PasswordScreen(engine, ", ".join(users) + " on the worker hosts"), done)


def password_commands(view: Any) -> list[Any]:
    """Palette entries: enter the SSH password ahead of time, or forget it."""
    from tui.page import PaletteCommand

    def enter() -> None:
        ask_password(view, lambda: view.notify("SSH password held in memory for this session"))

    def forget() -> None:
        view.app.engine.set_ssh_password(None)
        view.notify("SSH password forgotten")

    return [PaletteCommand("hosts: enter ssh password", "Ask the SSH password of the worker hosts now (memory only)",
                           enter),
            PaletteCommand("hosts: forget ssh password", "Drop the SSH password held for this session", forget)]
