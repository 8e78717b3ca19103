"""The Hosts section of ORCHESTRATE: host install table, host-key trust prompt and SSH settings.

The section owns its two engine calls (CHECK HOSTS and TRUST KEY, run by ``app.call_engine`` in a
thread); install events reach it through the page, which calls :meth:`HostsSection.install_event`.
An unknown host key is never accepted silently: it is shown with its fingerprint, and only the
explicit trust action records exactly that key (``engine.ssh.trust_host_key`` with the expected
fingerprint, so a key swapped in between is refused).
"""

from __future__ import annotations

import asyncio
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Static

from tui.messages import EngineCallDone
from tui.orchestrate.hosts import HostTable
from tui.orchestrate.index_form import IndexSettingsForm
from tui.orchestrate.sections import Section
from tui.orchestrate.ssh_form import SshSettingsForm


def remote_hosts(workers: dict[str, int]) -> list[str]:
    """Worker-map keys reached over SSH (slots > 0, not this machine)."""
    from engine.cluster_local import is_local_host

    return [host for host, slots in workers.items() if slots > 0 and not is_local_host(host)]


def check_hosts(engine: Any) -> dict[str, str]:
    """Connect to every remote host of the active app; host -> error ('' when reachable). Runs in a thread."""
    from engine.ssh import HostSpec, SSHPool, pool_options

    cluster = engine.settings(engine.active_app()).cluster
    hosts = remote_hosts(cluster.workers)

    async def probe() -> dict[str, str]:
        async with SSHPool(pool_options(engine.workspace, cluster)) as pool:
            failures = await pool.connect(hosts)
        # An unknown or changed key comes back as its error text, which names the fingerprint.
        return {host: str(failures.get(HostSpec.parse(host).label) or "") for host in hosts}

    return asyncio.run(probe())


def trust_key(engine: Any, host: str, fingerprint: str) -> str:
    """Record ``host``'s key only if it still presents ``fingerprint``; returns the known_hosts path."""
    from engine.ssh import pool_options, trust_host_key, workspace_known_hosts

    cluster = engine.settings(engine.active_app()).cluster
    asyncio.run(trust_host_key(engine.workspace, host, expected_fingerprint=fingerprint,
                               options=pool_options(engine.workspace, cluster)))
    return str(workspace_known_hosts(engine.workspace))


