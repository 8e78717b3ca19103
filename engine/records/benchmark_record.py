"""The record of a benchmark: a parent record whose children are the records of each mode's run."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from ..atomic import atomic_write_text
from . import app_record
from .record import RecordWriter
from .session import recording


async def recorded_benchmark(ctx: Any, workspace: Any, app: Any, settings: Any, modes: list[int],
                             body: Callable[[Any, RecordWriter], Awaitable[dict[str, Any]]]) -> dict[str, Any]:
    """Run ``body(ctx, parent)`` inside a ``benchmark`` record; ``body`` passes ``parent`` to each mode's run."""
    from ..install import worker_env

    parent = app_record(workspace, app, kind="benchmark", settings=settings, mirror=False,
                        label=f"{app.target} benchmark {','.join(map(str, modes))}", venv=worker_env(workspace, app).venv)
    parent.note(modes=modes, args=dict(settings.args), hosts=dict(settings.cluster.workers))
    async with recording(parent, ctx):
        result = await body(ctx, parent)
        table = result.get("benchmark") or {}
        parent.extra["benchmark"] = table
        if parent.enabled:
            atomic_write_text(parent.dir / "benchmark.json", json.dumps(table, indent=2))
        metrics = {f"seconds_mode_{mode}": float(row["seconds"]) for mode, row in table.items()}
        await parent.finish("completed", outputs=[result["path"]] if result.get("path") else None,
                            metrics=metrics)
    result["run_id"] = parent.run_id
    result["record_dir"] = str(parent.dir)
    result["mode_run_ids"] = {mode: run.get("run_id") for mode, run in (result.get("runs") or {}).items()}
    return result
