"""Reading and maintaining the records of a workspace: list (from a compact index), load, pin, prune.

Each app's records live in ``log/execute/<target>/runs/<run_id>/``. ``runs/index.jsonl`` holds one
summary line per change (start, finish, pin, tracking); the last line of a run id wins, so listing
1,000 runs reads one small file instead of 1,000 manifests. The index is only a cache: a record
folder it does not know is read from its manifest, and a line whose folder is gone is dropped.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..atomic import atomic_write_text, file_lock
from ..errors import AgilabError
from .ids import is_run_id

MANIFEST = "run_manifest.json"
INDEX = "index.jsonl"
DEFAULT_KEEP = 50


class RecordError(AgilabError):
    """A run record cannot be found or read; the message names the run id or the file."""


@dataclass(frozen=True)
class RunSummary:
    """One run as the Runs view lists it."""

    run_id: str
    app: str
    kind: str
    status: str
    started: str
    seconds: float | None
    mode: int | None
    token: str | None
    metrics: dict[str, float]
    args: dict[str, Any]
    pinned: bool
    parent_id: str | None
    error: str | None
    record_dir: Path
    changed_args: list[str] = field(default_factory=list)
    tracking: str = ""
    label: str = ""
    rerun_of: str | None = None
    started_ts: float = 0.0


def summary_of(manifest: dict[str, Any]) -> dict[str, Any]:
    """The index line of a manifest: the record fields a list needs, nothing heavy."""
    rec = manifest.get("record", {})
    return {
        "run_id": rec.get("run_id") or manifest.get("run_id"), "app": rec.get("app", ""),
        "kind": rec.get("kind", "run"), "status": rec.get("status", "unknown"), "started": rec.get("started_at", ""),
        "started_ts": rec.get("started_ts", 0.0), "seconds": rec.get("seconds"), "mode": rec.get("mode"),
        "token": rec.get("token"), "metrics": rec.get("metrics", {}), "args": rec.get("args", {}),
        "pinned": bool(rec.get("pinned")), "parent_id": rec.get("parent_id"), "error": rec.get("error"),
        "tracking": (rec.get("tracking") or {}).get("status", ""), "label": manifest.get("label", ""),
        "rerun_of": rec.get("rerun_of"), "owner_pid": rec.get("owner_pid"),
    }


def runs_dir_of(log_dir: Path) -> Path:
    return log_dir / "runs"


def load_manifest(record_dir: Path) -> dict[str, Any]:
    path = record_dir / MANIFEST
    try:
        return json.loads(path.read_text("utf-8"))
    except FileNotFoundError as exc:
        raise RecordError(f"{path}: the record has no manifest") from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise RecordError(f"{path}: not valid JSON ({exc})") from exc


def write_manifest(record_dir: Path, manifest: dict[str, Any]) -> Path:
    path = record_dir / MANIFEST
    atomic_write_text(path, json.dumps(manifest, indent=2, default=str))
    return path


def append_index(runs_dir: Path, manifest: dict[str, Any]) -> None:
    line = json.dumps(summary_of(manifest), default=str, separators=(",", ":"))
    index = runs_dir / INDEX
    with file_lock(index), open(index, "a", encoding="utf-8") as handle:
        handle.write(line + "\n")


def _read_index(runs_dir: Path) -> dict[str, dict[str, Any]]:
    entries: dict[str, dict[str, Any]] = {}
    try:
        with open(runs_dir / INDEX, encoding="utf-8") as handle:
            for line in handle:
                try:
                    entry = json.loads(line)
                except json.JSONDecodeError:
                    continue  # a torn last line after a crash; the manifest is the truth
                if isinstance(entry, dict) and entry.get("run_id"):
                    entries[entry["run_id"]] = entry
    except FileNotFoundError:
        pass
    return entries


def _pid_alive(pid: Any) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def index_entries(runs_dir: Path) -> list[dict[str, Any]]:
    """Index lines of every record folder that exists, oldest first; unknown folders read from disk."""
    if not runs_dir.is_dir():
        return []
    entries = _read_index(runs_dir)
    present = {e.name for e in os.scandir(runs_dir) if e.is_dir() and is_run_id(e.name)}
    result = []
    for run_id in present:
        entry = entries.get(run_id)
        if entry is None:
            try:
                entry = summary_of(load_manifest(runs_dir / run_id))
            except RecordError:
                entry = {"run_id": run_id, "status": "incomplete", "kind": "run", "started_ts": 0.0}
        if entry.get("status") == "running" and not _pid_alive(entry.get("owner_pid")):
            entry = {**entry, "status": "interrupted", "error": entry.get("error") or "the process running it died"}
        result.append(entry)
    result.sort(key=lambda e: (e.get("started_ts") or 0.0, e["run_id"]))
    return result


def _to_summary(entry: dict[str, Any], runs_dir: Path, changed: list[str]) -> RunSummary:
    return RunSummary(
        run_id=entry["run_id"], app=entry.get("app", ""), kind=entry.get("kind", "run"),
        status=entry.get("status", "unknown"), started=entry.get("started", ""), seconds=entry.get("seconds"),
        mode=entry.get("mode"), token=entry.get("token"), metrics=dict(entry.get("metrics") or {}),
        args=dict(entry.get("args") or {}), pinned=bool(entry.get("pinned")), parent_id=entry.get("parent_id"),
        error=entry.get("error"), record_dir=runs_dir / entry["run_id"], changed_args=changed,
        tracking=entry.get("tracking", ""), label=entry.get("label", ""), rerun_of=entry.get("rerun_of"),
        started_ts=float(entry.get("started_ts") or 0.0))


def list_runs(runs_dir: Path) -> list[RunSummary]:
    """Every record of one app, newest first; ``changed_args`` compares with the previous run of its kind."""
    previous: dict[str, dict[str, Any]] = {}
    summaries = []
    for entry in index_entries(runs_dir):
        kind = entry.get("kind", "run")
        args = entry.get("args") or {}
        before = previous.get(kind)
        changed = [] if before is None else sorted(k for k in set(args) | set(before) if args.get(k) != before.get(k))
        previous[kind] = args
        summaries.append(_to_summary(entry, runs_dir, changed))
    summaries.reverse()
    return summaries


def find_record(log_root: Path, run_id: str) -> Path:
    """The folder of ``run_id`` under ``log/execute/*/runs/``, whatever the app."""
    if not is_run_id(run_id):
        raise RecordError(f"'{run_id}' is not a run id (expected e.g. 20261201T191655-3f2a9c)")
    for candidate in sorted(log_root.glob(f"*/runs/{run_id}")):
        if candidate.is_dir():
            return candidate
    raise RecordError(f"no run record {run_id} under {log_root}")