class HostsSection(Section):
    """Remote hosts: install status per host, host keys, SSH settings."""

    TITLE = "Hosts"
    HELP = "t trust key · c check hosts · a password is asked when needed, held in memory only"

    DEFAULT_CSS = """
    HostsSection {
        #hosts-body { height: 1fr; }
        #host-key-prompt { height: auto; color: $warning; padding: 0 1; display: none; }
        #host-key-prompt.-shown { display: block; }
        #hosts-empty { color: $text-muted; height: auto; padding: 0 1; }
        #host-detail { height: auto; padding: 0 1; color: $text-muted; }
    }
    """

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="hosts-body"):
            yield from self.compose_help()
            with Horizontal(classes="buttons"):
                yield Button("CHECK HOSTS", id="btn-check-hosts", compact=True)
                yield Button("TRUST KEY", id="btn-trust-key", variant="warning", disabled=True, compact=True)
                yield Static("", classes="status-text", id="hosts-status")
            yield Static("", id="host-key-prompt")
            yield Static("", id="hosts-empty")
            yield HostTable(id="host-table")
            yield Static("", id="host-detail")
            yield SshSettingsForm(id="ssh-form")
            yield IndexSettingsForm(id="index-form")

    @property
    def table(self) -> HostTable:
        return self.query_one(HostTable)

    def load(self, cluster: Any) -> None:
        """Fill from ``[cluster]``: SSH fields and one row per remote host of the worker map."""
        self.query_one(SshSettingsForm).load(cluster)
        self.query_one(IndexSettingsForm).load(cluster)
        self.set_hosts(cluster.workers, cluster.cluster_enabled)

    def set_hosts(self, workers: dict[str, int], cluster_enabled: bool) -> None:
        hosts = remote_hosts(workers)
        self.table.seed(hosts)
        if not hosts:
            empty = "No remote host in the worker map: add user@host=slots under System."
        elif not cluster_enabled:
            empty = "Cluster is off: INSTALL prepares this machine only. Turn Cluster (+4) on under System."
        else:
            empty = ""
        self.query_one("#hosts-empty", Static).update(empty)
        self.query_one("#hosts-empty").display = bool(empty)
        self._show_keys()

    # --- install events (routed by the page) -----------------------------------------------------
    def install_event(self, kind: str, source: str = "", lines: tuple[str, ...] = (),
                      result: dict[str, Any] | None = None) -> None:
        """``started`` / ``lines`` (one host's log batch) / ``done`` (the install result)."""
        if kind == "started":
            self.table.install_started()
        elif kind == "lines":
            self.table.observe(source, lines)
        elif kind == "done":
            self.table.apply_result((result or {}).get("hosts", []))
        self._show_keys()

    def _show_keys(self) -> None:
        table = self.table
        flagged = [r for r in table.rows_by_host.values() if r.fingerprint]
        prompt = self.query_one("#host-key-prompt", Static)
        lines = []
        for row in flagged:
            if row.key_changed:
                lines.append(f"✗ {row.host}: HOST KEY CHANGED, now {row.fingerprint}; refused (fix known_hosts by hand)")
            else:
                lines.append(f"⚠ {row.host}: unknown host key {row.fingerprint} · verify it, then t trusts it")
        prompt.update("\n".join(lines))
        prompt.set_class(bool(lines), "-shown")
        self.query_one("#btn-trust-key", Button).disabled = not table.unknown_keys()
        self._show_detail()

    def _show_detail(self) -> None:
        """The highlighted host's full reason, which the table's last column may cut."""
        table = self.table
        row = table.rows_by_host.get(table.highlighted_host() or "")
        text = f"{row.host} · {row.step or row.status}: {table.reason_text(row)}" if row and row.reason else ""
        self.query_one("#host-detail", Static).update(text)

    @on(HostTable.RowHighlighted)
    def _row_highlighted(self) -> None:
        self._show_detail()

    # --- check and trust (engine calls owned by this section) -----------------------------------------
    def action_check(self) -> None:
        if not self.table.rows_by_host:
            self.set_status("no remote host to check", ok=None)
            return
        self.set_status("checking hosts…", ok=None)
        self.app.call_engine("hosts-check", check_hosts, self.app.engine, reply_to=self)  # type: ignore[attr-defined]

    def action_trust(self) -> None:
        self.table.action_trust()

    @on(HostTable.CheckRequested)
    def _check_requested(self, message: HostTable.CheckRequested) -> None:
        message.stop()
        self.action_check()

    @on(HostTable.TrustRequested)
    def _trust_requested(self, message: HostTable.TrustRequested) -> None:
        message.stop()
        self.set_status(f"trusting {message.host} ({message.fingerprint})…", ok=None)
        self.app.call_engine("hosts-trust", trust_key, self.app.engine, message.host,  # type: ignore[attr-defined]
                             message.fingerprint, reply_to=self, context={"host": message.host,
                                                                       "fingerprint": message.fingerprint})

    @on(Button.Pressed, "#btn-check-hosts")
    def _check_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_check()

    @on(Button.Pressed, "#btn-trust-key")
    def _trust_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_trust()

    @on(EngineCallDone)
    def _call_done(self, message: EngineCallDone) -> None:
        redact = self.app.redact  # type: ignore[attr-defined]
        if message.tag == "hosts-trust":
            host, fingerprint = message.context["host"], message.context["fingerprint"]
            if message.ok:
                self.table.key_trusted(host, fingerprint)
                self.set_status(f"✓ trusted {host} → {redact(str(message.value))}", ok=True)
            else:
                self.set_status(f"✗ {redact(str(message.error))}", ok=False)
        elif message.tag == "hosts-check":
            if not message.ok:
                self.set_status(f"✗ check failed: {redact(str(message.error))}", ok=False)
                return
            for host, error in message.value.items():
                self.table.set_connected(host, error)
            bad = sum(1 for error in message.value.values() if error)
            total = len(message.value)
            self.set_status(f"✓ {total} host(s) reachable" if not bad else f"✗ {bad} of {total} host(s) not usable",
                            ok=not bad)
        self._show_keys()
