"""``run_manifest.json`` (AGILab's ``agilab.run_manifest``): what ran, where, how long, what it produced."""

from __future__ import annotations

import json
import platform
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .atomic import atomic_write_text
from .workspace import REPO_ROOT, AppProject


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat()


def artifact_entry(path: Path | str, kind: str) -> dict[str, Any]:
    p = Path(path)
    return {"name": p.name, "path": str(p), "kind": kind, "exists": p.exists(),
            "size_bytes": p.stat().st_size if p.exists() else 0}


def write_run_manifest(path: Path, *, app: AppProject, label: str, status: str, argv: list[str],
                       started: float, finished: float, artifacts: list[dict[str, Any]],
                       validations: list[dict[str, Any]], env_overrides: dict[str, str] | None = None) -> dict[str, Any]:
    manifest = {
        "schema_version": 1,
        "kind": "agilab.run_manifest",
        "run_id": f"run-{uuid.uuid4().hex[:12]}",
        "path_id": app.target,
        "label": label,
        "status": status,
        "command": {"label": label, "argv": argv, "cwd": str(Path.cwd()), "env_overrides": env_overrides or {}},
        "environment": {"python_version": platform.python_version(), "python_executable": sys.executable,
                        "platform": platform.platform(), "repo_root": str(REPO_ROOT), "active_app": str(app.path),
                        "app_name": app.name},
        "timing": {"started_at": _iso(started), "finished_at": _iso(finished),
                   "duration_seconds": round(finished - started, 4), "target_seconds": None},
        "artifacts": artifacts,
        "validations": validations,
        "created_at": _iso(finished),
    }
    atomic_write_text(path, json.dumps(manifest, indent=2))
    return manifest
