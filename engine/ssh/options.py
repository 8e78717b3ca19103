"""Where and how to connect: ``user@host[:port]`` specs and the client options around them."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_CONNECT_TIMEOUT = 10.0
DEFAULT_KEEPALIVE_INTERVAL = 5.0
DEFAULT_KEEPALIVE_COUNT_MAX = 3


@dataclass(frozen=True)
class HostSpec:
    """One host as written in settings: ``host``, ``user@host``, ``host:port`` or ``user@[v6]:port``."""

    host: str
    user: str | None = None
    port: int | None = None

    @classmethod
    def parse(cls, text: str) -> HostSpec:
        """Split ``user@host[:port]``; a bare IPv6 address keeps its colons."""
        user, sep, rest = text.rpartition("@")
        user_value = user if sep else None
        host, port = rest, None
        if rest.startswith("["):
            inner, _, tail = rest[1:].partition("]")
            host = inner
            if tail.startswith(":") and tail[1:].isdigit():
                port = int(tail[1:])
        elif rest.count(":") == 1:
            name, _, maybe_port = rest.partition(":")
            if maybe_port.isdigit():
                host, port = name, int(maybe_port)
        if not host:
            raise ValueError(f"'{text}' names no host")
        if port is not None and not 0 < port < 65536:
            raise ValueError(f"'{text}': port must be in 1-65535")
        return cls(host, user_value or None, port)

    @property
    def label(self) -> str:
        """The spec as the user wrote it, used in every message about this host."""
        text = f"{self.user}@{self.host}" if self.user else self.host
        if self.port is not None:
            text = f"[{text}]:{self.port}" if ":" in self.host else f"{text}:{self.port}"
        return text

    def __str__(self) -> str:
        return self.label


@dataclass
class ConnectOptions:
    """Client settings shared by every host of a pool; unset fields fall back to ``~/.ssh`` defaults.

    Host keys are always verified: against ``~/.ssh/known_hosts`` (when present) and the workspace's
    own ``known_hosts`` file. Secrets (password, passphrase) are excluded from ``repr``.
    """

    user: str | None = None
    key_path: str | None = None
    known_hosts_files: tuple[Path, ...] = ()
    use_user_known_hosts: bool = True
    ssh_config: tuple[Path, ...] | None = None
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT
    keepalive_interval: float = DEFAULT_KEEPALIVE_INTERVAL
    keepalive_count_max: int = DEFAULT_KEEPALIVE_COUNT_MAX
    password: str | None = field(default=None, repr=False)
    use_keys: bool = True
    """False for password logins: no key file, default key or agent is offered."""
    passphrase: str | None = field(default=None, repr=False)

    def config_files(self) -> list[str]:
        """The ssh_config files honoured: explicit ones, else ``~/.ssh/config`` when it exists."""
        if self.ssh_config is not None:
            return [str(p) for p in self.ssh_config if Path(p).exists()]
        default = Path.home() / ".ssh" / "config"
        return [str(default)] if default.exists() else []

    def all_known_hosts_files(self) -> list[Path]:
        """Every known_hosts file checked, user file first, existing ones only."""
        files: list[Path] = []
        if self.use_user_known_hosts:
            files.append(Path.home() / ".ssh" / "known_hosts")
        files.extend(Path(p) for p in self.known_hosts_files)
        return [p for p in files if p.exists()]

    def asyncssh_kwargs(self, spec: HostSpec) -> dict[str, Any]:
        """Keyword arguments for ``asyncssh.connect`` except ``known_hosts``; defaults stay asyncssh's."""
        kwargs: dict[str, Any] = {
            "config": self.config_files(),
            "connect_timeout": self.connect_timeout,
            "login_timeout": self.connect_timeout,
            "keepalive_interval": self.keepalive_interval,
            "keepalive_count_max": self.keepalive_count_max,
        }
        user = spec.user or self.user
        if user:
            kwargs["username"] = user
        if spec.port is not None:
            kwargs["port"] = spec.port
        if not self.use_keys:
            kwargs["client_keys"] = None
            kwargs["agent_path"] = None
        elif self.key_path:
            kwargs["client_keys"] = [os.path.expanduser(self.key_path)]
        if self.passphrase is not None:
            kwargs["passphrase"] = self.passphrase
        if self.password is not None:
            kwargs["password"] = self.password
        return kwargs

    def resolve(self, spec: HostSpec) -> tuple[str, int]:
        """The real host name and port after ``~/.ssh/config`` (HostName, Port) is applied."""
        import asyncssh

        kwargs = self.asyncssh_kwargs(spec)
        opts = asyncssh.SSHClientConnectionOptions(
            config=kwargs["config"], host=spec.host, port=kwargs.get("port", ()), known_hosts=None
        )
        return str(opts.host), int(opts.port)
