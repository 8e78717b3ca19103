"""SSH settings of the remote worker hosts: user, key path, remote root and remote python.

Each valid edit is posted as :class:`~tui.widgets.settings_form.SettingsForm.Changed` (the page writes
it to ``[cluster]`` at once, like the other system settings); invalid text stays in its field with the
reason under it and nothing is written. The auth method is AGILab's ``auth_method`` (``ssh_key`` or
``password``); there is deliberately no password field, so no secret ever reaches ``app_settings.toml``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Label, Select, Static

from tui.widgets.settings_form import SettingsForm

AUTH_METHODS = [("ssh key (agent, ssh_config or key file)", "ssh_key"), ("password (asked at connect time)", "password")]
_USER = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,31}$")


def validate_user(value: str) -> str:
    if value and not _USER.match(value):
        raise ValueError(f"'{value}' is not a valid user name (letters, digits, _ . -)")
    return value


def validate_key_path(value: str) -> str:
    """Empty (ssh_config / default keys) or an existing private key file, never the ``.pub`` half."""
    if not value:
        return value
    if value.endswith(".pub"):
        raise ValueError("give the private key file, not the .pub public key")
    path = Path(value).expanduser()
    if not path.is_file():
        raise ValueError(f"no key file at {value}")
    return value


def validate_remote_root(value: str) -> str:
    if not value.startswith(("/", "~")):
        raise ValueError("the remote root must be an absolute path or start with ~ ({host} is replaced)")
    return value


def validate_remote_python(value: str) -> str:
    if not value or any(c.isspace() for c in value):
        raise ValueError("the remote python must be one command or path, e.g. python3 or /usr/bin/python3.11")
    return value


FIELDS: tuple[tuple[str, str, str, Callable[[str], str]], ...] = (
    ("user", "SSH user", "empty: from ~/.ssh/config", validate_user),
    ("ssh_key_path", "SSH key path", "~/.ssh/id_ed25519 (keys only)", validate_key_path),
    ("remote_root", "Remote root", "~/.agilab-tui", validate_remote_root),
    ("remote_python", "Remote python", "python3", validate_remote_python),
)


class SshSettingsForm(Vertical):
    """The four SSH fields; ``load()`` fills them without writing anything back."""

    DEFAULT_CSS = """
    SshSettingsForm {
        height: auto;
        margin-top: 1;
        .ssh-row { height: auto; width: 1fr; }
        .ssh-label { width: 16; padding: 0 1 0 0; }
        Input, Select { width: 1fr; }
        Input.-invalid { color: $error; }
        .ssh-error { color: $error; height: auto; padding-left: 16; display: none; }
        .ssh-error.-shown { display: block; }
    }
    """

    def compose(self) -> ComposeResult:
        with Horizontal(classes="ssh-row"):
            yield Label("SSH auth", classes="ssh-label")
            yield Select(AUTH_METHODS, allow_blank=False, value="ssh_key", id="ssh-auth_method", compact=True)
        for key, label, placeholder, _ in FIELDS:
            with Horizontal(classes="ssh-row"):
                yield Label(label, classes="ssh-label")
                yield Input(placeholder=placeholder, id=f"ssh-{key}", compact=True)
            yield Static("", id=f"ssh-err-{key}", classes="ssh-error")

    def load(self, cluster: Any) -> None:
        """Fill every field from a ``ClusterSettings`` (prevented: a fill is not an edit)."""
        with self.prevent(Input.Changed, Select.Changed):
            self.query_one("#ssh-auth_method", Select).value = getattr(cluster, "auth_method", "ssh_key")
            for key, *_ in FIELDS:
                self.query_one(f"#ssh-{key}", Input).value = str(getattr(cluster, key, "") or "")
                self.show_error(key, "")

    def show_error(self, key: str, message: str) -> None:
        """Show ``message`` under ``key``'s field (empty clears it); keys not in this form are ignored."""
        error = self.query(f"#ssh-err-{key}")
        if error:
            error.first(Static).update(f"✗ {message}" if message else "")
            error.first(Static).set_class(bool(message), "-shown")
            self.query_one(f"#ssh-{key}", Input).set_class(bool(message), "-invalid")

    def values(self) -> dict[str, str]:
        return {key: self.query_one(f"#ssh-{key}", Input).value.strip() for key, *_ in FIELDS}

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        key = (event.input.id or "").removeprefix("ssh-")
        check = next((fn for k, _, _, fn in FIELDS if k == key), None)
        if check is None:
            return
        event.stop()
        value = event.value.strip()
        try:
            check(value)
        except ValueError as exc:
            self.show_error(key, str(exc))
            return
        self.show_error(key, "")
        self.post_message(SettingsForm.Changed({key: value}))

    @on(Select.Changed, "#ssh-auth_method")
    def _auth_changed(self, event: Select.Changed) -> None:
        event.stop()
        if isinstance(event.value, str):
            self.post_message(SettingsForm.Changed({"auth_method": event.value}))
