"""Loop health rows, restart reasons, the ``agi.service.health.v1`` payload and the SLA gate."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .queue import queue_counts, read_heartbeat

if TYPE_CHECKING:
    from ..settings import ServiceHealth

HEALTH_SCHEMA = "agi.service.health.v1"
GATE_OK, GATE_UNHEALTHY, GATE_STATUS, GATE_IDLE, GATE_RESTARTS = 0, 2, 3, 4, 5
DONE_STATES = {"finished": "loop-finished", "error": "loop-error", "cancelled": "loop-cancelled",
               "lost": "loop-cancelled"}


def restart_reason(loop: dict[str, Any], heartbeat: dict[str, Any] | None, now: float,
                   timeout: float) -> str | None:
    """Why this loop must be restarted, or None while it is (or may still become) healthy."""
    done = DONE_STATES.get(str(loop.get("future_state")))
    if done:
        return done
    if heartbeat is None or int(heartbeat.get("generation", -1)) != int(loop.get("generation", 0)):
        # A fresh loop gets one timeout to write its first heartbeat.
        waited = now - float(loop.get("submitted_at", now))
        return "missing-heartbeat" if waited > timeout else None
    age = now - float(heartbeat.get("timestamp", 0.0))
    return f"stale-heartbeat({age:.1f}s)" if age > timeout else None


def health_row(loop: dict[str, Any], heartbeat: dict[str, Any] | None, now: float,
               timeout: float) -> dict[str, Any]:
    """One row of the health table: worker, healthy, reason, future_state, heartbeat_state/age."""
    current = heartbeat if heartbeat and int(heartbeat.get("generation", -1)) == int(loop.get("generation", 0)) \
        else None
    reason = restart_reason(loop, heartbeat, now, timeout)
    age = round(now - float(current["timestamp"]), 2) if current else None
    return {
        "worker": loop.get("address") or loop.get("name"),
        "name": loop.get("name"),
        "healthy": reason is None and current is not None,
        # A first loop gets a grace period; a restarted one is unhealthy until it heartbeats again.
        "reason": reason or ("" if current else ("starting" if int(loop.get("generation", 1)) <= 1
                                                 else "restarting")),
        "future_state": loop.get("future_state", "unknown"),
        "heartbeat_state": current.get("state") if current else "missing",
        "heartbeat_age_sec": age,
        "generation": loop.get("generation"),
    }


def service_status(state: dict[str, Any] | None, supervisor_alive: bool, now: float) -> tuple[str, str]:
    """(status, client_status): stopped, error (supervisor gone), degraded (snapshot stale), idle, running."""
    if state is None or state.get("status") in {None, "stopped"}:
        return "stopped", "no-service"
    if state.get("status") == "starting":
        return ("running", "starting") if supervisor_alive else ("error", "supervisor-died-while-starting")
    if state.get("status") == "error":
        return "error", str(state.get("error", "supervisor-error"))
    if not supervisor_alive:
        return "error", "supervisor-not-running"
    poll = float(state.get("poll_interval", 1.0))
    if now - float(state.get("updated_at", 0.0)) > max(5.0, 5 * poll):
        return "degraded", "supervisor-snapshot-stale"
    if not state.get("loops"):
        return "idle", "connected"
    return "running", "connected"


def build_health(state: dict[str, Any] | None, *, app: str, target: str, queue_dir: Path,
                 heartbeat_timeout: float, supervisor_alive: bool, now: float | None = None) -> dict[str, Any]:
    """The ``agi.service.health.v1`` payload from the supervisor's state and fresh heartbeat files."""
    now = time.time() if now is None else now
    status, client_status = service_status(state, supervisor_alive, now)
    loops: dict[str, dict[str, Any]] = (state or {}).get("loops", {}) if status != "stopped" else {}
    rows = [health_row(loop, read_heartbeat(queue_dir, name), now, heartbeat_timeout)
            for name, loop in sorted(loops.items())]
    window = float((state or {}).get("restart_window", 60.0))
    restarts = [r for r in (state or {}).get("restarts", []) if now - float(r.get("at", 0)) <= window]
    restarted = sorted({r["worker"] for r in restarts})
    running = [r["worker"] for r in rows if r["heartbeat_state"] not in {"missing", "stopped"}
               and r["future_state"] == "pending"]
    pending = [r["worker"] for r in rows if r["heartbeat_state"] == "missing" and r["future_state"] == "pending"]
    healthy = [r["worker"] for r in rows if r["healthy"]]
    unhealthy = [r["worker"] for r in rows if not r["healthy"] and r["reason"] != "starting"]
    return {
        "schema": HEALTH_SCHEMA,
        "timestamp": now,
        "app": app,
        "target": target,
        "status": status,
        "workers_running": running,
        "workers_running_count": len(running),
        "workers_pending": pending,
        "workers_pending_count": len(pending),
        "workers_restarted": restarted,
        "workers_restarted_count": len(restarted),
        "workers_healthy": healthy,
        "workers_healthy_count": len(healthy),
        "workers_unhealthy": unhealthy,
        "workers_unhealthy_count": len(unhealthy),
        "queue": queue_counts(queue_dir),
        "restart_reasons": {r["worker"]: r["reason"] for r in restarts},
        "client_status": client_status,
        "heartbeat_timeout_sec": heartbeat_timeout,
        "queue_dir": str(queue_dir),
        "cleanup": (state or {}).get("cleanup", {}),
        "scheduler": (state or {}).get("scheduler"),
        "worker_health": rows,
    }


def evaluate_gate(payload: dict[str, Any], sla: ServiceHealth) -> tuple[int, str]:
    """Exit code and message of the SLA gate: 0 ok, 2 unhealthy, 3 status, 4 idle, 5 restart rate."""
    status = str(payload.get("status", "unknown"))
    if status in {"error", "degraded", "unknown"}:
        return GATE_STATUS, f"service status is {status} ({payload.get('client_status', '')})"
    unhealthy = int(payload.get("workers_unhealthy_count", 0))
    if unhealthy > sla.max_unhealthy:
        names = ", ".join(payload.get("workers_unhealthy", []))
        return GATE_UNHEALTHY, f"{unhealthy} unhealthy worker loop(s) > max_unhealthy {sla.max_unhealthy}: {names}"
    running = int(payload.get("workers_running_count", 0))
    if status in {"idle", "stopped"} or running == 0:
        if not sla.allow_idle:
            return GATE_IDLE, f"service is {status} with no running loop and allow_idle is false"
        return GATE_OK, f"service is {status} (allowed)"
    rate = int(payload.get("workers_restarted_count", 0)) / max(running, 1)
    if rate > sla.max_restart_rate:
        return GATE_RESTARTS, f"restart rate {rate:.2f} > max_restart_rate {sla.max_restart_rate:g}"
    return GATE_OK, f"healthy: {running} loop(s) running"
