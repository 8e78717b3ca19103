"""Fixtures for SSH tests: two real OpenSSH fake hosts, a throwaway key, a trusted workspace."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.workspace import Workspace

from .fakehosts import FakeHost, FakeHosts, make_client_key, sshd_missing_reason, write_ssh_config


@pytest.fixture(scope="session")
def client_key(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Throwaway ed25519 client key (private key path; ``.pub`` beside it)."""
    reason = sshd_missing_reason()
    if reason:
        pytest.skip(reason)
    return make_client_key(tmp_path_factory.mktemp("clientkey"))


@pytest.fixture(scope="session")
def fake_hosts(tmp_path_factory: pytest.TempPathFactory, client_key: Path) -> Iterator[FakeHosts]:
    """Two fake hosts, each its own sshd (own netns when possible), shared by the session."""
    hosts = FakeHosts(tmp_path_factory.mktemp("fakehosts"), client_key.with_suffix(".pub"))
    try:
        hosts.up(2)
        yield hosts
    finally:
        hosts.down()


@pytest.fixture
def host1(fake_hosts: FakeHosts) -> FakeHost:
    return fake_hosts.hosts[0]


@pytest.fixture
def host2(fake_hosts: FakeHosts) -> FakeHost:
    return fake_hosts.hosts[1]


@pytest.fixture
def ssh_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_hosts: FakeHosts, client_key: Path) -> Path:
    """An isolated HOME with a ``~/.ssh/config`` for the fake hosts and no agent, like a user's set-up."""
    home = tmp_path / "home"
    write_ssh_config(home, fake_hosts.hosts, client_key)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("SSH_AUTH_SOCK", raising=False)
    return home


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    root = tmp_path / "ws"
    monkeypatch.setenv("AGILAB_TUI_HOME", str(root))
    return Workspace(root)


@pytest.fixture
async def trusted_workspace(workspace: Workspace, ssh_home: Path, fake_hosts: FakeHosts) -> Workspace:
    """A workspace whose known_hosts holds both fake hosts' keys (through the explicit trust action)."""
    from engine.ssh import trust_host_key

    for host in fake_hosts.hosts:
        await trust_host_key(workspace, host.spec)
    return workspace


@pytest.fixture
def blackhole() -> Iterator[tuple[str, int]]:
    """A TCP port that accepts connections but never speaks: an SSH client can only time out."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    try:
        yield "127.0.0.1", int(sock.getsockname()[1])
    finally:
        sock.close()


@pytest.fixture
def no_leftovers(fake_hosts: FakeHosts) -> Iterator[FakeHosts]:
    """Fail the test if any process started through a fake host is still alive afterwards (by PID)."""
    yield fake_hosts
    left = fake_hosts.wait_clean(timeout=10.0)
    assert not left, f"processes left on fake hosts: {left}"
