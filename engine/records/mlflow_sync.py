"""Each record becomes an MLflow run, logged after the execution in one background thread.

Tracking never blocks work: the execution has finished (and its operation reported) before MLflow
is even imported, HTTP retries are turned down so an unreachable server fails in seconds, and any
error is written into the record (``record.tracking``: ``ok`` with the MLflow run id, ``failed``
with the reason, or ``off``). One experiment per app (the app name, shared with WORKFLOW's
pipeline runs); a record with children (a benchmark) is a parent run with one nested run each.
The thread pool is joined at interpreter exit, so a CLI process finishes its tracking first.
"""

from __future__ import annotations

import importlib.util
import json
import math
import os
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor, wait
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import store

if TYPE_CHECKING:
    from .record import RecordWriter

PARENT_TAG = "mlflow.parentRunId"
_STATUS = {"completed": "FINISHED", "failed": "FAILED", "cancelled": "KILLED"}
_HTTP_DEFAULTS = {"MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0", "MLFLOW_HTTP_REQUEST_TIMEOUT": "5",
                  "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR": "0"}
_LOCK = threading.Lock()
_EXECUTOR: ThreadPoolExecutor | None = None
_PENDING: set[Future[None]] = set()
_CLIENTS: dict[str, Any] = {}


def tracking_off_reason() -> str | None:
    """Why records are not tracked (``AGILAB_TRACKING=none``, MLflow missing), or None."""
    if os.environ.get("AGILAB_TRACKING", "").strip().lower() in {"none", "off", "0"}:
        return "AGILAB_TRACKING=none"
    if importlib.util.find_spec("mlflow") is None:
        return "mlflow is not installed"
    return None


def tracking_uri_for(workspace: Any) -> str:
    """``MLFLOW_TRACKING_URI`` when set, else the workspace's local store."""
    return os.environ.get("MLFLOW_TRACKING_URI") or workspace.mlflow_tracking_uri()


def _submit(call: Any) -> Future[None]:
    global _EXECUTOR
    with _LOCK:
        if _EXECUTOR is None:
            _EXECUTOR = ThreadPoolExecutor(max_workers=1, thread_name_prefix="agilab-mlflow")
        future = _EXECUTOR.submit(call)
        _PENDING.add(future)
    future.add_done_callback(_PENDING.discard)
    return future


def prewarm(uri: str) -> None:
    """Import MLflow and open the store while the execution runs (its children do the work meanwhile),
    so that logging the record afterwards takes a fraction of a second instead of seconds."""
    if uri in _CLIENTS:
        return

    def warm() -> None:
        try:
            _client(uri).search_experiments(max_results=1)
        except Exception:  # noqa: BLE001 - the real logging reports the failure in the record
            _CLIENTS.pop(uri, None)

    _submit(warm)


def schedule(writer: RecordWriter) -> Future[None]:
    """Queue the MLflow logging of ``writer``'s record and of its children."""
    job = _Job(writer.dir, [c.dir for c in writer.children], writer.parent_id,
               writer.tracking_uri or "", writer.artifact_root, writer.mlflow_run_id)
    return _submit(job.run)


def schedule_orphans(runs_dir: Path) -> int:
    """Queue records still ``pending`` whose process ended before logging them (killed CLI, crash)."""
    queued = 0
    for entry in store.index_entries(runs_dir):
        owner = entry.get("owner_pid")
        if entry.get("tracking") != "pending" or entry.get("status") not in ("completed", "failed", "cancelled"):
            continue
        if owner == os.getpid() or store._pid_alive(owner):
            continue  # its own process logs it
        if entry.get("parent_id"):
            continue  # logged with its parent
        try:
            manifest = store.load_manifest(runs_dir / entry["run_id"])
        except store.RecordError:
            continue
        rec = manifest.get("record", {})
        tracking = rec.get("tracking") or {}
        if tracking.get("status") != "pending" or not tracking.get("uri"):
            continue
        root = tracking.get("artifact_root")
        job = _Job(runs_dir / entry["run_id"], [runs_dir / c for c in rec.get("children") or []], None,
                   tracking["uri"], Path(root) if root else None, None)
        _submit(job.run)
        queued += 1
    return queued


def pending_count() -> int:
    with _LOCK:
        return sum(1 for f in _PENDING if not f.done())


def wait_pending(timeout: float | None = 120.0) -> bool:
    """Wait for queued tracking jobs; True when none is left."""
    with _LOCK:
        pending = set(_PENDING)
    if not pending:
        return True
    _, not_done = wait(pending, timeout=timeout)
    return not not_done


class _Job:
    def __init__(self, record_dir: Path, children: list[Path], parent_id: str | None, uri: str,
                 artifact_root: Path | None, existing: str | None):
        self.record_dir, self.children, self.parent_id = record_dir, children, parent_id
        self.uri, self.artifact_root, self.existing = uri, artifact_root, existing

    def run(self) -> None:
        started = time.monotonic()
        try:
            client = _client(self.uri)
            manifest = store.load_manifest(self.record_dir)
            experiment = _experiment(client, manifest["record"]["app"], self.artifact_root)
            parent_mlflow = _parent_mlflow_id(self.record_dir, self.parent_id)
            run_id = _log_record(client, experiment, manifest, self.record_dir, parent_mlflow, self.existing)
        except Exception as exc:  # tracking must never fail the run: say why in the record instead
            reason = f"{type(exc).__name__}: {_short(exc)}"
            for folder in [self.record_dir, *self.children]:
                _set_tracking(folder, {"status": "failed", "uri": self.uri, "reason": reason})
            return
        _set_tracking(self.record_dir, {"status": "ok", "uri": self.uri, "mlflow_run_id": run_id,
                                        "experiment_id": experiment,
                                        "seconds": round(time.monotonic() - started, 3)})
        for folder in self.children:
            try:
                child = _log_record(client, experiment, store.load_manifest(folder), folder, run_id, None)
                _set_tracking(folder, {"status": "ok", "uri": self.uri, "mlflow_run_id": child,
                                       "experiment_id": experiment, "parent_mlflow_run_id": run_id})
            except Exception as exc:
                _set_tracking(folder, {"status": "failed", "uri": self.uri,
                                       "reason": f"{type(exc).__name__}: {_short(exc)}"})


