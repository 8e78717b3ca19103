"""Dask workers started over SSH, streamed live, and stopped by remote PID with a leak check."""

from __future__ import annotations

import asyncio
import collections
import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .connection import shell_command
from .errors import RemoteCommandError, SSHError
from .lines import HostLineSink, deliver
from .pool import SSHPool
from .remote_process import RemoteProcess

_ADDRESS_MARK = "Start worker at:"
_READY_MARK = "Registered to:"


@dataclass
class RemoteWorker:
    """One ``dask worker`` process on one host slot."""

    host: str
    name: str
    process: RemoteProcess
    address: str | None = None
    starts: int = 0
    tail: collections.deque[str] = field(default_factory=lambda: collections.deque(maxlen=20))
    ready: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def pid(self) -> int | None:
        return self.process.pid


class RemoteDaskWorkers:
    """The set of remote workers of one run; :meth:`stop` leaves none behind or raises."""

    def __init__(self, pool: SSHPool, sink: HostLineSink | None,
                 on_exit: Callable[[RemoteWorker], None] | None = None):
        self.pool = pool
        self.sink = sink
        self.on_exit = on_exit
        self.workers: list[RemoteWorker] = []
        self.exited: dict[str, str] = {}
        self._watchers: list[asyncio.Task[None]] = []

    def __repr__(self) -> str:
        return f"<RemoteDaskWorkers {[w.name for w in self.workers]} exited={self.exited}>"

    @property
    def pids(self) -> dict[str, list[int]]:
        """Host label -> remote PIDs (process-group leaders) of its workers."""
        out: dict[str, list[int]] = {}
        for worker in self.workers:
            if worker.pid is not None:
                out.setdefault(worker.host, []).append(worker.pid)
        return out

    def _line_sink(self, worker: RemoteWorker) -> HostLineSink:
        async def sink(host: str, line: str) -> None:
            worker.tail.append(line)
            if _ADDRESS_MARK in line:
                worker.address = line.split(_ADDRESS_MARK, 1)[1].strip()
                worker.starts += 1
            elif _READY_MARK in line:  # registered with the scheduler: usable from now on
                worker.ready.set()
            await deliver(self.sink, host, f"[{worker.name}] {line}")
        return sink

    async def _watch(self, worker: RemoteWorker) -> None:
        await worker.process.wait()
        if worker.process.stopping:
            return
        how = worker.process.describe_exit()
        self.exited[worker.name] = how
        worker.ready.set()  # wakes a start still waiting, which then reports the failure
        await deliver(self.sink, worker.host,
                      f"[engine] dask worker {worker.name} (pid {worker.pid}) on {worker.host} "
                      f"exited unexpectedly: {how}")
        if self.on_exit is not None:
            self.on_exit(worker)

    async def _launch(self, host_label: str, name: str, command: str) -> RemoteWorker:
        host = self.pool[host_label]
        worker = RemoteWorker(host.label, name, RemoteProcess(host, "", name=name))
        process = RemoteProcess(host, command, self._line_sink(worker), name=name)
        worker.process = process
        await process.start()
        self.workers.append(worker)
        self._watchers.append(asyncio.create_task(self._watch(worker)))
        return worker

    async def wait_ready(self, timeout: float) -> None:
        """Wait until every worker printed its address; raise naming the first host that failed."""
        async def one(worker: RemoteWorker) -> None:
            try:
                await asyncio.wait_for(worker.ready.wait(), timeout)
            except TimeoutError:
                raise RemoteCommandError(
                    worker.host, f"dask worker {worker.name} not ready after {timeout:g} s; last lines: "
                    + " | ".join(list(worker.tail)[-3:])) from None
            if worker.name in self.exited:
                raise RemoteCommandError(
                    worker.host, f"dask worker {worker.name} exited at start ({self.exited[worker.name]}); "
                    "last lines: " + " | ".join(list(worker.tail)[-5:]))
        await asyncio.gather(*(one(w) for w in self.workers))

    async def stop(self, grace: float = 5.0) -> None:
        """Kill every worker by remote PID (TERM, then KILL) and verify that none is left on any host."""
        results = await asyncio.gather(*(w.process.stop(grace) for w in self.workers), return_exceptions=True)
        for watcher in self._watchers:
            watcher.cancel()
        await asyncio.gather(*self._watchers, return_exceptions=True)
        errors = [r for r in results if isinstance(r, BaseException)]
        leftovers = await self.leftover_pids()
        if leftovers:
            detail = ", ".join(f"{h}: {p}" for h, p in leftovers.items())
            raise RemoteCommandError(next(iter(leftovers)), f"dask worker processes left behind: {detail}")
        if errors:
            raise errors[0]

    async def leftover_pids(self) -> dict[str, list[int]]:
        """Host -> worker PIDs (or members of their groups) still alive; zombies count as dead."""
        out: dict[str, list[int]] = {}
        for host_label, pids in self.pids.items():
            try:
                alive = await self.pool[host_label].alive_pids(pids)
            except SSHError:
                alive = pids  # cannot check means cannot claim they are gone
            if alive:
                out[host_label] = alive
        return out


