"""Host key checks: the workspace's own known_hosts file and the explicit trust action that fills it."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..atomic import atomic_write_text, file_lock
from .errors import HostKeyChangedError, HostUnreachableError, UnknownHostKeyError
from .options import ConnectOptions, HostSpec

if TYPE_CHECKING:
    from ..workspace import Workspace


def workspace_known_hosts(workspace: Workspace) -> Path:
    """``<workspace root>/ssh/known_hosts``: keys trusted through agilab-tui, checked with ``~/.ssh``'s."""
    return workspace.root / "ssh" / "known_hosts"


def known_hosts_pattern(host: str, port: int) -> str:
    """The OpenSSH known_hosts host field: ``host`` for port 22, ``[host]:port`` otherwise."""
    return host if port == 22 else f"[{host}]:{port}"


def load_known_hosts(files: list[Path]) -> Any:
    """Parse and merge the given known_hosts files into one asyncssh ``SSHKnownHosts``."""
    import asyncssh

    text = "\n".join(p.read_text("utf-8", "replace") for p in files if p.exists())
    return asyncssh.import_known_hosts(text)


def recorded_keys(files: list[Path], host: str, port: int) -> list[Any]:
    """Every key the files record for ``host`` at ``port`` (empty when the host is unknown)."""
    known = load_known_hosts(files)
    trusted, *_ = known.match(host, host, port)
    return list(trusted)


def fingerprint(key: Any) -> str:
    """OpenSSH-style SHA256 fingerprint of a public key."""
    return str(key.get_fingerprint("sha256"))


async def fetch_host_key(spec: HostSpec, options: ConnectOptions) -> Any:
    """Read the key a server presents, without authenticating; errors name the host."""
    import asyncio

    import asyncssh

    host, port = options.resolve(spec)
    try:
        key = await asyncio.wait_for(
            asyncssh.get_server_host_key(host, port, config=options.config_files()),
            options.connect_timeout,
        )
    except (TimeoutError, OSError, asyncssh.Error) as exc:
        raise HostUnreachableError(spec.label, f"cannot read its host key: {exc or type(exc).__name__}") from exc
    if key is None:
        raise HostUnreachableError(spec.label, "server presented no host key")
    return key


async def classify_rejected_key(spec: HostSpec, options: ConnectOptions) -> Exception:
    """After a failed verification, tell an unknown key from a changed one."""
    host, port = options.resolve(spec)
    key = await fetch_host_key(spec, options)
    known = recorded_keys(options.all_known_hosts_files(), host, port)
    if known:
        return HostKeyChangedError(spec.label, fingerprint(key), port)
    return UnknownHostKeyError(spec.label, fingerprint(key), port)


async def trust_host_key(
    workspace: Workspace,
    host: str,
    port: int | None = None,
    *,
    expected_fingerprint: str | None = None,
    options: ConnectOptions | None = None,
) -> str:
    """Record the key ``host`` presents now in the workspace known_hosts file; return its fingerprint.

    Args:
        workspace: whose ``ssh/known_hosts`` receives the key.
        host: ``host``, ``user@host`` or ``host:port`` as in settings.
        port: overrides the port of ``host`` (else ``~/.ssh/config``, else 22).
        expected_fingerprint: when given (the one the user was shown), a different key is refused.
        options: client options (ssh_config); defaults to the user's.

    Raises:
        HostKeyChangedError: a different key is already recorded for this host; never overwritten.
        UnknownHostKeyError: ``expected_fingerprint`` does not match what the server presents.
    """
    spec = HostSpec.parse(host)
    if port is not None:
        spec = HostSpec(spec.host, spec.user, port)
    options = options or ConnectOptions()
    target = workspace_known_hosts(workspace)
    files = [*options.all_known_hosts_files(), target]
    real_host, real_port = options.resolve(spec)
    key = await fetch_host_key(spec, options)
    printed = fingerprint(key)
    if expected_fingerprint is not None and expected_fingerprint != printed:
        raise UnknownHostKeyError(spec.label, printed, real_port)
    with file_lock(target):
        known = recorded_keys(files, real_host, real_port)
        if any(k.public_data == key.public_data for k in known):
            return printed
        if known:
            raise HostKeyChangedError(spec.label, printed, real_port)
        line_key = key.export_public_key("openssh").decode().split()
        line = f"{known_hosts_pattern(real_host, real_port)} {line_key[0]} {line_key[1]}\n"
        old = target.read_text("utf-8") if target.exists() else ""
        if old and not old.endswith("\n"):
            old += "\n"
        atomic_write_text(target, old + line, mode=0o600)
    return printed
