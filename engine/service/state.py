"""``service_state.json``: how a later process finds a running service (scheduler, PIDs, loops)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import psutil

from ..atomic import atomic_write_text

STATE_SCHEMA = "agi.service.state.v1"


def read_state(path: Path) -> dict[str, Any] | None:
    """The state written by the supervisor, or None when there is none or it is unreadable."""
    try:
        data = json.loads(path.read_text("utf-8"))
        return data if isinstance(data, dict) else None
    except (FileNotFoundError, ValueError, OSError):
        return None


def write_state(path: Path, state: dict[str, Any]) -> None:
    """Write atomically, so a concurrent reader sees the old or the new state, never half."""
    state = {"schema": STATE_SCHEMA, **state, "updated_at": time.time()}
    atomic_write_text(path, json.dumps(state, indent=2, default=str))


def pid_alive(pid: int | None, *, expect: str | None = None) -> bool:
    """True when ``pid`` runs and is not a zombie; ``expect`` must then appear in its command line."""
    if not pid:
        return False
    try:
        proc = psutil.Process(int(pid))
        if proc.status() == psutil.STATUS_ZOMBIE:
            return False
        return expect is None or expect in " ".join(proc.cmdline())
    except psutil.Error:
        return False
