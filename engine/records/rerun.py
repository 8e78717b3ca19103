"""Rerun a recorded run exactly (args, mode, hosts, work plan) and check its outputs hash by hash.

A rerun is refused when the app's manager/worker sources or the worker environment's packages
differ from the record, because the result could no longer be attributed to the recorded code;
``force`` runs anyway and says so. Changed input files never block a rerun: finding out whether
the outputs still match is exactly what the check is for.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..run_request import RunRequest
from .compare import diff_files
from .environment import environment_packages
from .fingerprint import sources_fingerprint

RERUNNABLE = frozenset({"run", "rerun", "benchmark-mode", "dag-step"})
_EXECUTION_KEYS = ("data_in", "data_out", "reset_target")


def what_changed(record: dict[str, Any], sources: dict[str, Path], venv: Path) -> list[str]:
    """Human-readable differences between the recorded code/environment and today's."""
    changes: list[str] = []
    recorded = (record.get("app_fingerprint") or {}).get("files", {})
    current = sources_fingerprint(sources)["files"]
    for name in sorted(set(recorded) | set(current)):
        if name not in current:
            changes.append(f"app source {name} was removed")
        elif name not in recorded:
            changes.append(f"app source {name} was added")
        elif recorded[name] != current[name]:
            changes.append(f"app source {name} was modified")
    before = (record.get("worker_environment") or {}).get("packages", {})
    after = environment_packages(venv)["packages"]
    for name in sorted(set(before) | set(after)):
        if before.get(name) != after.get(name):
            changes.append(f"worker package {name}: {before.get(name) or 'absent'} -> {after.get(name) or 'absent'}")
    return changes


def request_from_record(record: dict[str, Any]) -> RunRequest:
    """The RunRequest that reproduces a record: its effective args, mode and hosts."""
    args = dict(record.get("args") or {})
    return RunRequest(params={k: v for k, v in args.items() if k not in _EXECUTION_KEYS},
                      data_in=args.get("data_in"), data_out=args.get("data_out"), reset_target=args.get("reset_target"),
                      workers=dict(record["hosts"]) if record.get("hosts") else None, mode=int(record["mode"]))


def output_check(original: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """``identical`` and the names of outputs that differ (changed, missing or new)."""
    diff = diff_files(original.get("outputs") or [], new.get("outputs") or [], key="name", digest="sha256")
    differences = sorted({*(c["name"] for c in diff["changed"]), *(a["name"] for a in diff["added"]),
                          *(r["name"] for r in diff["removed"])})
    inputs = diff_files(original.get("inputs") or [], new.get("inputs") or [], key="path", digest="fingerprint")
    return {"identical": not differences and bool(new.get("outputs")), "differences": differences,
            "outputs": diff, "inputs": inputs}
