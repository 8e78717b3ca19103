"""Cluster benchmark over real SSH fake hosts (needs root, sshd and ip netns, as the ssh tests).

Prints: install to 3 hosts vs 1 host (target <= 1.3x), and the compute app in mode 4 on 2 hosts vs 1.
Run: python tests/bench/bench_cluster.py
"""

from __future__ import annotations

import asyncio
import dataclasses
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from ssh.fakehosts import FakeHosts, free_port, make_client_key, write_ssh_config  # noqa: E402

from engine.events import OperationFinished  # noqa: E402
from engine.facade import Engine  # noqa: E402
from engine.workspace import Workspace  # noqa: E402

APP = "execution_pandas_project"


async def drain(op):
    async with op:
        async for event in op.events():
            last = event
    if not isinstance(last, OperationFinished):
        raise SystemExit(f"{op.kind} failed: {last.error}")
    return last


async def main() -> None:
    import os

    from engine.ssh import trust_host_key

    base = Path(tempfile.mkdtemp(prefix="agilab_bench_cluster_"))
    cache = subprocess.run(["uv", "cache", "dir"], capture_output=True, text=True).stdout.strip()
    os.environ["UV_CACHE_DIR"] = cache
    key = make_client_key(base / "key")
    hosts = FakeHosts(base / "hosts", key.with_suffix(".pub"))
    try:
        hosts.up(3)
        home = base / "home"
        write_ssh_config(home, hosts.hosts, key)
        os.environ["HOME"] = str(home)
        results = {}
        for count in (1, 3):
            workspace = Workspace(base / f"ws{count}")
            os.environ["AGILAB_TUI_HOME"] = str(workspace.root)
            for host in hosts.hosts:
                await trust_host_key(workspace, host.spec)
            engine = Engine(workspace)
            await drain(engine.install(APP, modes_enabled=0))  # local env first, so both timings cover remote only
            settings = engine.settings(APP)
            settings.update_cluster(cluster_enabled=True, remote_root=str(base / f"remote{count}" / "{host}"),
                                    remote_python=sys.executable,
                                    scheduler=f"{hosts.scheduler_host}:{free_port(hosts.scheduler_host)}")
            settings.set_workers({h.spec: 1 for h in hosts.hosts[:count]})
            settings.save()
            started = time.perf_counter()
            await drain(engine.install(APP, modes_enabled=0))
            results[f"install_{count}"] = time.perf_counter() - started
            if count == 3:
                compute = {}
                for n in (1, 2):
                    request = engine.request_from_settings(APP, mode=4).with_execution(
                        workers={h.spec: 1 for h in hosts.hosts[:n]})
                    request = dataclasses.replace(request, params={**request.params, "iterations": 1500})
                    started = time.perf_counter()
                    last = await drain(engine.run(APP, request))
                    compute[n] = (time.perf_counter() - started, last.result["work_seconds"])
                results["compute"] = compute
        print(f"install to 1 host: {results['install_1']:.2f} s; to 3 hosts: {results['install_3']:.2f} s "
              f"-> {results['install_3'] / results['install_1']:.2f}x   [target <= 1.3x]")
        (one, one_work), (two, two_work) = results["compute"][1], results["compute"][2]
        print(f"compute app mode 4 on 1 host: {one:.2f} s (work {one_work:.2f} s); on 2 hosts: {two:.2f} s "
              f"(work {two_work:.2f} s) -> {one_work / two_work:.2f}x faster on work")
        print("note: the fake hosts share this machine's 2 cores, so 2 hosts can at best use both cores")
    finally:
        hosts.down()


if __name__ == "__main__":
    asyncio.run(main())
