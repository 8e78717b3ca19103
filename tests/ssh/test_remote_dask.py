"""Remote Dask workers over real SSH on two fake hosts: results, live logs, killed worker, teardown."""

from __future__ import annotations

import asyncio
import contextlib
import sys
from pathlib import Path

import psutil
import pytest

from engine.ssh import RemoteCommandError, SSHPool, pool_options, start_remote_dask_workers

from .fakehosts import REPO_ROOT

pytestmark = [pytest.mark.ssh, pytest.mark.slow]

# Task functions of this module are pickled by reference: the workers must import it the way pytest did.
TASK_PATH = {"PYTHONPATH": f"{REPO_ROOT}:{Path(__file__).resolve().parents[1]}"}


def where_am_i(x: int) -> tuple[int, str]:
    import socket

    return x * x, socket.gethostname()


async def test_workers_on_both_hosts_compute_like_local(trusted_workspace, fake_hosts, tmp_path, no_leftovers):
    from distributed import Client, Scheduler

    lines: list[tuple[str, str]] = []
    exits = []
    async with Scheduler(host=fake_hosts.scheduler_host, port=0, dashboard=False,
                               dashboard_address=f"{fake_hosts.scheduler_host}:0") as scheduler:
        async with SSHPool(pool_options(trusted_workspace)) as pool:
            await pool.connect([h.address for h in fake_hosts.hosts], require_all=True)
            workers = await start_remote_dask_workers(
                pool, scheduler.address, {h.address: 1 for h in fake_hosts.hosts}, sys.executable,
                cwd=REPO_ROOT, env=TASK_PATH,
                sink=lambda h, line: lines.append((h, line)), on_exit=exits.append,
                local_directory=str(tmp_path / "scratch"))
            try:
                names = sorted(w.name for w in workers.workers)
                assert names == sorted(f"{h.address}-0" for h in fake_hosts.hosts)
                async with Client(scheduler.address, asynchronous=True) as client:
                    info = await client.scheduler.identity()
                    hosts_seen = {w["host"] for w in info["workers"].values()}
                    assert hosts_seen == {h.address for h in fake_hosts.hosts}  # pinned, nothing else
                    futures = [client.submit(where_am_i, i, pure=False, workers=[w.address])
                               for i in range(20) for w in workers.workers[i % 2: i % 2 + 1]]
                    results = await asyncio.wait_for(client.gather(futures), 60)
                assert [r[0] for r in results] == [where_am_i(i)[0] for i in range(20)]
                assert {r[1] for r in results} == {"fakehost1", "fakehost2"}
                # Logs of both workers are streamed, each line tagged with its host.
                assert {h for h, line in lines if "Start worker at:" in line} == {h.address for h in fake_hosts.hosts}
            finally:
                await workers.stop()
            assert await workers.leftover_pids() == {}
            assert exits == []  # a requested stop is not an unexpected exit


async def test_killed_worker_is_reported_and_others_go_on(trusted_workspace, fake_hosts, tmp_path, no_leftovers):
    from distributed import Client, Scheduler

    lines: list[tuple[str, str]] = []
    exits = []
    async with Scheduler(host=fake_hosts.scheduler_host, port=0, dashboard=False,
                               dashboard_address=f"{fake_hosts.scheduler_host}:0") as scheduler:
        async with SSHPool(pool_options(trusted_workspace)) as pool:
            await pool.connect([h.address for h in fake_hosts.hosts], require_all=True)
            workers = await start_remote_dask_workers(
                pool, scheduler.address, {h.address: 1 for h in fake_hosts.hosts}, sys.executable,
                cwd=REPO_ROOT, env=TASK_PATH, sink=lambda h, line: lines.append((h, line)), on_exit=exits.append,
                local_directory=str(tmp_path / "scratch"))
            try:
                victim, survivor = workers.workers
                async with Client(scheduler.address, asynchronous=True) as client:
                    slow = client.submit(lambda: __import__("time").sleep(60), workers=[victim.address],
                                         allow_other_workers=False, pure=False)
                    await asyncio.sleep(0.5)
                    # kill -9 the whole remote tree (nanny and worker) over SSH, as a crash would
                    await pool[victim.host].kill([victim.pid], "KILL")
                    for _ in range(100):
                        if victim.name in workers.exited:
                            break
                        await asyncio.sleep(0.1)
                    assert workers.exited[victim.name] == "signal KILL"
                    assert [w.name for w in exits] == [victim.name]
                    assert any("exited unexpectedly: signal KILL" in line and victim.name in line
                               for h, line in lines if h == victim.host)
                    result = await client.submit(where_am_i, 7, workers=[survivor.address], pure=False)
                    assert result == (49, "fakehost2" if survivor.host == fake_hosts.hosts[1].address
                                      else "fakehost1")
                    assert not slow.done()  # its only allowed worker died: never silently finished
                    await slow.cancel()
            finally:
                await workers.stop()
            assert await workers.leftover_pids() == {}


async def test_bad_python_fails_naming_host(trusted_workspace, fake_hosts, no_leftovers):
    async with SSHPool(pool_options(trusted_workspace)) as pool:
        await pool.connect([fake_hosts.hosts[0].address], require_all=True)
        with pytest.raises(RemoteCommandError) as info:
            await start_remote_dask_workers(pool, "tcp://127.0.0.1:1", {fake_hosts.hosts[0].address: 1},
                                            "/nonexistent/python", ready_timeout=20)
        assert fake_hosts.hosts[0].address in str(info.value)


async def test_cancelling_start_leaves_nothing(trusted_workspace, fake_hosts, no_leftovers):
    lines: list[tuple[str, str]] = []
    # Nothing listens at this scheduler address: the workers start but wait forever to register.
    scheduler = f"tcp://{fake_hosts.scheduler_host}:9"
    async with SSHPool(pool_options(trusted_workspace)) as pool:
        await pool.connect([h.address for h in fake_hosts.hosts], require_all=True)
        task = asyncio.create_task(start_remote_dask_workers(
            pool, scheduler, {h.address: 1 for h in fake_hosts.hosts}, sys.executable,
            sink=lambda h, line: lines.append((h, line)), ready_timeout=120))
        def worker_hosts() -> set[str]:
            found = set()
            for host in fake_hosts.hosts:
                for pid in host.processes():
                    with contextlib.suppress(psutil.Error):
                        if "distributed.cli.dask_worker" in " ".join(psutil.Process(pid).cmdline()):
                            found.add(host.name)
            return found

        for _ in range(300):
            if len(worker_hosts()) == 2:
                break
            await asyncio.sleep(0.1)
        assert len(worker_hosts()) == 2, "workers should be running on both hosts before the cancel"
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    # no_leftovers then checks, by PID, that no worker survived on either host
