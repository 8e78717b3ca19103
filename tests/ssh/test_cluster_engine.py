"""The engine over real SSH: remote install on two fake hosts, a mode-4 run spread over both, a host down."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from engine.events import LogLines, OperationFailed, OperationFinished
from engine.facade import Engine

from .fakehosts import free_port

pytestmark = [pytest.mark.ssh, pytest.mark.slow]
FLIGHT = "flight_telemetry_project"
# uv's real cache, read before any fixture points HOME elsewhere: fake hosts share this filesystem,
# so their offline installs find the packages the local install just cached.
UV_CACHE = subprocess.run(["uv", "cache", "dir"], capture_output=True, text=True).stdout.strip()


async def drain(op):
    events = []
    async with op:
        async for event in op.events():
            events.append(event)
    return events, events[-1]


def configure(engine: Engine, fake_hosts, tmp_path: Path, extra: dict[str, int] | None = None) -> None:
    settings = engine.settings(FLIGHT)
    workers = {h.spec: 1 for h in fake_hosts.hosts}
    workers.update(extra or {})
    settings.update_cluster(cluster_enabled=True, verbose=2,  # Dask and transfer lines shown from verbose 2
                            scheduler=f"{fake_hosts.scheduler_host}:{free_port(fake_hosts.scheduler_host)}",
                            remote_root=str(tmp_path / "remote" / "{host}"), remote_python=sys.executable)
    settings.set_workers(workers)
    settings.save()


@pytest.fixture
def cluster_engine(trusted_workspace, monkeypatch) -> Engine:
    monkeypatch.setenv("UV_CACHE_DIR", UV_CACHE)
    return Engine(trusted_workspace)


async def test_remote_install_then_mode4_run_over_both_hosts_equals_mode0(cluster_engine, fake_hosts, tmp_path,
                                                                        no_leftovers):
    engine = cluster_engine
    configure(engine, fake_hosts, tmp_path)
    events, last = await drain(engine.install(FLIGHT))
    assert isinstance(last, OperationFinished), getattr(last, "error", "")
    hosts = {row["host"]: row for row in last.result["hosts"]}
    assert set(hosts) == {h.spec for h in fake_hosts.hosts} and all(r["status"] == "ok" for r in hosts.values())
    sources = {e.source for e in events if isinstance(e, LogLines)}
    assert {h.spec for h in fake_hosts.hosts} <= sources  # every host streamed its own prefixed lines
    for row in hosts.values():
        assert (Path(row["wenv"]) / ".venv" / "bin" / "python").exists()

    _, local = await drain(engine.run(FLIGHT, engine.request_from_settings(FLIGHT, mode=0)))
    assert isinstance(local, OperationFinished), getattr(local, "error", "")
    events, spread = await drain(engine.run(FLIGHT, engine.request_from_settings(FLIGHT, mode=4)))
    assert isinstance(spread, OperationFinished), getattr(spread, "error", "")
    lines = [(e.source, line) for e in events if isinstance(e, LogLines) for line in e.lines]
    assert any('"through dask"' in line for _, line in lines)  # no shared folder: data travels via Dask
    for host in fake_hosts.hosts:  # each remote worker's own output reached the run log, tagged by host
        assert any(source == host.spec for source, _ in lines), f"no log line from {host.spec}"
    local_payload = json.loads(Path(local.result["reduce_path"]).read_text())["payload"]
    remote_payload = json.loads(Path(spread.result["reduce_path"]).read_text())["payload"]
    assert remote_payload == local_payload
    reports = {Path(p).name for p in spread.result["outputs"]}
    assert reports == {Path(p).name for p in local.result["outputs"]}


async def test_a_host_down_fails_alone_while_the_others_install(cluster_engine, fake_hosts, tmp_path, blackhole,
                                                               no_leftovers):
    engine = cluster_engine
    address, port = blackhole
    down = f"root@{address}:{port}"
    configure(engine, fake_hosts, tmp_path, extra={down: 1})
    _, last = await drain(engine.install(FLIGHT))
    assert isinstance(last, OperationFailed) and down in last.error
    hosts = {row["host"]: row for row in last.result["hosts"]}
    assert hosts[down]["status"] == "failed" and hosts[down]["step"] == "connect"
    assert all(hosts[h.spec]["status"] == "ok" for h in fake_hosts.hosts), hosts
    assert not engine.install_status(FLIGHT).reason or "INSTALL" in engine.install_status(FLIGHT).reason


async def test_cancelling_a_run_over_ssh_leaves_no_process_on_any_host(cluster_engine, fake_hosts, tmp_path,
                                                                      no_leftovers):
    engine = cluster_engine
    configure(engine, fake_hosts, tmp_path)
    _, last = await drain(engine.install(FLIGHT))
    assert isinstance(last, OperationFinished), getattr(last, "error", "")
    op = engine.run(FLIGHT, engine.request_from_settings(FLIGHT, mode=4))
    seen_remote = False
    async with op:
        async for event in op.events():
            if isinstance(event, LogLines) and event.source in {h.spec for h in fake_hosts.hosts}:
                seen_remote = True
                await op.cancel()
    assert seen_remote and op.cancelled
    # no_leftovers then checks, by PID through each sshd, that no worker survived on either host
