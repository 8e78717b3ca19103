"""The app's manager environment: a uv venv of its own, apart from the worker environment.

It holds the app project's ``pyproject.toml`` dependencies, pydantic (the ``Args`` contract) and a
staged copy of the ``workers`` runtime (plan and reduce types, and the manager protocol server). The
app's manager package itself is not copied: calls put the project's ``src/`` on the path, so edits in
the PROJECT editor take effect without a reinstall; only dependency changes need INSTALL again.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
import time
from dataclasses import dataclass
from importlib import metadata
from typing import Any

import tomlkit

from .atomic import atomic_write_text
from .errors import InstallError
from .install_state import UvEnv
from .lazy_bytecode import write_pth_statement
from .operation import OperationContext
from .workspace import REPO_ROOT, AppProject, Workspace

_COPY_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", "*.so", "build", ".venv")


@dataclass(frozen=True)
class ManagerEnv(UvEnv):
    """Paths of one app's manager environment (laid out like the worker env)."""

    @property
    def ready(self) -> bool:
        stamp = self.read_stamp()
        return bool(stamp and stamp.get("ok")) and self.python.exists()


def manager_env(workspace: Workspace, app: AppProject) -> ManagerEnv:
    """``wenv/<target>_manager``: beside the worker env, never inside it."""
    return ManagerEnv(workspace.root / "wenv" / f"{app.target}_manager")


def not_installed_reason(app: AppProject) -> str:
    return (f"{app.name}: the manager environment is not installed: run INSTALL first "
            f"(ORCHESTRATE ctrl+b, or `agilab-tui install {app.name}`)")


def _requirement_name(requirement: str) -> str:
    name = requirement.strip()
    for stop in "[<>=!~; @(":
        name = name.split(stop, 1)[0]
    return name.strip().lower().replace("_", "-")


def manager_dependencies(app: AppProject) -> list[str]:
    """The project's ``[project].dependencies``, plus pydantic pinned to ours unless the app names it."""
    deps: list[str] = []
    manifest = app.path / "pyproject.toml"
    if manifest.exists():
        try:
            document = tomlkit.parse(manifest.read_text("utf-8"))
        except Exception as exc:
            raise InstallError(f"{manifest}: invalid TOML ({exc})") from exc
        deps.extend(str(d) for d in document.get("project", {}).get("dependencies", []))
    if "pydantic" not in {_requirement_name(d) for d in deps}:
        # Our own version is in uv's cache already, so a fresh install needs no index round trip.
        deps.append(f"pydantic=={metadata.version('pydantic')}")
    return deps


def _digest(deps: list[str]) -> str:
    return hashlib.sha256("\n".join(sorted(deps)).encode()).hexdigest()[:16]


def stage_runtime(env: ManagerEnv) -> None:
    """Copy the ``workers`` runtime (plan/reduce types and the protocol server) into the env's sources."""
    destination = env.src / "workers"
    env.src.mkdir(parents=True, exist_ok=True)
    # Copied aside, then swapped in by renames: an interrupted copy never leaves a partial runtime.
    staged = env.src / ".workers.new"
    parked = env.src / ".workers.old"
    for leftover in (staged, parked):
        if leftover.exists():
            shutil.rmtree(leftover)
    shutil.copytree(REPO_ROOT / "workers", staged, ignore=_COPY_IGNORE)
    if destination.exists():
        destination.rename(parked)
    staged.rename(destination)
    shutil.rmtree(parked, ignore_errors=True)


async def install_manager_env(ctx: OperationContext, workspace: Workspace, app: AppProject) -> dict[str, Any]:
    """Create or update the manager environment; raises :class:`InstallError` naming the failed step.

    Dependencies are only reinstalled when the project's list changed since the last install, which
    keeps a reinstall of an unchanged app to the staging and the preflight.
    """
    from .install import _step, _uv  # the same uv and child-process handling as the worker env

    env = manager_env(workspace, app)
    started = time.perf_counter()
    previous = env.read_stamp() or {}
    deps = manager_dependencies(app)
    await ctx.log(f"manager env: {env.root}", "engine")
    uv = _uv()
    if not env.python.exists():
        await _step(ctx, "create manager venv", [uv, "venv", "-q", "--python", sys.executable, str(env.venv)])
    if previous.get("dependencies_digest") != _digest(deps) or not previous.get("ok"):
        # Only a dependency change touches the venv: then a half-finished reinstall must not look
        # installed. Otherwise the working env keeps its stamp whatever happens to this install.
        env.stamp.unlink(missing_ok=True)
        await _step(ctx, "install manager dependencies",
                    [uv, "pip", "install", "--python", str(env.python), *deps])
    else:
        await ctx.log("manager env: dependencies unchanged", "engine")
    stage_runtime(env)
    # No bytecode compiled here: the preflight below and later manager calls write what they import
    # (engine/lazy_bytecode.py: the second .pth).
    await _step(ctx, "link manager runtime",
                [str(env.python), "-c", "import sysconfig,sys; p=sysconfig.get_path('purelib'); "
                 "open(p+'/agilab_manager_src.pth','w').write(sys.argv[1]+'\\n'); " + write_pth_statement(),
                 str(env.src)])
    stamp = {"ok": True, "app": app.name, "python": str(env.python), "dependencies": deps,
             "dependencies_digest": _digest(deps), "installed_at": time.time()}
    atomic_write_text(env.stamp, json.dumps(stamp, indent=2))
    # The preflight goes through the protocol itself: INSTALL is green only when the manager imports
    # there. The env stays stamped when it fails: its dependencies are fine, the manager code (read live
    # from the project) is what needs fixing, and health cards can then show the manager's own error.
    from .manager_client import ManagerError, call_manager

    try:
        schema = await call_manager(workspace, app, "schema", log=ctx.sink)
    except ManagerError as exc:
        raise InstallError(f"manager preflight failed: {exc}") from exc
    seconds = round(time.perf_counter() - started, 3)
    stamp["seconds"] = seconds
    atomic_write_text(env.stamp, json.dumps(stamp, indent=2))
    model = schema.get("model") or "no Args model"
    await ctx.log(f"manager preflight ok: {app.class_name} ({model}) in {env.python} ({seconds:.2f} s)", "engine")
    return {"manager_python": str(env.python), "manager_env": str(env.root)}


def install_manager_env_op(workspace: Workspace, app: AppProject) -> Any:
    """The manager env install alone, as an :class:`~engine.operation.Operation` (INSTALL runs it too)."""
    from .operation import Operation

    async def body(ctx: OperationContext) -> dict[str, Any]:
        return await install_manager_env(ctx, workspace, app)

    return Operation("install", app.name, body, detail="manager env")
