"""A long-running remote process whose PID is known, so it can be stopped for sure over SSH."""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any, Protocol

from .errors import RemoteCommandError
from .lines import HostLineSink, pump_lines


class ProcessHost(Protocol):
    """What a remote process needs of its host (an :class:`~.connection.SSHHost`)."""

    @property
    def label(self) -> str: ...

    def _require(self) -> Any: ...

    async def kill(self, pids: list[int], signal: str = "TERM", *, group: bool = True) -> None: ...

    async def alive_pids(self, pids: list[int]) -> list[int]: ...


class RemoteProcess:
    """A remote command started as ``echo $$; exec …`` so its PID (a process-group leader) is known.

    Closing the SSH channel does not kill a command without a PTY, and OpenSSH ignores signal
    requests for root logins, so :meth:`stop` kills by PID over a second channel and then checks.
    """

    def __init__(self, host: ProcessHost, command: str, sink: HostLineSink | None = None, *, name: str = ""):
        self.host = host
        self.command = command
        self.sink = sink
        self.name = name or host.label
        self.pid: int | None = None
        self.exit_status: int | None = None
        self.exit_signal: str | None = None
        self.stopping = False
        self._proc: Any = None
        self._pumps: list[asyncio.Task[None]] = []
        self._done = asyncio.Event()

    def __repr__(self) -> str:
        state = "running" if self.running else f"exited({self.describe_exit()})"
        return f"<RemoteProcess {self.name} on {self.host.label} pid={self.pid} {state}>"

    @property
    def running(self) -> bool:
        return self._proc is not None and not self._done.is_set()

    async def start(self) -> None:
        """Start the command, read its PID line, then keep draining both streams for its whole life."""
        conn = self.host._require()
        self._proc = await conn.create_process(f"echo $$; {self.command}")
        try:
            first = await self._proc.stdout.readline()
        except asyncio.CancelledError:
            # The command already runs remotely and closing the channel would orphan it: kill it first.
            with contextlib.suppress(Exception):
                line = await asyncio.wait_for(self._proc.stdout.readline(), 5)
                if line.strip().isdigit():
                    self.pid = int(line)
                    await self.stop(grace=1.0)
            raise
        if not first.strip().isdigit():
            await self._proc.wait()
            raise RemoteCommandError(self.host.label, f"could not start '{self.command}': {first.strip()!r}")
        self.pid = int(first)
        self._pumps = [
            asyncio.create_task(pump_lines(self._proc.stdout, self.host.label, self.sink)),
            asyncio.create_task(pump_lines(self._proc.stderr, self.host.label, self.sink)),
        ]
        asyncio.create_task(self._watch())

    async def _watch(self) -> None:
        with contextlib.suppress(Exception):
            await asyncio.gather(*self._pumps)
            await self._proc.wait()
        self.exit_status = self._proc.exit_status
        signal = getattr(self._proc, "exit_signal", None)
        self.exit_signal = signal[0] if signal else None
        self._done.set()

    def describe_exit(self) -> str:
        """``status N``, ``signal KILL`` or ``connection lost``."""
        if self.exit_signal:
            return f"signal {self.exit_signal}"
        if self.exit_status is None or self.exit_status == -1:
            return "connection lost"
        return f"status {self.exit_status}"

    async def wait(self, timeout: float | None = None) -> bool:
        """Wait until the process (its channel) ends; return False on timeout."""
        try:
            await asyncio.wait_for(self._done.wait(), timeout)
            return True
        except TimeoutError:
            return False

    async def stop(self, grace: float = 5.0) -> None:
        """TERM the process group by PID, KILL it after ``grace`` s, then verify nothing of it is left.

        Raises:
            RemoteCommandError: a process of the group is still alive after SIGKILL.
        """
        if self.pid is None:
            return
        self.stopping = True
        await self.host.kill([self.pid], "TERM")
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline:
            if not await self.host.alive_pids([self.pid]):
                break
            await asyncio.sleep(0.1)
        else:
            await self.host.kill([self.pid], "KILL")
        for _ in range(50):
            if not await self.host.alive_pids([self.pid]):
                await self.wait(2.0)
                return
            await asyncio.sleep(0.1)
        raise RemoteCommandError(self.host.label, f"process {self.pid} ({self.name}) survived SIGKILL")
