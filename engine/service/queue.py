"""Service queue folders: counts, heartbeat reading, and TTL / max-files cleanup."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workers.service_loop import QUEUE_DIRS

DAY = 86400.0


@dataclass(frozen=True)
class CleanupPolicy:
    """Retention of finished artefacts; defaults follow AGILab (7 d / 14 d / 24 h, 2000/2000/1000 files)."""

    done_ttl_sec: float = 7 * DAY
    failed_ttl_sec: float = 14 * DAY
    heartbeat_ttl_sec: float = 1 * DAY
    done_max_files: int = 2000
    failed_max_files: int = 2000
    heartbeat_max_files: int = 1000


def ensure_queue(queue_dir: Path) -> None:
    """Create ``pending/ running/ done/ failed/ heartbeats/`` under ``queue_dir``."""
    for name in QUEUE_DIRS:
        (queue_dir / name).mkdir(parents=True, exist_ok=True)


def queue_counts(queue_dir: Path) -> dict[str, int]:
    """Number of JSON files in each queue folder."""
    return {name: sum(1 for _ in (queue_dir / name).glob("*.json")) if (queue_dir / name).is_dir() else 0
            for name in QUEUE_DIRS}


def read_heartbeat(queue_dir: Path, worker: str) -> dict[str, Any] | None:
    """The latest heartbeat a loop wrote, or None when there is none (or it is unreadable)."""
    try:
        data = json.loads((queue_dir / "heartbeats" / f"{worker}.json").read_text())
        return data if isinstance(data, dict) else None
    except (FileNotFoundError, ValueError, OSError):
        return None


def write_lease(queue_dir: Path, worker: str, generation: int) -> None:
    """Tell any older loop of ``worker`` to end: only ``generation`` may run from now on."""
    from ..atomic import atomic_write_text

    atomic_write_text(queue_dir / "heartbeats" / f"{worker}.lease", f"{generation}\n")


def _prune(folder: Path, ttl: float, max_files: int, keep: set[str], now: float) -> int:
    if not folder.is_dir():
        return 0
    files = []
    for path in folder.glob("*.json"):
        try:
            files.append((path.stat().st_mtime, path))
        except FileNotFoundError:
            continue
    files.sort(reverse=True)  # newest first: the oldest go when over the limit
    removed = 0
    kept = 0
    for mtime, path in files:
        if path.name in keep:
            continue
        if now - mtime > ttl or kept >= max_files:
            path.unlink(missing_ok=True)
            removed += 1
        else:
            kept += 1
    return removed


def cleanup_queue(queue_dir: Path, policy: CleanupPolicy, *, live_workers: set[str] = frozenset(),
                  now: float | None = None) -> dict[str, Any]:
    """Delete done/failed/heartbeat files past their TTL or beyond the max count; live heartbeats stay."""
    now = time.time() if now is None else now
    keep = {f"{w}.json" for w in live_workers}
    return {
        "done_removed": _prune(queue_dir / "done", policy.done_ttl_sec, policy.done_max_files, set(), now),
        "failed_removed": _prune(queue_dir / "failed", policy.failed_ttl_sec, policy.failed_max_files, set(), now),
        "heartbeats_removed": _prune(queue_dir / "heartbeats", policy.heartbeat_ttl_sec,
                                     policy.heartbeat_max_files, keep, now),
        "at": now,
    }
