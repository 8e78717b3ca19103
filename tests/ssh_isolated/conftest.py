"""Session fixtures: isolated hosts (bare Debian, own filesystem) and one installed pair reused by the run tests.

Installing from scratch onto an isolated host is the slow part (the index, bytecode, Cython), so the
pair is installed once per session; the tests that need a fresh install start their own host.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from engine.events import LogLines
from engine.facade import Engine
from engine.workspace import Workspace
from tests.ssh.fakehosts import free_port, make_client_key

from .isolated import IsoHost, IsolatedHosts, TestUser, isolation_missing_reason

FLIGHT = "flight_telemetry_project"


async def drain(op: Any) -> tuple[list[Any], Any]:
    events = []
    async with op:
        async for event in op.events():
            events.append(event)
    return events, events[-1]


def log_lines(events: list[Any]) -> list[tuple[str, str]]:
    return [(e.source, line) for e in events if isinstance(e, LogLines) for line in e.lines]


def trust(workspace: Workspace, hosts: list[IsoHost]) -> None:
    from engine.ssh import trust_host_key

    async def all_hosts() -> None:
        for host in hosts:
            await trust_host_key(workspace, host.spec)

    asyncio.run(all_hosts())


def configure(engine: Engine, hosts: list[IsoHost], key: Path, *, scheduler_host: str = "127.0.0.1",
              cython: bool = True, **cluster: Any) -> None:
    settings = engine.settings(FLIGHT)
    settings.update_cluster(cluster_enabled=True, pool=True, cython=cython, ssh_key_path=str(key), verbose=2,
                            scheduler=f"{scheduler_host}:{free_port(scheduler_host)}", **cluster)
    settings.set_workers({h.spec: 1 for h in hosts})
    settings.save()


@pytest.fixture(scope="session")
def iso_key(tmp_path_factory: pytest.TempPathFactory) -> Path:
    reason = isolation_missing_reason()
    if reason:
        pytest.skip(reason)
    return make_client_key(tmp_path_factory.mktemp("isokey"))


@pytest.fixture(scope="session")
def iso_hosts(tmp_path_factory: pytest.TempPathFactory, iso_key: Path) -> Iterator[IsolatedHosts]:
    hosts = IsolatedHosts(tmp_path_factory.mktemp("isohosts"), iso_key.with_suffix(".pub"))
    try:
        yield hosts
    finally:
        hosts.down()


@pytest.fixture(scope="session")
def test_user() -> Iterator[TestUser]:
    user = TestUser.create()
    try:
        yield user
    finally:
        user.delete()


@dataclass
class InstalledPair:
    """Two isolated hosts installed from scratch in the same session workspace."""

    workspace: Workspace
    hosts: list[IsoHost]
    key: Path
    result: dict[str, Any]
    events: list[Any]
    seconds: float
    error: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def engine(self) -> Engine:
        return Engine(self.workspace)


@pytest.fixture(scope="session")
def installed_pair(tmp_path_factory: pytest.TempPathFactory, iso_hosts: IsolatedHosts, iso_key: Path) -> InstalledPair:
    """Pair ``iso1``/``iso2`` (index reachable), installed once with pool+cython+dask enabled."""
    from engine.events import OperationFinished

    workspace = Workspace(tmp_path_factory.mktemp("pairws"))
    hosts = [iso_hosts.start("iso1"), iso_hosts.start("iso2")]
    trust(workspace, hosts)
    engine = Engine(workspace)
    configure(engine, hosts, iso_key)
    started = time.perf_counter()
    events, last = asyncio.run(drain(engine.install(FLIGHT)))
    seconds = time.perf_counter() - started
    error = "" if isinstance(last, OperationFinished) else str(getattr(last, "error", last))
    return InstalledPair(workspace, hosts, iso_key, getattr(last, "result", {}) or {}, events, seconds, error)
