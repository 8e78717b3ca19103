"""Isolated-host benchmark: worker hosts that share nothing with this machine (needs root, sshd, unshare).

Each host is a real sshd in its own mount namespace (bare Debian: /usr/bin/python3, no uv, no cache),
so every install below is from scratch: uv shipped, the venv built from the package index, bytecode,
Cython build, preflight. Prints:
- install onto 1 vs 2 fresh isolated hosts (the parallel ratio; 1.0 = perfectly parallel);
- the second (incremental) install of the 2 hosts;
- the flight app in mode 4 on the 2 hosts vs mode 0 here (median of 3 runs each).
Run: python tests/bench/bench_isolated.py
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from engine.events import OperationFinished  # noqa: E402
from engine.facade import Engine  # noqa: E402
from engine.workspace import Workspace  # noqa: E402
from tests.ssh.fakehosts import free_port, make_client_key  # noqa: E402
from tests.ssh_isolated.isolated import IsolatedHosts, isolation_missing_reason  # noqa: E402

APP = "flight_telemetry_project"
REPEATS = 3


async def drain(op):
    async with op:
        async for event in op.events():
            last = event
    if not isinstance(last, OperationFinished):
        raise SystemExit(f"{op.kind} failed: {last.error}")
    return last


def configure(engine: Engine, hosts, key: Path, cython: bool) -> None:
    settings = engine.settings(APP)
    settings.update_cluster(cluster_enabled=bool(hosts), cython=cython, ssh_key_path=str(key),
                            scheduler=f"127.0.0.1:{free_port()}")
    settings.set_workers({h.spec: 1 for h in hosts} or {"127.0.0.1": 1})
    settings.save()


async def timed_install(engine: Engine) -> tuple[float, list[dict]]:
    started = time.perf_counter()
    last = await drain(engine.install(APP))
    return time.perf_counter() - started, last.result.get("hosts", [])


async def main() -> None:
    import os

    from engine.ssh import trust_host_key

    reason = isolation_missing_reason()
    if reason:
        raise SystemExit(f"skipped: {reason}")
    base = Path(tempfile.mkdtemp(prefix="agilab_bench_isolated_"))
    key = make_client_key(base / "key")
    hosts = IsolatedHosts(base / "hosts", key.with_suffix(".pub"))
    try:
        figures: dict[str, float] = {}
        engines: dict[int, Engine] = {}
        for count in (1, 2):
            workspace = Workspace(base / f"ws{count}")
            os.environ["AGILAB_TUI_HOME"] = str(workspace.root)
            engine = engines[count] = Engine(workspace)
            configure(engine, [], key, cython=True)
            await drain(engine.install(APP))  # this machine's env first: the timing below is the hosts' part
            fresh = [hosts.start(f"b{count}h{i}") for i in range(count)]
            for host in fresh:
                await trust_host_key(workspace, host.spec)
            configure(engine, fresh, key, cython=True)
            seconds, rows = await timed_install(engine)
            figures[f"install_{count}"] = seconds
            figures[f"hosts_{count}"] = max(r["seconds"] for r in rows)
            per_host = ", ".join(f"{r['host']} {r['seconds']:.1f} s ({r['packages_from']})" for r in rows)
            print(f"from-scratch install onto {count} isolated host(s): {seconds:6.1f} s   [{per_host}]", flush=True)
        ratio = figures["install_2"] / figures["install_1"]
        hosts_ratio = figures["hosts_2"] / figures["hosts_1"]
        print(f"parallel ratio, 2 hosts / 1 host: {ratio:.2f}x whole install, {hosts_ratio:.2f}x the hosts' part "
              f"(slowest host {figures['hosts_2']:.1f} s vs {figures['hosts_1']:.1f} s; 1.00 = perfectly parallel)")
        engine = engines[2]
        seconds, rows = await timed_install(engine)
        per_host = ", ".join(f"{r['seconds']:.1f} s" for r in rows)
        print(f"second install onto the 2 hosts (incremental): {seconds:.1f} s   [{per_host}]")
        timings: dict[int, list[float]] = {0: [], 4: []}
        for _ in range(REPEATS):
            for mode in (0, 4):
                started = time.perf_counter()
                await drain(engine.run(APP, engine.request_from_settings(APP, mode=mode)))
                timings[mode].append(time.perf_counter() - started)
        m0, m4 = statistics.median(timings[0]), statistics.median(timings[4])
        print(f"mode 0 here: {m0:.2f} s; mode 4 on 2 isolated hosts: {m4:.2f} s (median of {REPEATS}; "
              f"{m4 / m0:.2f}x, cluster start-up and data shipping included)")
        bench = (await drain(engine.benchmark(APP, [0, 4]))).result
        rows = {int(k): v for k, v in bench["benchmark"].items()}
        print(f"benchmark 0,4 (one cluster, started in {bench['cluster_start_seconds']:.2f} s): mode 0 "
              f"{rows[0]['seconds']:.2f} s, mode 4 on 2 isolated hosts {rows[4]['seconds']:.2f} s")
    finally:
        hosts.down()


if __name__ == "__main__":
    asyncio.run(main())
