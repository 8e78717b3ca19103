"""START / STATUS / HEALTH / STOP of a service, usable from any process (CLI, TUI, tests)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psutil

from ..atomic import atomic_write_text
from ..errors import AgilabError
from ..proc import clean_child_env
from .config import ServiceConfig
from .health import build_health
from .state import pid_alive, read_state, write_state

SUPERVISOR_MODULE = "engine.service.supervisor"


class ServiceError(AgilabError):
    """A service action failed; the message says which host or process."""


def _config_path(config: ServiceConfig) -> Path:
    return config.service_dir / "service_config.json"


def running_config(config: ServiceConfig) -> ServiceConfig:
    """The config the running service was started with (its timeouts win over current settings)."""
    path = _config_path(config)
    if path.exists():
        with contextlib.suppress(Exception):
            return ServiceConfig.from_json(path.read_text("utf-8"))
    return config


def supervisor_alive(state: dict[str, Any] | None) -> bool:
    return bool(state) and pid_alive(state.get("owner_pid"), expect=SUPERVISOR_MODULE)  # type: ignore[union-attr]


def write_health(config: ServiceConfig, payload: dict[str, Any], output: Path | None = None) -> Path:
    """Write the health JSON atomically to ``output`` or ``${share}/service/<target>/health.json``."""
    target = output or config.health_path
    atomic_write_text(target, json.dumps(payload, indent=2, default=str) + "\n")
    return target


def service_health(config: ServiceConfig, *, output: Path | None = None) -> dict[str, Any]:
    """Current ``agi.service.health.v1`` payload (also written to disk); needs no scheduler connection."""
    config = running_config(config)
    state = read_state(config.state_path)
    payload = build_health(state, app=config.app, target=config.target, queue_dir=config.queue_dir,
                           heartbeat_timeout=config.heartbeat_timeout, supervisor_alive=supervisor_alive(state))
    write_health(config, payload, output)
    return payload


async def _start_service(config: ServiceConfig, *, timeout: float = 120.0,
                         output: Path | None = None) -> dict[str, Any]:
    """Launch the detached supervisor and wait until every loop is submitted; return the health payload.

    Raises:
        ServiceError: already running, or the supervisor failed (message from its state or log).
    """
    state = read_state(config.state_path)
    if state and state.get("status") not in {"stopped", "error"} and supervisor_alive(state):
        raise ServiceError(f"service {config.target} already running (supervisor pid {state.get('owner_pid')}, "
                           f"scheduler {state.get('scheduler')})")
    config.service_dir.mkdir(parents=True, exist_ok=True)
    atomic_write_text(_config_path(config), config.to_json())
    config.state_path.unlink(missing_ok=True)
    with open(config.log_path, "ab") as log:
        proc = subprocess.Popen([sys.executable, "-m", SUPERVISOR_MODULE, str(_config_path(config))],
                                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True, cwd=str(Path(__file__).resolve().parents[2]),
                                env=clean_child_env())
    deadline = time.monotonic() + timeout
    while True:
        state = read_state(config.state_path)
        status = (state or {}).get("status")
        if status == "running":
            break
        if status in {"error", "stopped"} or proc.poll() is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(5)
            detail = (state or {}).get("error") or _log_tail(config.log_path)
            raise ServiceError(f"service {config.target} failed to start: {detail}")
        if time.monotonic() > deadline:
            await stop_service(config)
            raise ServiceError(f"service {config.target} not running after {timeout:g} s; see {config.log_path}")
        await asyncio.sleep(0.2)
    # Report once every loop has written its first heartbeat (or its grace period is over).
    settle = time.monotonic() + config.heartbeat_timeout + 2 * config.poll_interval
    while time.monotonic() < settle:
        payload = service_health(config, output=output)
        if payload["workers_pending_count"] == 0 and payload["workers_running_count"] > 0:
            return payload
        await asyncio.sleep(0.2)
    return service_health(config, output=output)


def _log_tail(path: Path, lines: int = 5) -> str:
    try:
        return " | ".join(path.read_text("utf-8", "replace").strip().splitlines()[-lines:])
    except FileNotFoundError:
        return "no supervisor log"


async def _remote_leftovers(config: ServiceConfig, remote: dict[str, list[int]], kill: bool) -> dict[str, Any]:
    from ..ssh import ConnectOptions, SSHError, SSHPool

    if not remote:
        return {}
    options = ConnectOptions(user=config.ssh_user, key_path=config.ssh_key_path,
                             known_hosts_files=tuple(Path(p) for p in config.known_hosts_files),
                             connect_timeout=config.connect_timeout)
    left: dict[str, Any] = {}
    async with SSHPool(options) as pool:
        failures = await pool.connect(remote)
        for host, error in failures.items():
            left[host] = f"cannot check: {error}"
        for label, host in pool.hosts.items():
            pids = remote.get(label) or remote.get(host.spec.host) or []
            try:
                alive = await host.alive_pids(pids)
                if alive and kill:
                    await host.kill(alive, "KILL")
                    await asyncio.sleep(0.5)
                    alive = await host.alive_pids(pids)
            except SSHError as exc:
                left[label] = f"cannot check: {exc}"
                continue
            if alive:
                left[label] = alive
    return left


def _local_leftovers(pids: list[int], kill: bool) -> list[int]:
    alive = [p for p in pids if pid_alive(p, expect="distributed.cli.dask_worker")]
    if kill:
        for pid in alive:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGKILL)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and any(pid_alive(p) for p in alive):
            time.sleep(0.1)
        alive = [p for p in alive if pid_alive(p)]
    return alive


async def _stop_service(config: ServiceConfig, *, output: Path | None = None) -> dict[str, Any]:
    """Stop the service from any process: SIGTERM its supervisor, then verify every worker PID is gone.

    A supervisor that died (or hangs) is handled too: its workers are killed by PID, locally and
    over SSH. Raises :class:`ServiceError` naming the host when a process survives.
    """
    config = running_config(config)
    state = read_state(config.state_path)
    if state is None:
        return service_health(config, output=output)
    owner = state.get("owner_pid")
    if supervisor_alive(state):
        os.kill(int(owner), signal.SIGTERM)
        deadline = time.monotonic() + config.stop_timeout + 30
        while time.monotonic() < deadline and supervisor_alive(state):
            await asyncio.sleep(0.2)
        if supervisor_alive(state):
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(owner), signal.SIGKILL)
            with contextlib.suppress(psutil.Error):
                psutil.Process(int(owner)).wait(5)
    state = read_state(config.state_path) or state
    local = _local_leftovers([int(p) for p in state.get("local_worker_pids", [])], kill=True)
    remote = await _remote_leftovers(config, state.get("remote_worker_pids", {}), kill=True)
    if state.get("status") != "stopped" or local or remote:
        state.update(status="stopped", loops={}, stopped_at=time.time())
        if local or remote:
            state["error"] = f"left behind: local {local}, remote {remote}"
        write_state(config.state_path, state)
    payload = service_health(config, output=output)
    if local or remote:
        raise ServiceError(f"service {config.target}: processes survived stop: local {local}, remote {remote}")
    return payload


async def start_service(config: ServiceConfig, *, timeout: float = 120.0,
                        output: Path | None = None) -> dict[str, Any]:
    """:func:`_start_service`, leaving a ``service-start`` run record (completed or failed with the reason)."""
    from ..records.service_record import finish_service_record, service_recording

    async with service_recording(config, "service-start") as record:
        payload = await _start_service(config, timeout=timeout, output=output)
        await finish_service_record(record, config, payload)
    return payload


async def stop_service(config: ServiceConfig, *, output: Path | None = None) -> dict[str, Any]:
    """:func:`_stop_service`, leaving a ``service-stop`` run record."""
    from ..records.service_record import finish_service_record, service_recording

    async with service_recording(config, "service-stop") as record:
        payload = await _stop_service(config, output=output)
        await finish_service_record(record, config, payload)
    return payload