def update_manifest(record_dir: Path, change: Any) -> dict[str, Any]:
    """Apply ``change(manifest)`` under the record's lock, write it atomically and index the result."""
    path = record_dir / MANIFEST
    with file_lock(path):
        manifest = load_manifest(record_dir)
        change(manifest)
        write_manifest(record_dir, manifest)
    append_index(record_dir.parent, manifest)
    return manifest


def set_pinned(record_dir: Path, pinned: bool) -> dict[str, Any]:
    def change(manifest: dict[str, Any]) -> None:
        manifest.setdefault("record", {})["pinned"] = bool(pinned)

    return update_manifest(record_dir, change)


def prune(runs_dir: Path, keep: int) -> list[str]:
    """Delete finished, unpinned records older than the newest ``keep`` unpinned ones; return their ids.

    Pinned records are never deleted and do not count towards ``keep``; running ones are never deleted.
    """
    unpinned = [e for e in index_entries(runs_dir) if not e.get("pinned")]
    removed: list[str] = []
    for entry in unpinned[: max(len(unpinned) - keep, 0)]:
        if entry.get("status") == "running":
            continue
        shutil.rmtree(runs_dir / entry["run_id"], ignore_errors=True)
        removed.append(entry["run_id"])
    if removed:
        compact_index(runs_dir)
    return removed


def compact_index(runs_dir: Path) -> None:
    """Rewrite the index with one line per existing record (it only grows between prunes)."""
    index = runs_dir / INDEX
    with file_lock(index):
        entries = _read_index(runs_dir)
        present = {e.name for e in os.scandir(runs_dir) if e.is_dir()}
        lines = [json.dumps(e, default=str, separators=(",", ":")) for rid, e in entries.items() if rid in present]
        atomic_write_text(index, "".join(line + "\n" for line in lines))


def keep_setting(document: Any, path: Path | None = None) -> int:
    """``[records] keep`` of an app's settings (default 50); a bad value is an error naming the key."""
    from ..errors import SettingsError

    table = document.get("records", {}) if document is not None else {}
    value = table.get("keep", DEFAULT_KEEP) if hasattr(table, "get") else DEFAULT_KEEP
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise SettingsError(path or Path("app_settings.toml"), f"must be an integer >= 1, got {value!r}",
                            key="records.keep")
    return int(value)
