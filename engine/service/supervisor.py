"""The service supervisor process: scheduler, workers, one persistent loop per worker, auto-restart.

Started detached by ``serve start`` (``python -m engine.service.supervisor CONFIG``) so the service
outlives the CLI. It owns an in-process Dask scheduler, local worker processes and/or workers over
SSH, keeps each loop's future, restarts dead or silent loops, and writes ``service_state.json``
every poll so that any later process can report on it or stop it (SIGTERM to ``owner_pid``).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

from workers.service_loop import STOP_FILE, run_service_loop

from ..proc import ChildProcess, clean_child_env
from .config import ServiceConfig
from .health import restart_reason
from .queue import cleanup_queue, ensure_queue, read_heartbeat, write_lease
from .state import write_state

_CLEANUP_EVERY_SEC = 60.0
_MAX_RESTART_RECORDS = 200


def log(line: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} {line}", flush=True)


class Supervisor:
    """Runs one service until SIGTERM/SIGINT; every public field ends up in service_state.json."""

    def __init__(self, config: ServiceConfig):
        self.config = config
        self.stop_event = asyncio.Event()
        self.state: dict[str, Any] = {
            "app": config.app, "target": config.target, "status": "starting", "owner_pid": os.getpid(),
            "started_at": time.time(), "scheduler": None, "workers": config.workers,
            "queue_dir": str(config.queue_dir), "poll_interval": config.poll_interval,
            "heartbeat_timeout": config.heartbeat_timeout, "stop_timeout": config.stop_timeout,
            "restart_window": config.restart_window, "config": str(config.service_dir / "service_config.json"),
            **{f"cleanup_{k}": v for k, v in config.cleanup.items()},
            "loops": {}, "restarts": [], "local_worker_pids": [], "remote_worker_pids": {}, "cleanup": {},
        }
        self.futures: dict[str, Any] = {}
        self.local: list[ChildProcess] = []
        self.local_pumps: list[asyncio.Task[int]] = []
        self.remote: Any = None
        self.pool: Any = None
        self.client: Any = None
        self.scheduler: Any = None

    def save(self) -> None:
        write_state(self.config.state_path, self.state)

    # --- workers ---------------------------------------------------------------------------------
    def worker_env(self) -> dict[str, str]:
        return {"PYTHONPATH": os.pathsep.join(self.config.pythonpath)} if self.config.pythonpath else {}

    async def start_local(self, host: str, slots: int, scheduler_address: str) -> None:
        for i in range(slots):
            name = f"{host.rpartition('@')[2]}-{i}"
            child = ChildProcess([self.config.python, "-m", "distributed.cli.dask_worker", scheduler_address,
                                  "--host", "127.0.0.1", "--nthreads", "1", "--no-dashboard", "--name", name,
                                  "--local-directory", str(self.config.service_dir / "scratch" / name)],
                                 env=clean_child_env(self.worker_env()))
            await child.start()
            self.local.append(child)
            self.local_pumps.append(asyncio.create_task(
                child.stream(lambda source, line, n=name: log(f"[{n}] {line}"))))
            self.state["local_worker_pids"].append(child.pid)

    async def start_remote(self, hosts: dict[str, int], scheduler_address: str) -> None:
        from ..ssh import ConnectOptions, SSHPool, start_remote_dask_workers

        options = ConnectOptions(user=self.config.ssh_user, key_path=self.config.ssh_key_path,
                                 known_hosts_files=tuple(Path(p) for p in self.config.known_hosts_files),
                                 connect_timeout=self.config.connect_timeout)
        self.pool = SSHPool(options)
        await self.pool.connect(hosts, require_all=True)
        self.remote = await start_remote_dask_workers(
            self.pool, scheduler_address, hosts, self.config.python, env=self.worker_env(),
            sink=lambda host, line: log(line), local_directory=str(self.config.service_dir / "scratch"))
        self.state["remote_worker_pids"] = self.remote.pids

    # --- loops -----------------------------------------------------------------------------------
    def addresses(self) -> dict[str, str]:
        """Worker name -> current address (a nanny-restarted worker keeps its name, not its address)."""
        return {str(ws.name): addr for addr, ws in self.scheduler.workers.items()}

    def submit(self, name: str, generation: int) -> None:
        address = self.addresses().get(name)
        record: dict[str, Any] = {"name": name, "address": address, "generation": generation,
                                  "submitted_at": time.time(), "future_state": "waiting-worker"}
        self.state["loops"][name] = record
        if address is None:
            self.futures.pop(name, None)
            return
        write_lease(self.config.queue_dir, name, generation)
        self.futures[name] = self.client.submit(
            run_service_loop, name, str(self.config.queue_dir), generation, self.config.poll_interval,
            self.config.worker_package, self.config.worker_path, key=f"service-loop-{name}-{generation}",
            workers=[address], allow_other_workers=False, pure=False)
        record["key"] = self.futures[name].key
        record["future_state"] = "pending"

    async def check_loops(self) -> None:
        now = time.time()
        for name, record in list(self.state["loops"].items()):
            future = self.futures.get(name)
            if future is None:  # its worker was away at the last restart: try again now
                if name in self.addresses():
                    self.submit(name, int(record["generation"]) + 1)
                continue
            record["future_state"] = future.status
            reason = restart_reason(record, read_heartbeat(self.config.queue_dir, name), now,
                                    self.config.heartbeat_timeout)
            if reason is None:
                continue
            log(f"restarting loop {name} (generation {record['generation']}): {reason}")
            self.state["restarts"] = (self.state["restarts"] + [
                {"worker": record.get("address") or name, "name": name, "reason": reason, "at": now,
                 "generation": record["generation"]}])[-_MAX_RESTART_RECORDS:]
            if not future.done():
                with contextlib.suppress(Exception):
                    await self.client.cancel([future])
            self.submit(name, int(record["generation"]) + 1)

    # --- life cycle ------------------------------------------------------------------------------
    async def run(self) -> int:
        from distributed import Client, Scheduler

        config = self.config
        ensure_queue(config.queue_dir)
        (config.queue_dir / STOP_FILE).unlink(missing_ok=True)
        self.save()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self.stop_event.set)
        try:
            self.scheduler = Scheduler(host=config.scheduler_host, port=config.scheduler_port, dashboard=False,
                                       dashboard_address=f"{config.scheduler_host}:0")
            await self.scheduler
            address = self.scheduler.address
            self.state["scheduler"] = address
            log(f"scheduler at {address}")
            local = {h: n for h, n in config.workers.items() if config.is_local(h) and n}
            remote = {h: n for h, n in config.workers.items() if not config.is_local(h) and n}
            for host, slots in local.items():
                await self.start_local(host, slots, address)
            if remote:
                await self.start_remote(remote, address)
            self.save()
            self.client = await Client(address, asynchronous=True)
            total = sum(local.values()) + sum(remote.values())
            await self.client.wait_for_workers(total, timeout=120)
            for name in sorted(self.addresses()):
                self.submit(name, 1)
            self.state["status"] = "running"
            self.save()
            log(f"service running: {len(self.futures)} loop(s)")
            last_cleanup = 0.0
            while not self.stop_event.is_set():
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self.stop_event.wait(), config.poll_interval)
                if self.stop_event.is_set():
                    break
                await self.check_loops()
                if time.time() - last_cleanup > _CLEANUP_EVERY_SEC:
                    last_cleanup = time.time()
                    self.state["cleanup"] = cleanup_queue(config.queue_dir, config.cleanup_policy,
                                                          live_workers=set(self.state["loops"]))
                self.save()
            return await self.shutdown(None)
        except Exception as exc:  # reported through the state file: the CLI shows it
            log(f"service failed: {exc}")
            return await self.shutdown(str(exc))

    async def shutdown(self, error: str | None) -> int:
        """Ask loops to finish, then stop workers by PID and the scheduler; record the outcome."""
        config = self.config
        self.state["status"] = "stopping"
        self.save()
        (config.queue_dir / STOP_FILE).touch()
        if self.futures:
            with contextlib.suppress(Exception):
                from distributed import wait

                await wait(list(self.futures.values()), timeout=config.stop_timeout)
        if self.client is not None:
            with contextlib.suppress(Exception):
                await self.client.cancel(list(self.futures.values()))
            with contextlib.suppress(Exception):
                await self.client.close()
        problems: list[str] = [error] if error else []
        if self.remote is not None:
            try:
                await self.remote.stop()
            except Exception as exc:
                problems.append(str(exc))
        if self.pool is not None:
            await self.pool.close()
        for child in self.local:
            await child.kill()
        for pump in self.local_pumps:
            pump.cancel()
        if self.scheduler is not None:
            with contextlib.suppress(Exception):
                await self.scheduler.close()
        self.state.update(status="error" if error else "stopped", loops={}, stopped_at=time.time())
        if problems:
            self.state["error"] = "; ".join(problems)
        self.save()
        log(f"service {self.state['status']}" + (f": {self.state.get('error')}" if problems else ""))
        return 1 if problems else 0


def main(argv: list[str] | None = None) -> int:
    """Entry point: ``python -m engine.service.supervisor <service_config.json>``."""
    args = sys.argv[1:] if argv is None else argv
    config = ServiceConfig.from_json(Path(args[0]).read_text("utf-8"))
    return asyncio.run(Supervisor(config).run())


if __name__ == "__main__":
    sys.exit(main())
