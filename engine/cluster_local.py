"""A Dask scheduler and ``dask worker`` processes on this machine, started as the SSH path starts them.

Every address is pinned to loopback; each process's output is streamed for the whole run; stop()
kills every process group and checks that none is left.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from pathlib import Path
from typing import Any

from workers.plan import host_name

from .errors import RunError
from .operation import OperationContext
from .proc import ChildProcess, clean_child_env

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


def is_local_host(host: str) -> bool:
    """A plain loopback name runs here; ``user@host`` or ``host:sshport`` always means "over SSH"."""
    if "@" in host or host.count(":") == 1:
        return False
    return host in LOCAL_HOSTS or host.startswith("127.")


class LocalDaskCluster:
    """Scheduler + one single-threaded worker per slot, named ``<host>-<i>`` like the work plan slots."""

    def __init__(self, python: Path, workers: dict[str, int], workdir: Path, ctx: OperationContext, *,
                 scheduler: str = "127.0.0.1:0", remote: Any = None):
        self.python = python
        self.workers = {h: n for h, n in workers.items() if is_local_host(h)}
        self.workdir = workdir
        self.ctx = ctx
        self.scheduler_bind = scheduler
        self.remote = remote
        """A :class:`engine.cluster_remote.RemoteWorkerGroup` for the hosts that are not this machine."""
        self.processes: list[ChildProcess] = []
        self._pumps: list[asyncio.Task[int]] = []
        self.address = ""

    async def _spawn(self, argv: list[str], source: str) -> ChildProcess:
        child = ChildProcess(argv, cwd=self.workdir, env=clean_child_env())
        await child.start()
        self.processes.append(child)

        async def sink(_stream: str, line: str) -> None:
            await self.ctx.log(line, source)

        self._pumps.append(asyncio.create_task(child.stream(sink)))
        return child

    async def start(self) -> str:
        self.workdir.mkdir(parents=True, exist_ok=True)
        bind_host, _, bind_port = self.scheduler_bind.rpartition(":")
        scheduler_file = self.workdir / "scheduler.json"
        scheduler_file.unlink(missing_ok=True)
        await self._spawn([str(self.python), "-m", "distributed.cli.dask_scheduler", "--host", bind_host,
                           "--port", bind_port, "--no-dashboard", "--scheduler-file", str(scheduler_file)],
                          "scheduler")
        for _ in range(600):
            if scheduler_file.exists():
                with contextlib.suppress(json.JSONDecodeError):
                    self.address = json.loads(scheduler_file.read_text())["address"]
                    break
            if self.processes[0].process and self.processes[0].process.returncode is not None:
                raise RunError("the Dask scheduler exited during start-up (see the scheduler lines in the log)")
            await asyncio.sleep(0.05)
        else:
            raise RunError("the Dask scheduler did not start within 30 s")
        await self.ctx.log(f"dask scheduler at {self.address}", "engine")
        for host, slots in self.workers.items():
            for index in range(slots):
                name = f"{host_name(host)}-{index}"
                await self._spawn([str(self.python), "-m", "distributed.cli.dask_worker", self.address,
                                   "--host", "127.0.0.1", "--nthreads", "1", "--no-dashboard", "--no-nanny",
                                   "--name", name, "--memory-limit", "0",
                                   "--local-directory", str(self.workdir / name)], name)
        if self.remote is not None:
            await self.remote.start(self.address)
        return self.address

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self.processes if p.pid]

    async def stop(self) -> None:
        """Kill remote workers, local workers, then the scheduler, and wait for every output pump to drain."""
        if self.remote is not None:
            await self.remote.stop()
        for child in reversed(self.processes):
            await child.kill(grace=3.0)
        for pump in self._pumps:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(pump, 5)
        survivors = [p.pid for p in self.processes if p.process and p.process.returncode is None]
        if survivors:
            raise RunError(f"Dask processes still alive after stop: {survivors}")
