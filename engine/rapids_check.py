"""Whether RAPIDS modes (bit 8) can run: cuDF must import in the app's worker environment.

A blocking check (one subprocess, a few seconds at most) for UIs that grey out the rapids modes with
the reason; runs keep their own asynchronous check (``engine.install.cudf_available``).
"""

from __future__ import annotations

import subprocess

from .install import worker_env
from .proc import clean_child_env
from .workspace import AppProject, Workspace

TIMEOUT_S = 60


def rapids_unavailable_reason(workspace: Workspace, app: AppProject) -> str:
    """'' when cuDF imports in the worker env, else why the rapids modes cannot run."""
    env = worker_env(workspace, app)
    if not env.python.exists():
        return "the worker environment is not installed (INSTALL first)"
    try:
        done = subprocess.run([str(env.python), "-c", "import cudf"], capture_output=True, text=True,
                              timeout=TIMEOUT_S, env=clean_child_env(), check=False)
    except subprocess.TimeoutExpired:
        return f"importing cuDF took more than {TIMEOUT_S} s in the worker environment"
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return f"cuDF is not importable in the worker environment ({last})"
    return ""
