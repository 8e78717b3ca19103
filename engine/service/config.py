"""Everything a service needs to run, built from the app and its settings, serialisable to JSON."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .queue import CleanupPolicy

if TYPE_CHECKING:
    from ..settings import AppSettings
    from ..workspace import AppProject, Workspace

LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
DEFAULT_HEARTBEAT_TIMEOUT = 10.0
DEFAULT_POLL_INTERVAL = 1.0
DEFAULT_STOP_TIMEOUT = 10.0


def service_dir(workspace: Workspace, target: str) -> Path:
    """``${share}/service/<target>``: the share is the workspace data folder."""
    return workspace.data_dir / "service" / target


@dataclass
class ServiceConfig:
    """The resolved service set-up; the supervisor process receives it as JSON."""

    app: str
    target: str
    root: str
    workers: dict[str, int]
    scheduler_host: str = "127.0.0.1"
    scheduler_port: int = 0
    python: str = sys.executable
    worker_package: str | None = None
    worker_path: str | None = None
    pythonpath: list[str] = field(default_factory=list)
    poll_interval: float = DEFAULT_POLL_INTERVAL
    heartbeat_timeout: float = DEFAULT_HEARTBEAT_TIMEOUT
    stop_timeout: float = DEFAULT_STOP_TIMEOUT
    restart_window: float = 60.0
    cleanup: dict[str, float] = field(default_factory=lambda: asdict(CleanupPolicy()))
    ssh_user: str | None = None
    ssh_key_path: str | None = None
    known_hosts_files: list[str] = field(default_factory=list)
    connect_timeout: float = 10.0
    log_dir: str | None = None
    """``log/execute/<target>``: service actions leave run records under its ``runs/``."""

    @property
    def service_dir(self) -> Path:
        return Path(self.root)

    @property
    def queue_dir(self) -> Path:
        return self.service_dir / "queue"

    @property
    def state_path(self) -> Path:
        return self.service_dir / "service_state.json"

    @property
    def health_path(self) -> Path:
        return self.service_dir / "health.json"

    @property
    def log_path(self) -> Path:
        return self.service_dir / "supervisor.log"

    @property
    def cleanup_policy(self) -> CleanupPolicy:
        return CleanupPolicy(**self.cleanup)  # type: ignore[arg-type]

    def is_local(self, host: str) -> bool:
        """Hosts served by local worker processes rather than SSH."""
        return host.rpartition("@")[2] in LOCAL_HOSTS

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2)

    @classmethod
    def from_json(cls, text: str) -> ServiceConfig:
        data: dict[str, Any] = json.loads(text)
        return cls(**data)


def build_config(workspace: Workspace, app: AppProject, settings: AppSettings, *,
                 heartbeat_timeout: float | None = None, poll_interval: float | None = None,
                 python: str | None = None) -> ServiceConfig:
    """Resolve the service of ``app`` from ``[cluster]``: scheduler, worker map, SSH user and key.

    Without ``cluster_enabled`` every slot runs on this machine (the worker map's slot total).
    The worker python is the app's worker env when installed, else this interpreter.
    """
    from ..ssh.known_hosts import workspace_known_hosts

    cluster = settings.cluster
    host, _, port = cluster.scheduler.rpartition(":")
    workers = dict(cluster.workers) if cluster.cluster_enabled else {"127.0.0.1": sum(cluster.workers.values())}
    wenv_python = workspace.wenv_dir(app) / ".venv" / "bin" / "python"
    repo_root = str(Path(__file__).resolve().parents[2])
    config = ServiceConfig(
        app=app.name,
        target=app.target,
        root=str(service_dir(workspace, app.target)),
        workers=workers,
        scheduler_host=host if cluster.cluster_enabled else "127.0.0.1",
        scheduler_port=int(port) if cluster.cluster_enabled else 0,
        python=python or (str(wenv_python) if wenv_python.exists() else sys.executable),
        worker_package=app.worker_package if app.worker_dir.is_dir() else None,
        worker_path=str(app.src_dir),
        pythonpath=[repo_root, str(app.src_dir)],
        ssh_user=cluster.user or None,
        ssh_key_path=cluster.ssh_key_path or None,
        known_hosts_files=[str(workspace_known_hosts(workspace))],
        log_dir=str(workspace.log_dir(app)),
    )
    config.heartbeat_timeout = cluster.service.heartbeat_timeout if heartbeat_timeout is None else heartbeat_timeout
    config.cleanup = {**config.cleanup, **cluster.service.cleanup()}
    if poll_interval is not None:
        config.poll_interval = poll_interval
    return config
