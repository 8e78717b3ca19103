"""Whether an app is installed, read from disk without loading the install machinery.

``agilab-tui apps`` and the PROJECT cards ask this for every app; answering must not import uv
handling, asyncio or the backends' operation code (``engine.install`` re-exports these names).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .modes import CYTHON_MODE
from .workspace import AppProject, Workspace

STAMP = "install.json"


@dataclass(frozen=True)
class UvEnv:
    """Paths of one uv environment folder (the worker's or the manager's): venv, staged sources, stamp."""

    root: Path

    @property
    def venv(self) -> Path:
        return self.root / ".venv"

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"

    @property
    def src(self) -> Path:
        return self.root / "src"

    @property
    def stamp(self) -> Path:
        return self.root / STAMP

    def read_stamp(self) -> dict[str, Any] | None:
        try:
            return json.loads(self.stamp.read_text("utf-8"))
        except (FileNotFoundError, json.JSONDecodeError):
            return None


@dataclass(frozen=True)
class WorkerEnv(UvEnv):
    """Paths of one app's worker environment."""

    @property
    def plan_file(self) -> Path:
        return self.root / "distribution_tree.json"


@dataclass(frozen=True)
class InstallStatus:
    """Whether runs can start, and if not, why."""

    installed: bool
    cython: bool
    reason: str


def worker_env(workspace: Workspace, app: AppProject) -> WorkerEnv:
    return WorkerEnv(workspace.wenv_dir(app))


def install_status(workspace: Workspace, app: AppProject, mode: int = 0) -> InstallStatus:
    env = worker_env(workspace, app)
    stamp = env.read_stamp()
    failed_hosts = [h.get("host", "?") for h in (stamp or {}).get("hosts", []) if h.get("status") != "ok"]
    if stamp and failed_hosts and env.python.exists():
        return InstallStatus(False, False, f"{app.name}: the last INSTALL failed on {', '.join(failed_hosts)}: "
                                           "run INSTALL again once the host is reachable")
    if not stamp or not stamp.get("ok") or not env.python.exists():
        return InstallStatus(False, False, f"{app.name} is not installed: run INSTALL first")
    cython = bool(stamp.get("cython"))
    if mode & CYTHON_MODE and not cython:
        return InstallStatus(True, False, "the cython mode needs INSTALL with the cython toggle on")
    return InstallStatus(True, cython, "")


def app_install_status(workspace: Workspace, app: AppProject, mode: int = 0) -> InstallStatus:
    """:func:`install_status` for a native app; an AGILab-backed app asks AGILab's own worker env."""
    if app.backend == "agilab":
        from .backends.agilab.install_state import agilab_install_status

        return agilab_install_status(app, mode)
    return install_status(workspace, app, mode)
