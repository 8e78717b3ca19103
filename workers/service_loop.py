"""The persistent worker loop run as one long Dask task per worker (standard library only).

It runs on cluster workers, so it imports nothing from the engine: it heartbeats into
``<queue_dir>/heartbeats/<worker>.json``, claims queued tasks from ``pending/`` by atomic rename,
and calls the app's ``service_loop_step(state) -> dict`` (or the heartbeat-only default) each tick.
It ends when ``<queue_dir>/STOP`` appears (finished) or when its lease names a newer generation
(the supervisor restarted it; Dask cannot interrupt a running thread, so the loop must notice).
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

QUEUE_DIRS = ("pending", "running", "done", "failed", "heartbeats")
STOP_FILE = "STOP"


def default_loop_step(state: dict[str, Any]) -> dict[str, Any]:
    """Heartbeat-only step: no work of its own; a queued task is echoed back as its result."""
    task = state.get("task")
    return {"echo": task} if task is not None else {"state": "idle"}


def load_step(package: str | None, path: str | None) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """The app's ``<worker package>.service_loop_step`` when it defines one, else the default."""
    if not package:
        return default_loop_step
    if path and path not in sys.path:
        sys.path.insert(0, path)
    module = importlib.import_module(package)
    step = getattr(module, "service_loop_step", None)
    return step if callable(step) else default_loop_step


def write_json(path: Path, payload: dict[str, Any]) -> None:
    """Replace ``path`` atomically so that readers never see half a heartbeat."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(payload, default=str))
    os.replace(tmp, path)


def lease_generation(queue_dir: Path, worker: str) -> int:
    try:
        return int((queue_dir / "heartbeats" / f"{worker}.lease").read_text().strip() or 0)
    except (FileNotFoundError, ValueError):
        return 0


def claim_task(queue_dir: Path, worker: str) -> Path | None:
    """Move the oldest pending task to ``running/``; the rename makes exactly one worker win it."""
    pending = queue_dir / "pending"
    for candidate in sorted(pending.glob("*.json"), key=lambda p: p.stat().st_mtime if p.exists() else 0):
        target = queue_dir / "running" / f"{candidate.stem}.{worker}.json"
        try:
            os.replace(candidate, target)
            return target
        except FileNotFoundError:
            continue
    return None


def run_service_loop(worker: str, queue_dir: str, generation: int, poll_interval: float = 1.0,
                     package: str | None = None, package_path: str | None = None) -> dict[str, Any]:
    """Run until STOP or a newer lease; return a summary (the Dask future finishes with it)."""
    root = Path(queue_dir)
    for name in QUEUE_DIRS:
        (root / name).mkdir(parents=True, exist_ok=True)
    beat = root / "heartbeats" / f"{worker}.json"
    step = load_step(package, package_path)
    state: dict[str, Any] = {"worker": worker, "queue_dir": str(root), "iteration": 0, "generation": generation}
    processed = 0

    def heartbeat(status: str, **extra: Any) -> None:
        write_json(beat, {"worker": worker, "generation": generation, "state": status, "timestamp": time.time(),
                          "pid": os.getpid(), "iteration": state["iteration"], "processed": processed, **extra})

    heartbeat("starting")
    while True:
        if (root / STOP_FILE).exists():
            heartbeat("stopped")
            return {"worker": worker, "generation": generation, "reason": "stop", "processed": processed}
        if lease_generation(root, worker) > generation:
            return {"worker": worker, "generation": generation, "reason": "superseded", "processed": processed}
        state["iteration"] += 1
        task_path = claim_task(root, worker)
        if task_path is None:
            state["task"] = None
            heartbeat("idle")
            state["last_result"] = step(state)  # an error here ends the loop: reason loop-error
        else:
            heartbeat("busy", task=task_path.name)
            try:
                state["task"] = json.loads(task_path.read_text() or "null")
                result = {"task": state["task"], "result": step(state), "worker": worker}
                write_json(root / "done" / task_path.name, result)
            except Exception:
                write_json(root / "failed" / task_path.name,
                           {"task": task_path.name, "worker": worker, "error": traceback.format_exc()})
            task_path.unlink(missing_ok=True)
            processed += 1
            heartbeat("idle")
            continue  # drain the queue without sleeping
        time.sleep(poll_interval)
