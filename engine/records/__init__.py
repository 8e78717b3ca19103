"""Run records: every execution (run, benchmark mode, stage, pipeline, DAG step, service action)
leaves ``log/execute/<target>/runs/<run_id>/`` with its log, manifest, spec, work plan and hashes,
and an MLflow run. See :mod:`.record` for the writer and :mod:`.store` for listing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .compare import compare_manifests
from .ids import is_run_id, new_run_id
from .mlflow_sync import tracking_uri_for, wait_pending
from .record import KINDS, RECORDS_ENV, RecordWriter, records_enabled
from .session import recording
from .store import (
    DEFAULT_KEEP,
    RecordError,
    RunSummary,
    find_record,
    keep_setting,
    list_runs,
    load_manifest,
    prune,
)

__all__ = [
    "DEFAULT_KEEP", "KINDS", "RECORDS_ENV", "RecordError", "RecordWriter", "RunSummary", "app_record",
    "compare_manifests", "find_record", "is_run_id", "keep_setting", "list_runs", "load_manifest", "new_run_id",
    "prune", "recording", "records_enabled", "tracking_uri_for", "wait_pending",
]


def app_record(workspace: Any, app: Any, *, kind: str = "run", settings: Any = None, label: str = "",
               parent: RecordWriter | str | None = None, rerun_of: str | None = None, venv: Path | None = None,
               mirror: bool | None = None) -> RecordWriter:
    """A writer for an execution of ``app`` (an AppProject) in ``workspace``, with the app's retention."""
    keep = keep_setting(settings.document, settings.path) if settings is not None else DEFAULT_KEEP
    return RecordWriter(workspace.log_dir(app), app=app.name, target=app.target, kind=kind, label=label,
                        parent=parent, rerun_of=rerun_of, keep=keep, mirror=mirror,
                        sources={"manager": app.manager_dir, "worker": app.worker_dir}, venv=venv,
                        tracking_uri=tracking_uri_for(workspace), artifact_root=workspace.mlflow_dir)
