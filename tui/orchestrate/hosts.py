"""Per-host install status of the remote worker hosts, updated in place from install events.

Rows are keyed by the worker-map key (``root@10.0.0.2:22``). Before an install they come from the worker
map; during one, each host's own log lines (``LogLines.source`` = the host) move it from pending to
running with its current step; the install result (``result["hosts"]``, also on failure) settles it
at ok or failed with the reason. A host whose key is unknown is flagged with its fingerprint.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from textual.binding import Binding
from textual.message import Message

from tui.clock import clock_of
from tui.widgets.fitted_table import FittedDataTable

COLUMNS = (("status", "status"), ("host", "host"), ("step", "step"), ("seconds", "s"), ("reason", "reason"))
STATUS_MARKS = {"pending": "· pending", "running": "▶ running", "ok": "✓ ok", "failed": "✗ failed"}
UNKNOWN_KEY = re.compile(r"unknown host key (SHA256:\S+) \(port (\d+)\)")
CHANGED_KEY = re.compile(r"HOST KEY CHANGED: server now presents (SHA256:\S+)")
# The remote installer announces each step by echoing its command; these fragments name the step.
STEP_COMMANDS = (("uv venv", "create venv"), ("pip install", "install dependencies"),
                 ("agilab_worker_src.pth", "link sources"), ("workers.cython_build", "cython build"),
                 ("preflight ok", "import preflight"), ("importlib.import_module", "import preflight"))


@dataclass
class HostRow:
    """What the table shows about one host."""

    host: str
    status: str = "pending"
    step: str = ""
    reason: str = ""
    seconds: float | None = None
    fingerprint: str = ""
    """SHA256 fingerprint of an unknown host key ('' when the key is known or not yet seen)."""
    key_changed: bool = False
    """The host presents a key different from the recorded one (never trusted from here)."""


def key_problem(reason: str) -> tuple[str, bool]:
    """(fingerprint, changed) found in an error message; ('', False) when the message is about something else."""
    if match := CHANGED_KEY.search(reason):
        return match.group(1), True
    if match := UNKNOWN_KEY.search(reason):
        return match.group(1), False
    return "", False


def step_of(line: str) -> str | None:
    """The install step a host's log line announces, if any."""
    if line.startswith("uv not found"):
        return "uv"
    if line.startswith("shipped "):
        return "ship sources"
    if line.startswith("$ "):
        return next((step for fragment, step in STEP_COMMANDS if fragment in line), None)
    return None


