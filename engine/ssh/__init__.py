"""SSH layer on asyncssh: verified connections, remote processes, file shipping, remote Dask workers.

asyncssh is imported lazily inside functions, so importing this package stays cheap.
"""

from __future__ import annotations

from .connection import HostLineSink, RunResult, SSHHost, shell_command
from .dask_workers import RemoteDaskWorkers, RemoteWorker, start_remote_dask_workers
from .errors import (
    AuthenticationError,
    HostKeyChangedError,
    HostUnreachableError,
    RemoteCommandError,
    SSHError,
    UnknownHostKeyError,
)
from .known_hosts import trust_host_key, workspace_known_hosts
from .options import ConnectOptions, HostSpec
from .pool import SSHPool, pool_options
from .remote_process import RemoteProcess

__all__ = [
    "AuthenticationError",
    "ConnectOptions",
    "HostKeyChangedError",
    "HostLineSink",
    "HostSpec",
    "HostUnreachableError",
    "RemoteCommandError",
    "RemoteDaskWorkers",
    "RemoteProcess",
    "RemoteWorker",
    "RunResult",
    "SSHError",
    "SSHHost",
    "SSHPool",
    "UnknownHostKeyError",
    "pool_options",
    "shell_command",
    "start_remote_dask_workers",
    "trust_host_key",
    "workspace_known_hosts",
]
