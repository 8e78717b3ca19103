"""``serve APP start|status|health|stop``: service mode from the command line.

Every action writes the ``agi.service.health.v1`` JSON (default
``<workspace>/data/service/<target>/health.json``, or ``--health-output``; a relative path is
taken under the data share). ``health`` (and ``status``) exit with the SLA gate code from
``[cluster.service_health]``: 0 ok, 2 unhealthy > max_unhealthy, 3 status error/degraded,
4 idle and not allow_idle, 5 restart rate > max_restart_rate. ``start``/``stop`` exit 0, or 3 when
the service failed.

The loop on each worker calls the app worker package's ``service_loop_step(state) -> dict`` when it
defines one; otherwise a heartbeat-only loop runs (queued tasks in ``pending/`` are echoed to ``done/``).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # engine.service (asyncio, psutil) loads only when a command runs
    from ..service import ServiceConfig


def _context(options: argparse.Namespace) -> tuple[ServiceConfig, Any, Path | None]:
    from ..service import build_config
    from ..settings import load_settings
    from ..workspace import Workspace

    workspace = Workspace()
    app = workspace.app(options.app)
    settings = load_settings(workspace, app)
    config = build_config(workspace, app, settings, heartbeat_timeout=options.heartbeat_timeout,
                          poll_interval=options.poll_interval)
    output = None
    if options.health_output:
        output = workspace.resolve_data_path(options.health_output)
    return config, settings.cluster.service_health, output


def _print_table(payload: dict[str, Any]) -> None:
    print(f"service {payload['target']}: {payload['status']} ({payload['client_status']}), "
          f"scheduler {payload.get('scheduler') or '-'}")
    print(f"loops running {payload['workers_running_count']}, healthy {payload['workers_healthy_count']}, "
          f"unhealthy {payload['workers_unhealthy_count']}, restarted {payload['workers_restarted_count']}; "
          f"queue {payload['queue']}")
    rows = payload.get("worker_health", [])
    if rows:
        print(f"{'worker':<28} {'healthy':<8} {'future':<10} {'heartbeat':<10} {'age_s':>7}  reason")
        for row in rows:
            age = "-" if row["heartbeat_age_sec"] is None else f"{row['heartbeat_age_sec']:.1f}"
            print(f"{str(row['worker']):<28} {str(row['healthy']).lower():<8} {row['future_state']:<10} "
                  f"{row['heartbeat_state']:<10} {age:>7}  {row['reason']}")
    for worker, reason in payload.get("restart_reasons", {}).items():
        print(f"restarted {worker}: {reason}")


def cmd_serve(options: argparse.Namespace) -> int:
    import asyncio

    from ..service import ServiceError, evaluate_gate, start_service, stop_service
    from ..service import service_health as read_health
    from ..service.health import GATE_STATUS
    from ..workspace import Workspace

    if Workspace().app(options.app).backend == "agilab":  # AGI.serve in the AGILab Python
        from ..facade import Engine
        from .stream import drive

        extra = {k: v for k, v in (("mode", options.mode), ("poll_interval", options.poll_interval),
                                   ("heartbeat_timeout", options.heartbeat_timeout),
                                   ("health_output_path", options.health_output)) if v is not None}
        return drive(Engine().serve(options.app, options.action, **extra), as_json=options.json,
                     summary=lambda r: print(f"AGILab serve {r['action']}: {r['agilab_result']}"))
    config, sla, output = _context(options)
    code = 0
    try:
        if options.action == "start":
            payload = asyncio.run(start_service(config, output=output))
        elif options.action == "stop":
            payload = asyncio.run(stop_service(config, output=output))
        else:
            payload = read_health(config, output=output)
    except ServiceError as exc:
        print(f"error: {exc}")
        return GATE_STATUS
    message = ""
    if options.action in {"health", "status"}:
        code, message = evaluate_gate(payload, sla)
        payload = {**payload, "gate": {"code": code, "message": message}}
    if options.json:
        print(json.dumps(payload, indent=2, default=str))
    else:
        _print_table(payload)
        if message:
            print(f"gate: {code} ({message})")
    return code


def cmd_trust_host(options: argparse.Namespace) -> int:
    import asyncio

    from ..ssh import trust_host_key
    from ..workspace import Workspace

    workspace = Workspace()
    printed = asyncio.run(trust_host_key(workspace, options.host, options.port,
                                         expected_fingerprint=options.fingerprint))
    known_hosts = workspace.root / "ssh" / "known_hosts"
    if options.json:
        print(json.dumps({"ok": True, "host": options.host, "port": options.port, "fingerprint": printed,
                          "known_hosts": str(known_hosts)}, indent=2))
    else:
        print(f"trusted {options.host}: {printed} (recorded in {known_hosts})")
    return 0


def register(subparsers: Any) -> None:
    """Add ``serve`` and ``trust-host`` to the CLI."""
    trust = subparsers.add_parser("trust-host", help="record an SSH host's key in the workspace known_hosts")
    trust.add_argument("host", help="host, user@host or host:port (as in the worker map)")
    trust.add_argument("--port", type=int, default=None)
    trust.add_argument("--fingerprint", metavar="SHA256:...",
                       help="refuse unless the server presents exactly this key (recommended)")
    trust.add_argument("--json", action="store_true", help="print one JSON document instead of text")
    trust.set_defaults(handler=cmd_trust_host)

    parser = subparsers.add_parser("serve", help="service mode: persistent worker loops (start/status/health/stop)")
    parser.add_argument("app", help="app project name or module key")
    parser.add_argument("action", choices=["start", "status", "health", "stop"])
    parser.add_argument("--json", action="store_true", help="print the health payload as JSON")
    parser.add_argument("--health-output", metavar="PATH", help="where to write health.json")
    parser.add_argument("--heartbeat-timeout", type=float, default=None, metavar="SEC",
                        help="seconds without heartbeat before a loop is restarted (default 10)")
    parser.add_argument("--poll-interval", type=float, default=None, metavar="SEC",
                        help="loop tick and supervisor check period (default 1)")
    parser.add_argument("--mode", type=int, default=None, metavar="N",
                        help="AGILab apps: execution mode (the Dask bit is added); default from the app settings")
    parser.set_defaults(handler=cmd_serve)