class HostTable(FittedDataTable):
    """The host install table; ``t`` trusts the highlighted host's unknown key."""

    DEFAULT_CSS = """
    HostTable {
        height: auto;
        max-height: 10;
        background: $surface;
        &:focus { background-tint: $primary 8%; }
    }
    """

    BINDINGS = [
        Binding("t", "trust", "Trust key", id="hosts.trust-key",
                tooltip="Record the highlighted host's key (shown with its fingerprint) in the workspace known_hosts"),
        Binding("c", "check", "Check hosts", id="hosts.check",
                tooltip="Connect to every remote host and report unreachable ones and unknown keys"),
    ]

    @dataclass
    class TrustRequested(Message):
        """The user asked to trust ``host``'s key, which was shown as ``fingerprint``."""

        host: str
        fingerprint: str

    @dataclass
    class CheckRequested(Message):
        """The user asked to check the SSH connection to every host."""

    def __init__(self, *, id: str | None = None):
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        """False in test mode: durations vary from run to run."""
        self.rows_by_host: dict[str, HostRow] = {}

    def on_mount(self) -> None:
        for key, label in COLUMNS:
            self.add_column(label, key=key)

    # --- filling ------------------------------------------------------------------------------
    def seed(self, hosts: Iterable[str]) -> None:
        """Show exactly ``hosts``: known rows keep their state, new ones start pending, others go."""
        wanted = list(hosts)
        for host in [h for h in self.rows_by_host if h not in wanted]:
            del self.rows_by_host[host]
            self.remove_row(host)
        for host in wanted:
            if host not in self.rows_by_host:
                self.rows_by_host[host] = HostRow(host)
                self.add_row(*self._cells(self.rows_by_host[host]), key=host)

    def install_started(self) -> None:
        """Every host goes back to pending (a key already flagged stays flagged until trusted)."""
        for row in self.rows_by_host.values():
            row.status, row.step, row.reason, row.seconds = "pending", "", "", None
            self._update(row)

    def observe(self, source: str, lines: Iterable[str]) -> None:
        """Move a host along from its own log lines (other sources are ignored)."""
        row = self.rows_by_host.get(source)
        if row is None or row.status in ("ok", "failed"):
            return
        for line in lines:
            if line.startswith("failed"):
                row.status, row.reason = "failed", line.partition(": ")[2] or line
                if line.startswith("failed: "):
                    row.step = "connect"
                self._flag_key(row)
                break
            if line == "installed":
                row.status, row.step = "ok", "installed"
                break
            row.status = "running"
            row.step = step_of(line) or row.step or "connect"
        self._update(row)

    def apply_result(self, rows: Iterable[dict[str, Any]]) -> None:
        """Settle every host from the install result rows (``host, status, step, reason, seconds``)."""
        for data in rows:
            host = str(data["host"])
            row = self.rows_by_host.get(host)
            if row is None:
                row = self.rows_by_host[host] = HostRow(host)
                self.add_row(*self._cells(row), key=host)
            row.status = str(data.get("status", row.status))
            row.step = str(data.get("step", row.step))
            row.reason = str(data.get("reason", ""))
            row.seconds = data.get("seconds") or None
            self._flag_key(row)
            self._update(row)

    def set_connected(self, host: str, error: str) -> None:
        """Record the outcome of a connection check: '' means reachable with a trusted key."""
        row = self.rows_by_host.get(host)
        if row is None:
            return
        if error:
            row.status, row.step, row.reason = "failed", "connect", error
            self._flag_key(row)
        else:
            row.fingerprint, row.key_changed = "", False
            if row.status == "failed" and row.step == "connect":
                row.status, row.step, row.reason = "pending", "reachable", ""
        self._update(row)

    def key_trusted(self, host: str, fingerprint: str) -> None:
        row = self.rows_by_host.get(host)
        if row is not None:
            row.fingerprint, row.key_changed = "", False
            row.status, row.step, row.reason = "pending", "key trusted", f"trusted {fingerprint}; INSTALL again"
            self._update(row)

    def unknown_keys(self) -> list[HostRow]:
        """Hosts whose key is unknown (trustable), in table order."""
        return [r for r in self.rows_by_host.values() if r.fingerprint and not r.key_changed]

    # --- rendering -----------------------------------------------------------------------------
    def _flag_key(self, row: HostRow) -> None:
        row.fingerprint, row.key_changed = key_problem(row.reason)

    def _cells(self, row: HostRow) -> tuple[str, ...]:
        status = STATUS_MARKS.get(row.status, row.status)
        if row.fingerprint:
            status = "⚠ key changed" if row.key_changed else "⚠ unknown key"
        seconds = f"{clock_of(self).measured(row.seconds):.1f}" if row.seconds else ""
        return status, row.host, row.step, seconds, self.reason_text(row)

    def reason_text(self, row: HostRow) -> str:
        """The reason without the host prefix every SSH error carries (the row already names the host)."""
        reason = row.reason.removeprefix(f"{row.host}: ")
        redact = getattr(self.app, "redact", None)
        return redact(reason) if callable(redact) else reason

    def _update(self, row: HostRow) -> None:
        for (key, _), value in zip(COLUMNS, self._cells(row), strict=True):
            self.update_cell(row.host, key, value, update_width=True)

    # --- actions -----------------------------------------------------------------------------
    def highlighted_host(self) -> str | None:
        if not self.row_count:
            return None
        key, _ = self.coordinate_to_cell_key(self.cursor_coordinate)
        return str(key.value)

    def action_trust(self) -> None:
        host = self.highlighted_host()
        row = self.rows_by_host.get(host or "")
        candidates = [row] if row is not None and row.fingerprint else self.unknown_keys()
        if not candidates:
            self.notify("no unknown host key to trust: CHECK HOSTS or INSTALL first", severity="warning")
            return
        target = candidates[0]
        if target.key_changed:
            self.notify(f"{target.host}: the host key CHANGED ({target.fingerprint}); refusing to trust it from here",
                        severity="error")
            return
        self.post_message(self.TrustRequested(target.host, target.fingerprint))

    def action_check(self) -> None:
        self.post_message(self.CheckRequested())
