"""Dask workers on remote hosts for a cluster run, started over SSH from their installed environments."""

from __future__ import annotations

from typing import Any

from .errors import RunError
from .operation import OperationContext
from .remote_install import _expand_home, remote_root, remote_wenv
from .settings import ClusterSettings
from .workspace import AppProject, Workspace

REMOTE_DEATH_TIMEOUT = 30
"""Seconds a remote Dask worker waits for a lost scheduler before it closes itself."""


class RemoteWorkerGroup:
    """``dask worker`` processes on every remote host of the worker map, each streamed and stopped by PID."""

    def __init__(self, workspace: Workspace, app: AppProject, cluster: ClusterSettings, workers: dict[str, int],
                 ctx: OperationContext):
        self.workspace = workspace
        self.app = app
        self.cluster = cluster
        self.workers = workers
        self.ctx = ctx
        self.pool: Any = None
        self.groups: list[Any] = []
        self.died: list[str] = []

    async def start(self, scheduler_address: str) -> None:
        from .ssh import SSHPool, pool_options, start_remote_dask_workers

        self.pool = SSHPool(pool_options(self.workspace, self.cluster))
        failures = await self.pool.connect(list(self.workers))
        if failures:
            raise RunError("cannot reach worker host(s): " + "; ".join(str(e) for e in failures.values()))

        async def sink(host: str, line: str) -> None:
            await self.ctx.log(line, host)

        def exited(worker: Any) -> None:
            self.died.append(getattr(worker, "name", str(worker)))

        for host, slots in self.workers.items():
            ssh_host = self.pool[host]
            wenv = remote_wenv(await _expand_home(ssh_host, remote_root(self.cluster, host)), self.app)
            await self.ctx.log(f"starting {slots} dask worker(s) from {wenv}", host)
            group = await start_remote_dask_workers(
                self.pool, scheduler_address, {host: slots}, f"{wenv}/.venv/bin/python", cwd=wenv,
                sink=sink, on_exit=exited, local_directory=f"{wenv}/dask", nanny=False,
                # The scheduler dies with the engine (parent-death signal); a worker over SSH then
                # has no parent here to die with, so it closes once the scheduler stays gone.
                extra_args=("--death-timeout", str(REMOTE_DEATH_TIMEOUT)))
            self.groups.append(group)

    @property
    def pids(self) -> dict[str, list[int]]:
        merged: dict[str, list[int]] = {}
        for group in self.groups:
            for host, pids in group.pids.items():
                merged.setdefault(host, []).extend(pids)
        return merged

    async def stop(self) -> None:
        """Kill every remote worker by PID, then check over SSH that none is left."""
        try:
            leftovers: dict[str, list[int]] = {}
            for group in self.groups:
                await group.stop()
                leftovers.update(await group.leftover_pids())
            if leftovers:
                raise RunError(f"remote Dask workers still alive after stop: {leftovers}")
        finally:
            if self.pool is not None:
                await self.pool.close()