def worker_command(python: str, scheduler_address: str, host_address: str, name: str, *,
                   local_directory: str | None, nanny: bool, extra_args: tuple[str, ...] = ()) -> str:
    """The ``dask worker`` command line for one slot, every address pinned."""
    args = [python, "-m", "distributed.cli.dask_worker", scheduler_address, "--host", host_address,
            "--nthreads", "1", "--no-dashboard", "--name", name]
    if local_directory:
        args += ["--local-directory", f"{local_directory.rstrip('/')}/{name}"]
    if not nanny:
        args.append("--no-nanny")
    args += list(extra_args)
    return " ".join(shlex.quote(a) for a in args)


async def start_remote_dask_workers(
    pool: SSHPool,
    scheduler_address: str,
    workers: Mapping[str, int],
    python: str,
    cwd: str | Path | None = None,
    env: Mapping[str, str] | None = None,
    *,
    sink: HostLineSink | None = None,
    on_exit: Callable[[RemoteWorker], None] | None = None,
    local_directory: str | None = None,
    nanny: bool = True,
    ready_timeout: float = 60.0,
    extra_args: tuple[str, ...] = (),
) -> RemoteDaskWorkers:
    """Start ``workers[host]`` dask workers on each host over SSH and wait until all are registered.

    Args:
        pool: connected to every host in ``workers`` (``pool.connect`` first).
        scheduler_address: ``tcp://ip:port`` reachable from the hosts.
        workers: host spec -> slot count; worker names are ``<host>-<i>``.
        python: absolute path of the worker-env python on the hosts.
        cwd: remote working folder (task modules must be importable from there).
        env: extra environment, put inline since sshd ignores env requests.
        sink: receives (host, line) for every worker output line, for the whole run.
        on_exit: called with a worker that exits without :meth:`RemoteDaskWorkers.stop`.
        local_directory: remote scratch base; each worker gets ``<base>/<name>``.
        nanny: keep Dask's nanny, which restarts a killed worker process.
        ready_timeout: seconds to wait for every worker to announce its address.

    Raises:
        RemoteCommandError: a worker failed to start; every started worker is stopped first.
    """
    group = RemoteDaskWorkers(pool, sink, on_exit)
    plans: list[tuple[str, str, str]] = []
    for host_label, slots in workers.items():
        host = pool[host_label]
        address, _ = host.options.resolve(host.spec)
        for i in range(slots):
            name = f"{host.spec.host}-{i}"
            command = worker_command(python, scheduler_address, address, name,
                                     local_directory=local_directory, nanny=nanny, extra_args=extra_args)
            full = shell_command(command, cwd=cwd, env=env, exec_=True)
            plans.append((host.label, name, full))
    try:
        launched = await asyncio.gather(*(group._launch(h, n, c) for h, n, c in plans),
                                        return_exceptions=True)
        failures = [r for r in launched if isinstance(r, BaseException)]
        if failures:
            raise failures[0]
        await group.wait_ready(ready_timeout)
    except BaseException:
        await asyncio.shield(group.stop())
        raise
    return group
