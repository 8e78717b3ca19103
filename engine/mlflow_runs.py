"""The workspace MLflow store as ANALYSIS reads it: runs (parents and nested), details, comparisons, and the UI.

Reads go through ``MlflowClient`` on ``Workspace.mlflow_tracking_uri()`` (imported lazily; every call
blocks, so the TUI runs them in a worker thread). :class:`MlflowServer` starts ``mlflow server`` on
loopback as a child process in its own process group and stops it on demand or at interpreter exit.
"""

from __future__ import annotations

import atexit
import os
import signal
import socket
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .analysis import Delta, compare_evidence
from .errors import AgilabError
from .proc import clean_child_env
from .workspace import Workspace

PARENT_TAG = "mlflow.parentRunId"
_MAX_RUNS = 500
_MAX_ARTIFACTS = 200


class MlflowError(AgilabError):
    """The MLflow store cannot be read or the UI cannot start; the message says why."""


@dataclass(frozen=True)
class RunRow:
    """One run as the runs table shows it."""

    run_id: str
    name: str
    experiment: str
    status: str
    parent_id: str | None
    depth: int
    started: str
    metrics: dict[str, float] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RunDetail:
    """Everything about one run: params, metrics, user tags and artifact paths."""

    row: RunRow
    tags: dict[str, str]
    artifacts: list[str]


def _client(workspace: Workspace) -> Any:
    from mlflow.tracking import MlflowClient

    return MlflowClient(tracking_uri=workspace.mlflow_tracking_uri())


def _row(run: Any, experiment: str, depth: int) -> RunRow:
    started = datetime.fromtimestamp(run.info.start_time / 1000, UTC).strftime("%Y-%m-%d %H:%M") if run.info.start_time else ""
    return RunRow(run.info.run_id, run.info.run_name or run.info.run_id[:8], experiment, run.info.status,
                  run.data.tags.get(PARENT_TAG), depth, started, dict(run.data.metrics), dict(run.data.params))


def list_runs(workspace: Workspace) -> list[RunRow]:
    """All active runs of the store, newest parents first, each followed by its nested runs (indented)."""
    if not (workspace.mlflow_dir / "mlflow.db").exists():
        return []
    from .mlflow_store import TrackingStoreError, check_tracking_store

    try:
        check_tracking_store(workspace.mlflow_tracking_uri())
    except TrackingStoreError as exc:
        raise MlflowError(str(exc)) from exc
    client = _client(workspace)
    try:
        experiments = {e.experiment_id: e.name for e in client.search_experiments()}
        runs = client.search_runs(list(experiments), max_results=_MAX_RUNS, order_by=["attributes.start_time DESC"])
    except Exception as exc:  # SQLAlchemy/MLflow errors: the store is unreadable
        raise MlflowError(f"{workspace.mlflow_tracking_uri()}: cannot read the MLflow store ({exc})") from exc
    children: dict[str, list[Any]] = {}
    for run in runs:
        parent = run.data.tags.get(PARENT_TAG)
        if parent:
            children.setdefault(parent, []).append(run)
    known = {run.info.run_id for run in runs}
    ordered: list[RunRow] = []

    def add(run: Any, depth: int) -> None:
        ordered.append(_row(run, experiments.get(run.info.experiment_id, "?"), depth))
        for child in sorted(children.get(run.info.run_id, []), key=lambda r: (r.info.start_time or 0, r.info.run_name or "")):
            add(child, depth + 1)

    for run in runs:
        parent = run.data.tags.get(PARENT_TAG)
        if not parent or parent not in known:
            add(run, 0)
    return ordered


def run_detail(workspace: Workspace, run_id: str) -> RunDetail:
    """Params, metrics, non-system tags and (recursively) the artifact paths of one run."""
    client = _client(workspace)
    try:
        run = client.get_run(run_id)
        experiment = client.get_experiment(run.info.experiment_id).name
    except Exception as exc:
        raise MlflowError(f"run {run_id}: not found in {workspace.mlflow_tracking_uri()} ({exc})") from exc
    artifacts: list[str] = []
    pending = [None]
    while pending and len(artifacts) < _MAX_ARTIFACTS:
        folder = pending.pop()
        try:
            entries = client.list_artifacts(run_id, folder)
        except Exception:  # an artifact root on a vanished path: show the run without artifacts
            break
        for entry in entries:
            if entry.is_dir:
                pending.append(entry.path)
            else:
                artifacts.append(entry.path)
    tags = {k: v for k, v in run.data.tags.items() if not k.startswith("mlflow.")}
    return RunDetail(_row(run, experiment, 0), tags, sorted(artifacts))


def compare_runs(workspace: Workspace, baseline_id: str, candidate_id: str) -> list[Delta]:
    """Metric then param deltas between two runs."""
    base, cand = run_detail(workspace, baseline_id).row, run_detail(workspace, candidate_id).row
    return compare_evidence({"metrics": base.metrics, "params": base.params},
                            {"metrics": cand.metrics, "params": cand.params})


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class MlflowServer:
    """``mlflow server`` on 127.0.0.1 for the workspace store, as one child process group."""

    def __init__(self, workspace: Workspace):
        self.workspace = workspace
        self.process: subprocess.Popen[bytes] | None = None
        self.port: int | None = None
        self.log_path = workspace.mlflow_dir / "server.log"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}" if self.port else ""

    def argv(self, port: int) -> list[str]:
        artifacts = self.workspace.mlflow_dir / "artifacts"
        # The supervisor ends the server's group when this process dies, even by SIGKILL: the TUI starts
        # the server from a worker thread, so a parent-death signal would fire as soon as that thread ended.
        return [sys.executable, "-P", "-m", "workers.lifeline", "--supervise",
                sys.executable, "-m", "mlflow", "server", "--host", "127.0.0.1", "--port", str(port),
                "--backend-store-uri", self.workspace.mlflow_tracking_uri(),
                "--default-artifact-root", artifacts.as_uri(), "--workers", "1"]

    def start(self) -> str:
        """Start (or keep) the server; return its URL. Output goes to ``mlflow/server.log``."""
        if self.running:
            return self.url
        port = free_port()
        log = open(self.log_path, "wb")  # noqa: SIM115 - the child keeps writing after we return
        try:
            self.process = subprocess.Popen(self.argv(port), stdout=log, stderr=subprocess.STDOUT,
                                            stdin=subprocess.DEVNULL, start_new_session=True,
                                            cwd=self.workspace.mlflow_dir, env=clean_child_env())
        except OSError as exc:
            raise MlflowError(f"cannot start mlflow server: {exc}") from exc
        finally:
            log.close()
        self.port = port
        atexit.register(self.stop)
        return self.url

    def stop(self, timeout: float = 10.0) -> bool:
        """Stop the server's whole process group (gunicorn/uvicorn workers included); True if one ran."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return False
        for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 5.0)):
            try:
                os.killpg(process.pid, sig)
            except ProcessLookupError:
                break
            try:
                process.wait(wait)
                break
            except subprocess.TimeoutExpired:
                continue
        atexit.unregister(self.stop)
        return True


def server_log_tail(path: Path, lines: int = 5) -> str:
    try:
        return "\n".join(path.read_text("utf-8", errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return ""
