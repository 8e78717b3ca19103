"""Service-mode settings: the SLA of the health gate (``[cluster.service_health]``), the heartbeat timeout
and the queue retention (``[cluster.service]``).

Each valid edit posts :class:`~tui.widgets.settings_form.SettingsForm.Changed` with the whole sub-table
(the page writes it at once); invalid text stays in its field with the reason and nothing is written.
Retention is entered in hours and stored in seconds, as AGILab's ``cleanup_*_ttl_sec`` keys.
"""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Label, Static, Switch

from tui.widgets.settings_form import SettingsForm

HOUR = 3600.0
# (table, key, label, kind): kind "int" >= 0, "rate" float >= 0, "seconds" float > 0, "hours" float > 0, "files" int >= 1
FIELDS: tuple[tuple[str, str, str, str], ...] = (
    ("service_health", "max_unhealthy", "Max unhealthy", "int"),
    ("service_health", "max_restart_rate", "Max restart rate", "rate"),
    ("service", "heartbeat_timeout", "Heartbeat (s)", "seconds"),
    ("service", "cleanup_done_ttl_sec", "Keep done (h)", "hours"),
    ("service", "cleanup_failed_ttl_sec", "Keep failed (h)", "hours"),
    ("service", "cleanup_heartbeat_ttl_sec", "Keep beats (h)", "hours"),
    ("service", "cleanup_done_max_files", "Max done files", "files"),
    ("service", "cleanup_failed_max_files", "Max failed files", "files"),
    ("service", "cleanup_heartbeat_max_files", "Max beat files", "files"),
)


def parse_field(kind: str, text: str) -> float | int:
    """The stored value of one field; ValueError says what is expected."""
    text = text.strip()
    try:
        number = float(text)
    except ValueError:
        raise ValueError(f"'{text}' is not a number") from None
    if kind in ("int", "files"):
        if not number.is_integer() or number < (1 if kind == "files" else 0):
            raise ValueError(f"'{text}' must be a whole number {'>= 1' if kind == 'files' else '>= 0'}")
        return int(number)
    if kind == "rate":
        if number < 0:
            raise ValueError("the restart rate must be >= 0 (restarts per worker per minute window)")
        return number
    if number <= 0:
        raise ValueError(f"'{text}' must be more than 0")
    return number * HOUR if kind == "hours" else number


def show_value(kind: str, value: float | int) -> str:
    if kind == "hours":
        return f"{float(value) / HOUR:g}"
    return f"{value:g}" if isinstance(value, float) else str(value)


class ServiceSettingsForm(Vertical):
    """SLA, heartbeat and retention fields; ``load()`` fills them without writing anything back."""

    DEFAULT_CSS = """
    ServiceSettingsForm {
        height: auto;
        .svc-row { height: auto; width: 1fr; }
        .svc-label { width: 18; padding: 0 1 0 0; }
        Input { width: 1fr; }
        Input.-invalid { color: $error; }
        .svc-error { color: $error; height: auto; padding-left: 18; display: none; }
        .svc-error.-shown { display: block; }
    }
    """

    def __init__(self, *, id: str | None = None):
        super().__init__(id=id)
        self._tables: dict[str, dict[str, Any]] = {"service_health": {}, "service": {}}

    def compose(self) -> ComposeResult:
        with Horizontal(classes="svc-row"):
            yield Label("Allow idle", classes="svc-label")
            yield Switch(id="svc-allow_idle")
        for _, key, label, _kind in FIELDS:
            with Horizontal(classes="svc-row"):
                yield Label(label, classes="svc-label")
                yield Input(id=f"svc-{key}", compact=True)
            yield Static("", id=f"svc-err-{key}", classes="svc-error")

    def load(self, cluster: Any) -> None:
        """Fill the fields from a ``ClusterSettings``."""
        self._tables = {"service_health": cluster.service_health.model_dump(), "service": cluster.service.model_dump()}
        with self.prevent(Input.Changed, Switch.Changed):
            self.query_one("#svc-allow_idle", Switch).value = bool(cluster.service_health.allow_idle)
            for table, key, _, kind in FIELDS:
                self.query_one(f"#svc-{key}", Input).value = show_value(kind, self._tables[table][key])
                self.show_error(key, "")

    def show_error(self, key: str, message: str) -> None:
        error = self.query(f"#svc-err-{key}")
        if error:
            error.first(Static).update(f"✗ {message}" if message else "")
            error.first(Static).set_class(bool(message), "-shown")
            self.query_one(f"#svc-{key}", Input).set_class(bool(message), "-invalid")

    def _post(self, table: str, key: str, value: Any) -> None:
        self._tables[table] = {**self._tables[table], key: value}
        self.post_message(SettingsForm.Changed({table: dict(self._tables[table])}))

    @on(Switch.Changed, "#svc-allow_idle")
    def _idle_changed(self, event: Switch.Changed) -> None:
        event.stop()
        self._post("service_health", "allow_idle", event.value)

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        key = (event.input.id or "").removeprefix("svc-")
        field = next((f for f in FIELDS if f[1] == key), None)
        if field is None:
            return
        event.stop()
        try:
            value = parse_field(field[3], event.value)
        except ValueError as exc:
            self.show_error(key, str(exc))
            return
        self.show_error(key, "")
        self._post(field[0], key, value)
