"""The Hosts section against real fake SSH hosts: a mixed install fills the table; an unknown key is trusted."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from cluster_tui_helpers import FLIGHT, configure, host_rows, settle, wait_until
from ssh.fakehosts import free_port

from engine.facade import Engine
from engine.ssh import workspace_known_hosts
from tui.app import make_app
from tui.orchestrate.hosts import HostTable
from tui.orchestrate.workers_table import ClusterWorkersTable
from tui.widgets.log_pane import LogPane

pytestmark = [pytest.mark.ssh, pytest.mark.slow]
# uv's real cache, read before any fixture points HOME elsewhere: the fake hosts share this filesystem.
UV_CACHE = subprocess.run(["uv", "cache", "dir"], capture_output=True, text=True).stdout.strip()
INSTALL_STEPS = {"uv", "ship sources", "create venv", "install dependencies", "link sources", "import preflight"}


def fingerprint_of(host_dir: Path) -> str:
    """The fake host's own key fingerprint, read from its key file (not from the SSH layer under test)."""
    out = subprocess.run(["ssh-keygen", "-lf", str(host_dir / "ssh_host_ed25519_key.pub")],
                         capture_output=True, text=True, check=True).stdout
    return out.split()[1]


async def install_and_watch(pilot, seen: set[tuple[str, str, str]]) -> None:
    """Press INSTALL and record every (host, status, step) the table shows until the install ends."""
    view = pilot.app.view("orchestrate")
    await pilot.press("ctrl+b")
    await wait_until(pilot, lambda: view.current is not None or "install" in str(view.query_one(LogPane).border_title),
                     "the install to start")

    def record() -> None:
        for host, row in host_rows(pilot.app).items():
            seen.add((host, row["status"], row["step"]))

    await wait_until(pilot, lambda: view.current is None, "the install to end", on_tick=record)
    await settle(pilot)
    record()


async def test_mixed_install_fills_host_table_ok_ok_failed(trusted_workspace, fake_hosts, blackhole, tmp_path,
                                                         monkeypatch, no_leftovers):
    monkeypatch.setenv("UV_CACHE_DIR", UV_CACHE)
    address, port = blackhole
    down = f"root@{address}:{port}"
    good = [h.spec for h in fake_hosts.hosts]
    engine = Engine(trusted_workspace)
    configure(engine, FLIGHT, {**{h: 1 for h in good}, down: 1}, cluster_enabled=True,
              scheduler=f"{fake_hosts.scheduler_host}:8786", remote_root=str(tmp_path / "remote" / "{host}"),
              remote_python=sys.executable)
    app = make_app(test_mode=True)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        view = app.view("orchestrate")
        view.show_section("hosts")
        await pilot.pause()
        before = host_rows(app)
        assert list(before) == [*good, down]  # seeded from the worker map, in its order
        assert all(row["status"] == "· pending" for row in before.values())

        seen: set[tuple[str, str, str]] = set()
        await install_and_watch(pilot, seen)

        rows = host_rows(app)
        assert [rows[h]["status"] for h in (*good, down)] == ["✓ ok", "✓ ok", "✗ failed"]
        assert all(rows[h]["step"] == "installed" for h in good)
        assert rows[down]["step"] == "connect" and rows[down]["reason"] == "no SSH answer within 10 s"
        view.query_one(HostTable).move_cursor(row=2)
        await pilot.pause()
        assert str(view.query_one("#host-detail").content) == f"{down} · connect: no SSH answer within 10 s"
        for host in good:  # each good host was seen running through real install steps before it ended ok
            steps = {step for h, status, step in seen if h == host and status == "▶ running"}
            assert steps & INSTALL_STEPS, f"{host} never showed a running step: {seen}"

        # Follow one host's live output: the log then shows that host's lines only.
        pane = view.query_one(LogPane)
        everything = pane.total_lines
        for _ in range(len(view.log_filter.choices())):
            await pilot.press("ctrl+f")
            if view.log_filter.current == good[0]:
                break
        assert view.log_filter.current == good[0] and good[0] in str(pane.border_title)
        own = [line for source, line in view.log_filter.records if source == good[0]]
        # (Log splits a line holding newlines, so compare the text.)
        assert own and "\n".join(pane.log.lines) == "\n".join(own) and pane.total_lines < everything


async def test_unknown_host_key_is_shown_then_trusted_and_install_proceeds_then_runs(workspace, ssh_home, fake_hosts, tmp_path,
                                                                        monkeypatch, no_leftovers):
    monkeypatch.setenv("UV_CACHE_DIR", UV_CACHE)
    host = fake_hosts.hosts[0]
    engine = Engine(workspace)
    scheduler = f"{fake_hosts.scheduler_host}:{free_port(fake_hosts.scheduler_host)}"
    configure(engine, FLIGHT, {host.spec: 1}, cluster_enabled=True, scheduler=scheduler,
              remote_root=str(tmp_path / "remote" / "{host}"), remote_python=sys.executable)
    expected = fingerprint_of(host.dir)
    app = make_app(test_mode=True)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        view = app.view("orchestrate")
        view.show_section("hosts")
        await pilot.pause()
        prompt = view.query_one("#host-key-prompt")

        await install_and_watch(pilot, set())
        row = host_rows(app)[host.spec]
        assert row["status"] == "⚠ unknown key" and expected in row["reason"]
        assert prompt.display and expected in str(prompt.render()) and host.spec in str(prompt.render())
        assert not workspace_known_hosts(workspace).exists()  # nothing was trusted silently

        # CHECK HOSTS reports the same key without installing anything.
        view.query_one(HostTable).focus()
        await pilot.press("c")
        await settle(pilot)
        assert "not usable" in str(view.query_one("#hosts-status").render())
        assert host_rows(app)[host.spec]["status"] == "⚠ unknown key"

        await pilot.press("t")  # the explicit trust action on the highlighted host
        await settle(pilot)
        assert host_rows(app)[host.spec]["step"] == "key trusted"
        assert "✓ trusted" in str(view.query_one("#hosts-status").render())
        known = workspace_known_hosts(workspace).read_text()
        assert host.address in known and not prompt.display

        await install_and_watch(pilot, set())
        row = host_rows(app)[host.spec]
        assert row["status"] == "✓ ok" and row["step"] == "installed"

        # The installed host now serves a mode-4 run: its remote worker shows up in the cluster table.
        table = view.query_one(ClusterWorkersTable)
        seen: set[str] = set()
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: view.current is None, "the mode-4 run to end",
                         on_tick=lambda: seen.update(str(c) for c in table.get_row(f"{host.address}-0"))
                         if table.row_count else None)
        await settle(pilot)
        assert "✓" in str(view.query_one("#run-status").content), str(view.query_one("#run-status").content)
        name, spec, state, address = (str(c) for c in table.get_row(f"{host.address}-0"))
        assert (spec, state) == (host.spec, "■ exited") and address.startswith(f"tcp://{host.address}:")
        assert "▶ running" in seen
