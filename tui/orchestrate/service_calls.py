"""Service mode actions for the Service panel, run in ``app.call_engine`` threads (no widget access).

Each action returns a :class:`ServiceReport`: the ``agi.service.health.v1`` payload, the SLA gate's
exit code and message (``[cluster.service_health]``), and where health.json was written.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
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

    @property
    def status(self) -> str:
        return str(self.payload.get("status", "unknown"))

    @property
    def rows(self) -> list[dict[str, Any]]:
        return list(self.payload.get("worker_health", []))

    @property
    def active(self) -> bool:
        """The service has a supervisor worth polling (anything but stopped)."""
        return self.status != "stopped"


def _context(engine: Any) -> tuple[Any, Any]:
    from engine.service import build_config

    app = engine.active_app()
    settings = engine.settings(app)
    return build_config(engine.workspace, app, settings), settings.cluster.service_health


def _report(action: str, config: Any, sla: Any, payload: dict[str, Any]) -> ServiceReport:
    from engine.service import evaluate_gate, running_config

    code, message = evaluate_gate(payload, sla)
    return ServiceReport(action, payload, code, message, str(running_config(config).health_path))


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
