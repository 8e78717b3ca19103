"""Service mode actions for the Service panel, run in ``app.call_engine`` threads (no widget access).

Each action returns a :class:`ServiceReport`: the ``agi.service.health.v1`` payload, the SLA gate's
exit code and message (``[cluster.service_health]``), and where health.json was written.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

GATE_MEANINGS = {
    0: "ok",
    2: "unhealthy workers > max_unhealthy",
    3: "status error / degraded",
    4: "idle and allow_idle is false",
    5: "restart rate > max_restart_rate",
}


@dataclass(frozen=True)
class ServiceReport:
    """What one START / STATUS / HEALTH / STOP returned."""

    action: str
    payload: dict[str, Any]
    gate_code: int
    gate_message: str
    health_path: str
    log_path: str = ""
    """The service supervisor's log, followed into the page's log pane while the service runs."""
    log_offset: int = 0
    """Where following that log starts (what this action already showed, or its size then)."""
    idle_is_stopped: bool = False
    """AGILab answers ``idle`` when no service runs; ours means a live supervisor without loops."""

    @property
    def status(self) -> str:
        return str(self.payload.get("status", "unknown"))

    @property
    def rows(self) -> list[dict[str, Any]]:
        return list(self.payload.get("worker_health", [])) if self.active else []

    @property
    def active(self) -> bool:
        """The service has a supervisor worth polling (anything but stopped)."""
        return self.status not in ({"stopped", "idle"} if self.idle_is_stopped else {"stopped"})


def _context(engine: Any) -> tuple[Any, Any]:
    from engine.service import build_config

    app = engine.active_app()
    settings = engine.settings(app)
    return build_config(engine.workspace, app, settings), settings.cluster.service_health


def _report(action: str, config: Any, sla: Any, payload: dict[str, Any]) -> ServiceReport:
    from engine.service import evaluate_gate, running_config

    code, message = evaluate_gate(payload, sla)
    log = config.log_path
    return ServiceReport(action, payload, code, message, str(running_config(config).health_path), str(log),
                         _size(log))


def _size(path: Any) -> int:
    try:
        return Path(path).stat().st_size
    except OSError:
        return 0


def uses_operations(engine: Any) -> bool:
    """True when the active app's service actions are engine operations (``engine.serve``) whose output
    streams into the log pane: AGILab apps, whose START runs AGILab for tens of seconds."""
    return engine.active_app().backend != "native"


def report_from_serve(engine: Any, action: str, result: dict[str, Any]) -> ServiceReport:
    """A report from ``engine.serve``'s result: AGILab's answer carries its ``agi.service.health.v1``
    payload (under ``health``, or as the answer itself for ``health``), gated by the same SLA."""
    from engine.service import evaluate_gate

    sla = engine.settings(engine.active_app()).cluster.service_health
    answer = result.get("agilab_result") or {}
    payload = answer.get("health") if isinstance(answer.get("health"), dict) else answer
    code, message = evaluate_gate(payload, sla)
    log = str(result.get("log_path") or "")
    offset = result.get("log_offset")
    return ServiceReport(action, dict(payload), code, message,
                         str(answer.get("health_path") or answer.get("path") or ""), log,
                         _size(log) if offset is None else int(offset), idle_is_stopped=True)


async def serve_report(engine: Any, action: str) -> ServiceReport:
    """One ``engine.serve`` action run to its end (the status polls: nothing streamed, no run record)."""
    op = engine.serve(await asyncio.to_thread(engine.active_app), action)
    result = await op.wait()
    return await asyncio.to_thread(report_from_serve, engine, action, result)


_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
LOG_CHUNK = 256 * 1024


def read_log(path: str, offset: int) -> tuple[list[str], int]:
    """Complete lines of ``path`` after byte ``offset`` (at most ``LOG_CHUNK``) and the offset after them;
    a log that shrank (a new service truncated it) is read from its start."""
    try:
        with open(path, "rb") as handle:
            handle.seek(0, 2)
            if handle.tell() < offset:
                offset = 0
            handle.seek(offset)
            data = handle.read(LOG_CHUNK)
    except OSError:
        return [], offset
    complete = data[: data.rfind(b"\n") + 1]
    lines = [_ANSI.sub("", raw.decode("utf-8", "replace").rstrip("\r")) for raw in complete.split(b"\n")[:-1]]
    return [line for line in lines if line.strip()], offset + len(complete)


def service_action(engine: Any, action: str) -> ServiceReport:
    """Run ``start``, ``status``, ``health`` or ``stop`` for the active app and evaluate the gate."""
    from engine.service import service_health, start_service, stop_service

    config, sla = _context(engine)
    if action == "start":
        payload = asyncio.run(start_service(config))
    elif action == "stop":
        payload = asyncio.run(stop_service(config))
    elif action in ("status", "health"):
        payload = service_health(config)
    else:
        raise ValueError(f"unknown service action {action!r}")
    return _report(action, config, sla, payload)


def gate_text(report: ServiceReport) -> str:
    meaning = GATE_MEANINGS.get(report.gate_code, "unknown code")
    return f"gate exit {report.gate_code} ({meaning}) · {report.gate_message}"
