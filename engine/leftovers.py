"""A ledger of the processes one run started, so the next run can clear what a crashed one left.

Children normally die with the engine (parent-death signal, see :mod:`workers.lifeline`); the
ledger catches what that cannot: an engine on a system without it, or an older version's run.
Each entry carries the process's start time, so a recycled PID is never killed by mistake, and the
ledger names its owner, so a run of the same app still going in another process is left alone.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
from pathlib import Path
from typing import Any

from .atomic import atomic_write_text

LEDGER_NAME = "run_processes.json"


def _started(pid: int) -> float | None:
    import psutil

    try:
        return psutil.Process(pid).create_time()
    except psutil.Error:
        return None


def _alive(entry: dict[str, Any]) -> bool:
    started = _started(int(entry.get("pid", 0)))
    return started is not None and abs(started - float(entry.get("started", -1))) < 0.05


class ProcessLedger:
    """``run_processes.json`` in the app's log folder: owner plus every child PID of the run."""

    def __init__(self, log_dir: Path):
        self.path = log_dir / LEDGER_NAME
        self.owner = {"pid": os.getpid(), "started": _started(os.getpid())}
        self.entries: list[dict[str, Any]] = []

    def _read(self) -> dict[str, Any] | None:
        try:
            data = json.loads(self.path.read_text("utf-8"))
        except (FileNotFoundError, json.JSONDecodeError, UnicodeDecodeError):
            return None
        return data if isinstance(data, dict) else None

    def clear_leftovers(self) -> list[dict[str, Any]]:
        """Kill the live processes of an earlier run whose owner is dead; return what was killed."""
        data = self._read()
        if data is None:
            return []
        owner = data.get("owner") or {}
        if _alive(owner):
            return []  # an engine (maybe this one, in a parallel DAG step) still runs them: not leftovers
        killed = []
        for entry in data.get("processes", []):
            if not isinstance(entry, dict) or not _alive(entry):
                continue
            pid = int(entry["pid"])
            with contextlib.suppress(ProcessLookupError, PermissionError):
                # Each child leads its own group: the group takes pool workers and compilers along.
                if os.getpgid(pid) == pid:
                    os.killpg(pid, signal.SIGKILL)
                else:
                    os.kill(pid, signal.SIGKILL)
                killed.append(entry)
        self.path.unlink(missing_ok=True)
        return killed

    def add(self, pids: list[int], role: str) -> None:
        known = {e["pid"] for e in self.entries}
        for pid in pids:
            started = _started(pid)
            if pid and pid not in known and started is not None:
                self.entries.append({"pid": pid, "started": started, "role": role})
        self.path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(self.path, json.dumps({"owner": self.owner, "processes": self.entries}, indent=2))

    def close(self) -> None:
        """The run ended and stopped its processes: nothing is left to clear."""
        self.path.unlink(missing_ok=True)


def describe(killed: list[dict[str, Any]]) -> str:
    return ", ".join(f"{e.get('role', 'process')} {e['pid']}" for e in killed)
