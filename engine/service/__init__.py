"""Service mode: persistent worker loops on a Dask cluster with heartbeats, auto-restart and a health gate.

Heartbeats are files under ``<queue_dir>/heartbeats/`` rather than Dask primitives (Variables,
Events): any process can read them with no scheduler connection (CLI ``status`` from another
shell, external monitors), they outlive a scheduler crash, and they match AGILab's queue layout.
"""

from __future__ import annotations

from workers.service_loop import default_loop_step, run_service_loop

from .config import ServiceConfig, build_config, service_dir
from .control import ServiceError, running_config, service_health, start_service, stop_service
from .health import HEALTH_SCHEMA, build_health, evaluate_gate, health_row, restart_reason
from .queue import CleanupPolicy, cleanup_queue, ensure_queue, queue_counts

__all__ = [
    "HEALTH_SCHEMA",
    "CleanupPolicy",
    "ServiceConfig",
    "ServiceError",
    "build_config",
    "build_health",
    "cleanup_queue",
    "default_loop_step",
    "ensure_queue",
    "evaluate_gate",
    "health_row",
    "queue_counts",
    "restart_reason",
    "run_service_loop",
    "running_config",
    "service_dir",
    "service_health",
    "start_service",
    "stop_service",
]
