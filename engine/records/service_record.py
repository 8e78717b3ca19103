"""Records of service actions (``service-start`` / ``service-stop``): what was asked, the health reached."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from .mlflow_sync import tracking_uri_for
from .record import RecordWriter
from .session import recording


def _health_metrics(payload: dict[str, Any]) -> dict[str, float]:
    return {k: float(v) for k, v in payload.items()
            if k.endswith("_count") and isinstance(v, (int, float)) and not isinstance(v, bool)}


@contextlib.asynccontextmanager
async def service_recording(config: Any, kind: str) -> AsyncIterator[RecordWriter | None]:
    """A record around one service action of ``config`` (a ServiceConfig); None when it names no log folder."""
    if not getattr(config, "log_dir", None):
        yield None
        return
    from ..workspace import Workspace

    log_dir = Path(config.log_dir)
    workspace = Workspace(log_dir.parents[2])  # <root>/log/execute/<target>
    writer = RecordWriter(log_dir, app=config.app, target=config.target, kind=kind, mirror=False,
                          label=f"{config.target} {kind}", tracking_uri=tracking_uri_for(workspace),
                          artifact_root=workspace.mlflow_dir)
    writer.note(args={"workers": config.workers, "scheduler": f"{config.scheduler_host}:{config.scheduler_port}",
                      "poll_interval": config.poll_interval, "heartbeat_timeout": config.heartbeat_timeout,
                      "stop_timeout": config.stop_timeout},
                hosts=dict(config.workers))
    async with recording(writer):
        writer.log("engine", f"{kind} {config.app} ({config.target}), state in {config.service_dir}")
        yield writer


async def finish_service_record(writer: RecordWriter | None, config: Any, payload: dict[str, Any]) -> None:
    if writer is None:
        return
    writer.extra["health"] = payload
    writer.log("engine", f"health: {json.dumps({k: payload.get(k) for k in ('status', 'workers_running_count', 'workers_unhealthy_count') if k in payload})}")
    tail = _log_tail(Path(config.log_path))
    for line in tail:
        writer.log("supervisor", line)
    health = Path(config.health_path)
    await writer.finish("completed", outputs=[health] if health.is_file() else [], metrics=_health_metrics(payload))


def _log_tail(path: Path, lines: int = 50) -> list[str]:
    try:
        return path.read_text("utf-8", "replace").splitlines()[-lines:]
    except OSError:
        return []
