"""One SSH host: verified connection, remote commands with streamed lines, processes, file shipping."""

from __future__ import annotations

import asyncio
import contextlib
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import AuthenticationError, HostUnreachableError, RemoteCommandError, SSHError
from .known_hosts import classify_rejected_key, load_known_hosts
from .lines import HostLineSink, deliver, pump_lines
from .options import ConnectOptions, HostSpec
from .remote_process import RemoteProcess

__all__ = ["HostLineSink", "RunResult", "SSHHost", "deliver", "shell_command"]


@dataclass(frozen=True)
class RunResult:
    """Outcome of a remote command run to completion."""

    host: str
    exit_status: int | None
    stdout: str
    stderr: str


def shell_command(command: str, *, cwd: str | Path | None = None, env: Mapping[str, str] | None = None,
                  exec_: bool = False) -> str:
    """Wrap ``command`` with ``cd`` and ``env`` inline, since sshd drops ``env`` requests without AcceptEnv.

    With ``exec_`` the shell is replaced by the command, so the shell's PID becomes the command's.
    """
    parts = []
    if cwd is not None:
        parts.append(f"cd {shlex.quote(str(cwd))} &&")
    if exec_:
        parts.append("exec")
    if env:
        parts.append("env " + " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items()))
    parts.append(command)
    return " ".join(parts)


class SSHHost:
    """A connection to one host, opened with host-key verification; every error names the host."""

    def __init__(self, spec: HostSpec | str, options: ConnectOptions | None = None):
        self.spec = spec if isinstance(spec, HostSpec) else HostSpec.parse(spec)
        self.options = options or ConnectOptions()
        self.conn: Any = None

    @property
    def label(self) -> str:
        return self.spec.label

    @property
    def address(self) -> str:
        """The bare host name or address (no user, no port), e.g. for ``dask worker --host``."""
        return self.spec.host

    def __repr__(self) -> str:
        state = "connected" if self.conn is not None else "closed"
        return f"<SSHHost {self.label} {state}>"

    async def connect(self) -> SSHHost:
        """Open the connection; raise a host-named :class:`SSHError` on any failure."""
        import asyncssh

        if self.conn is not None:
            return self
        known = load_known_hosts(self.options.all_known_hosts_files())
        kwargs = self.options.asyncssh_kwargs(self.spec)
        timeout = self.options.connect_timeout
        try:
            # wait_for bounds DNS + TCP + handshake + auth together, whatever asyncssh does inside.
            self.conn = await asyncio.wait_for(
                asyncssh.connect(self.spec.host, known_hosts=known, **kwargs), timeout + 1.0
            )
        except asyncssh.HostKeyNotVerifiable as exc:
            raise await classify_rejected_key(self.spec, self.options) from exc
        except asyncssh.PermissionDenied as exc:
            raise AuthenticationError(
                self.label, f"authentication refused ({exc.reason or 'no accepted key or password'})"
            ) from exc
        except TimeoutError as exc:
            raise HostUnreachableError(self.label, f"no SSH answer within {timeout:g} s") from exc
        except OSError as exc:
            raise HostUnreachableError(self.label, f"cannot connect: {exc.strerror or exc}") from exc
        except asyncssh.Error as exc:
            raise HostUnreachableError(self.label, f"SSH handshake failed: {exc.reason}") from exc
        return self

    def _require(self) -> Any:
        if self.conn is None:
            raise SSHError(self.label, "not connected")
        return self.conn

    async def run(self, command: str, *, check: bool = False, timeout: float | None = None,
                  input: str | None = None) -> RunResult:
        """Run ``command`` to completion and return its output; ``check`` raises on a non-zero exit."""
        import asyncssh

        conn = self._require()
        try:
            result = await conn.run(command, check=False, timeout=timeout, input=input)
        except asyncssh.Error as exc:
            raise RemoteCommandError(self.label, f"'{command}': {exc.reason}") from exc
        out = result.stdout if isinstance(result.stdout, str) else ""
        err = result.stderr if isinstance(result.stderr, str) else ""
        if check and result.exit_status != 0:
            tail = (err.strip().splitlines() or ["no stderr"])[-1]
            raise RemoteCommandError(self.label, f"'{command}' exited with {result.exit_status}: {tail}")
        return RunResult(self.label, result.exit_status, out, err)

    async def stream(self, command: str, sink: HostLineSink, *, cwd: str | Path | None = None,
                     env: Mapping[str, str] | None = None) -> int | None:
        """Run ``command``, feeding each stdout/stderr line to ``sink(host, line)``; return the exit status."""
        conn = self._require()
        async with conn.create_process(shell_command(command, cwd=cwd, env=env)) as proc:
            await asyncio.gather(pump_lines(proc.stdout, self.label, sink),
                                 pump_lines(proc.stderr, self.label, sink))
            await proc.wait()
            return proc.exit_status

    async def start(self, command: str, sink: HostLineSink | None = None, *, cwd: str | Path | None = None,
                    env: Mapping[str, str] | None = None, name: str = "") -> RemoteProcess:
        """Start a long-running remote process and learn its PID; see :class:`RemoteProcess`."""
        process = RemoteProcess(self, shell_command(command, cwd=cwd, env=env, exec_=True), sink, name=name)
        await process.start()
        return process

    async def alive_pids(self, pids: list[int]) -> list[int]:
        """Those of ``pids`` (or their process groups) still alive on the host; zombies count as dead."""
        if not pids:
            return []
        wanted = " ".join(str(int(p)) for p in pids)
        # A PID is alive when it, or any member of the group it leads, is running and not a zombie.
        script = (f"ps -eo pid=,pgid=,stat= | awk -v want='{wanted}' "
                  "'BEGIN{n=split(want,w,\" \");for(i=1;i<=n;i++)W[w[i]]=1} "
                  "$3 !~ /^Z/ && (($1 in W) || ($2 in W)) {print ($2 in W)?$2:$1}' | sort -u")
        result = await self.run(script, check=True)
        return sorted({int(x) for x in result.stdout.split()})

    async def kill(self, pids: list[int], signal: str = "TERM", *, group: bool = True) -> None:
        """Send ``signal`` to each PID (and its process group) over a fresh channel of this connection."""
        if not pids:
            return
        # One kill per target so that a gone group does not stop the others; errors are expected.
        script = "; ".join(
            [f"kill -{signal} -- -{int(p)} 2>/dev/null; kill -{signal} {int(p)} 2>/dev/null" if group
             else f"kill -{signal} {int(p)} 2>/dev/null" for p in pids]
        ) + "; true"
        await self.run(script)

    async def put_tree(self, local: str | Path, remote: str) -> int:
        """Copy a local folder tree into ``remote`` over SFTP (created when missing); return the file count."""
        import asyncssh

        source = Path(local)
        if not source.is_dir():
            raise RemoteCommandError(self.label, f"cannot ship '{source}': not a folder")
        conn = self._require()
        count = 0
        try:
            async with conn.start_sftp_client() as sftp:
                await sftp.makedirs(remote, exist_ok=True)
                for path in sorted(source.rglob("*")):
                    target = f"{remote.rstrip('/')}/{path.relative_to(source).as_posix()}"
                    if path.is_dir():
                        await sftp.makedirs(target, exist_ok=True)
                    elif path.is_file():
                        await sftp.put(str(path), target, preserve=True)
                        count += 1
        except (asyncssh.Error, OSError) as exc:
            raise RemoteCommandError(self.label, f"shipping '{source}' to '{remote}' failed: {exc}") from exc
        return count

    async def close(self) -> None:
        """Close the connection; remote processes without a PTY survive this, so stop them first."""
        conn, self.conn = self.conn, None
        if conn is not None:
            conn.close()
            with contextlib.suppress(Exception):
                await conn.wait_closed()