def _short(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else "")[:400]


def _client(uri: str) -> Any:
    """One client per store and process: opening a SQL store checks its schema, which takes seconds."""
    from ..mlflow_store import check_tracking_store

    check_tracking_store(uri)  # a bad local store fails in ms, not after MLflow's ~100 s of retries
    client = _CLIENTS.get(uri)
    if client is None:
        for key, value in _HTTP_DEFAULTS.items():
            os.environ.setdefault(key, value)
        from mlflow.tracking import MlflowClient

        client = _CLIENTS[uri] = MlflowClient(tracking_uri=uri)
    return client


def _experiment(client: Any, name: str, artifact_root: Path | None) -> str:
    from mlflow.exceptions import MlflowException

    existing = client.get_experiment_by_name(name)
    if existing is not None:
        return str(existing.experiment_id)
    location = (artifact_root / "artifacts" / name).as_uri() if artifact_root else None
    try:
        return str(client.create_experiment(name, artifact_location=location))
    except MlflowException:
        again = client.get_experiment_by_name(name)  # created meanwhile by another execution
        if again is None:
            raise
        return str(again.experiment_id)


def _parent_mlflow_id(record_dir: Path, parent_id: str | None) -> str | None:
    if not parent_id:
        return None
    try:
        parent = store.load_manifest(record_dir.parent / parent_id)
    except store.RecordError:
        return None
    return (parent.get("record", {}).get("tracking") or {}).get("mlflow_run_id")


def _param_value(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str, sort_keys=True)
    return text[:6000]  # MLflow caps param values; the record keeps the whole value


def _log_record(client: Any, experiment: str, manifest: dict[str, Any], record_dir: Path,
                parent_mlflow: str | None, existing: str | None) -> str:
    from mlflow.entities import Metric, Param

    rec = manifest["record"]
    tags = {"agilab.run_record_id": rec["run_id"], "agilab.kind": rec["kind"], "agilab.status": rec["status"],
            "agilab.mode_token": str(rec.get("token") or ""), "agilab.app": rec["app"],
            "agilab.app_fingerprint": str((rec.get("app_fingerprint") or {}).get("digest") or ""),
            "agilab.record_dir": str(record_dir)}
    if rec.get("rerun_of"):
        tags["agilab.rerun_of"] = rec["rerun_of"]
    if parent_mlflow:
        tags[PARENT_TAG] = parent_mlflow
    if existing:
        run_id = existing
        for key, value in tags.items():
            client.set_tag(run_id, key, value)
    else:
        name = f"{rec['app']}:{rec['kind']}" + (f":{rec['token']}" if rec.get("token") else "")
        run = client.create_run(experiment, run_name=name, start_time=int(rec["started_ts"] * 1000), tags=tags)
        run_id = str(run.info.run_id)
    params = {str(k): _param_value(v) for k, v in (rec.get("args") or {}).items()}
    if rec.get("mode") is not None:
        params["mode"] = str(rec["mode"])
    if rec.get("hosts"):
        params["hosts"] = _param_value(rec["hosts"])
    if existing:  # MLflow refuses to change a logged param: keep what the run's owner logged
        logged = client.get_run(run_id).data.params
        params = {k: v for k, v in params.items() if k not in logged}
    stamp = int(time.time() * 1000)
    metrics = [Metric(k, float(v), stamp, 0) for k, v in (rec.get("metrics") or {}).items()
               if isinstance(v, (int, float)) and math.isfinite(v)]
    items = [Param(k, v) for k, v in params.items()]
    for start in range(0, max(len(items), len(metrics), 1), 100):
        client.log_batch(run_id, metrics=metrics[start:start + 100], params=items[start:start + 100])
    for name in ("run_manifest.json", "run.log", "distribution_tree.json", "run_spec.json"):
        path = record_dir / name
        if path.is_file():
            client.log_artifact(run_id, str(path), "record")
    if not existing:
        client.set_terminated(run_id, _STATUS.get(rec["status"], "FAILED"),
                              end_time=int((rec["started_ts"] + (rec.get("seconds") or 0)) * 1000))
    return run_id


def _set_tracking(record_dir: Path, tracking: dict[str, Any]) -> None:
    def change(manifest: dict[str, Any]) -> None:
        manifest.setdefault("record", {})["tracking"] = tracking

    try:
        manifest = store.update_manifest(record_dir, change)
    except (store.RecordError, OSError):
        return  # the record was pruned meanwhile
    # The latest-run mirror (log/execute/<target>/run_manifest.json) shows the same tracking status.
    mirror = record_dir.parent.parent / store.MANIFEST
    try:
        with store.file_lock(mirror):
            if json.loads(mirror.read_text("utf-8")).get("run_id") == manifest.get("run_id"):
                store.atomic_write_text(mirror, json.dumps(manifest, indent=2, default=str))
    except (OSError, json.JSONDecodeError):
        pass
