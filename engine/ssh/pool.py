"""Connections to many hosts at once: concurrent connect, per-host errors, one close for all."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import TYPE_CHECKING

from .connection import RunResult, SSHHost
from .errors import AuthenticationError, SSHError
from .known_hosts import workspace_known_hosts
from .options import ConnectOptions, HostSpec

if TYPE_CHECKING:
    from ..settings import ClusterSettings
    from ..workspace import Workspace


def pool_options(workspace: Workspace, cluster: ClusterSettings | None = None, *,
                 password: str | None = None, connect_timeout: float | None = None) -> ConnectOptions:
    """Client options from ``[cluster]`` (user, ssh_key_path) plus the workspace known_hosts file.

    The password, when the auth method needs one, comes from the caller (secrets or a prompt) and is
    held in memory only.
    """
    options = ConnectOptions(known_hosts_files=(workspace_known_hosts(workspace),), password=password)
    if cluster is not None:
        options.user = cluster.user or None
        options.key_path = cluster.ssh_key_path or None
        if getattr(cluster, "auth_method", "ssh_key") == "password":
            from .credentials import recall_password

            options.password = password or recall_password(workspace.root)
            if not options.password:
                raise AuthenticationError(
                    "all hosts", "[cluster] auth_method is 'password' but no SSH password was given: enter it "
                    "when ORCHESTRATE asks, or pass --ask-password on the command line")
            options.use_keys = False  # the password is what was asked for: no key or agent is tried
    if connect_timeout is not None:
        options.connect_timeout = connect_timeout
    return options


class SSHPool:
    """One :class:`SSHHost` per host, connected concurrently; failed hosts are kept in ``errors``."""

    def __init__(self, options: ConnectOptions | None = None):
        self.options = options or ConnectOptions()
        self.hosts: dict[str, SSHHost] = {}
        self.errors: dict[str, SSHError] = {}

    def __repr__(self) -> str:
        return f"<SSHPool connected={sorted(self.hosts)} failed={sorted(self.errors)}>"

    def __getitem__(self, host: str) -> SSHHost:
        try:
            return self.hosts[HostSpec.parse(host).label]
        except KeyError:
            error = self.errors.get(HostSpec.parse(host).label)
            raise error or SSHError(host, "not in this pool") from None

    async def connect(self, hosts: Iterable[str], *, require_all: bool = False) -> dict[str, SSHError]:
        """Connect to every host concurrently; return the failures (host label -> error).

        Args:
            hosts: host specs (``user@host[:port]``); already connected ones are reused.
            require_all: raise the first failure (after every attempt finished) instead of returning.
        """
        specs = [HostSpec.parse(h) for h in hosts]
        todo = [SSHHost(s, self.options) for s in specs if s.label not in self.hosts]
        results = await asyncio.gather(*(h.connect() for h in todo), return_exceptions=True)
        failures: dict[str, SSHError] = {}
        for host, result in zip(todo, results, strict=True):
            if isinstance(result, SSHError):
                failures[host.label] = result
            elif isinstance(result, BaseException):
                failures[host.label] = SSHError(host.label, f"connection failed: {result!r}")
            else:
                self.hosts[host.label] = host
                self.errors.pop(host.label, None)
        self.errors.update(failures)
        if require_all and failures:
            raise next(iter(failures.values()))
        return failures

    async def run_all(self, command: str, *, timeout: float | None = None) -> dict[str, RunResult | SSHError]:
        """Run ``command`` on every connected host concurrently."""
        hosts = list(self.hosts.values())
        results = await asyncio.gather(*(h.run(command, timeout=timeout) for h in hosts), return_exceptions=True)
        out: dict[str, RunResult | SSHError] = {}
        for host, result in zip(hosts, results, strict=True):
            if isinstance(result, BaseException) and not isinstance(result, SSHError):
                result = SSHError(host.label, f"'{command}' failed: {result!r}")
            out[host.label] = result  # type: ignore[assignment]
        return out

    async def close(self) -> None:
        """Close every connection (remote processes must be stopped before, see RemoteProcess.stop)."""
        hosts, self.hosts = list(self.hosts.values()), {}
        await asyncio.gather(*(h.close() for h in hosts), return_exceptions=True)

    async def __aenter__(self) -> SSHPool:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
