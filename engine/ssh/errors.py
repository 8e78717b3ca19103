"""SSH errors, each naming the host it is about so a user knows which machine to fix."""

from __future__ import annotations

from ..errors import AgilabError


class SSHError(AgilabError):
    """Base of every SSH failure; ``host`` is the host as the user wrote it."""

    def __init__(self, host: str, message: str):
        self.host = host
        super().__init__(f"{host}: {message}")


class HostUnreachableError(SSHError):
    """The TCP connection or SSH handshake did not complete (refused, no route, or timed out)."""


class AuthenticationError(SSHError):
    """The server refused every credential offered (key file, default keys, agent, password)."""


class UnknownHostKeyError(SSHError):
    """The server's host key is in no known_hosts file; it must be trusted explicitly first."""

    def __init__(self, host: str, fingerprint: str, port: int = 22):
        self.fingerprint = fingerprint
        self.port = port
        super().__init__(
            host,
            f"unknown host key {fingerprint} (port {port}); verify it, then trust it explicitly "
            "('agilab-tui trust-host HOST --fingerprint FP' or engine.ssh.trust_host_key) before connecting",
        )


class HostKeyChangedError(SSHError):
    """The server presents a key different from the one recorded: refused, possible impersonation."""

    def __init__(self, host: str, fingerprint: str, port: int = 22):
        self.fingerprint = fingerprint
        self.port = port
        super().__init__(
            host,
            f"HOST KEY CHANGED: server now presents {fingerprint} (port {port}), which differs from the "
            "recorded key; connection refused. Remove the old entry only if you know why it changed",
        )


class RemoteCommandError(SSHError):
    """A remote command failed to start, exited badly, or a remote process could not be stopped."""
