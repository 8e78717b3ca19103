"""Local install: the app's worker environment, created with uv, holding only worker-side code.

The environment gets the worker runtime (``workers/``), the app's worker package and the worker's
own dependencies, never the TUI or manager-only packages. With the cython bit the worker module is
compiled there, and an import preflight inside the environment must pass before install is green.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path
from typing import Any

import tomlkit

from .atomic import atomic_write_text
from .env_swap import building_root, discard, recover, swap_in
from .errors import InstallError
from .install_state import STAMP, InstallStatus, WorkerEnv, install_status, worker_env  # noqa: F401 (re-exported)
from .lazy_bytecode import warm_imports, write_pth_statement
from .modes import CYTHON_MODE, RAPIDS_MODE
from .operation import OperationContext
from .proc import INSTALLER_KEEP, ChildProcess, clean_child_env
from .workspace import REPO_ROOT, AppProject, Workspace

RUNTIME_DEPENDENCIES = ("pandas", "pyarrow", "numpy", "cython", "setuptools", "psutil")
_COPY_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", "*.so", "build", ".venv")


def worker_dependencies(app: AppProject) -> list[str]:
    """The worker's own ``[project].dependencies`` plus the runtime's, with dask pinned to ours."""
    deps = list(RUNTIME_DEPENDENCIES)
    deps.append(f"dask[distributed]=={metadata.version('distributed')}")
    manifest = app.worker_dir / "pyproject.toml"
    if manifest.exists():
        document = tomlkit.parse(manifest.read_text("utf-8"))
        deps.extend(str(d) for d in document.get("project", {}).get("dependencies", []))
    return deps


def stage_sources(app: AppProject, env: WorkerEnv) -> None:
    """Copy the worker runtime and the app's worker package into the environment's source folder."""
    env.src.mkdir(parents=True, exist_ok=True)
    for source, name in ((REPO_ROOT / "workers", "workers"), (app.worker_dir, app.worker_package)):
        if not source.is_dir():
            raise InstallError(f"{source}: worker package folder not found")
        destination = env.src / name
        if destination.exists():
            shutil.rmtree(destination)
        shutil.copytree(source, destination, ignore=_COPY_IGNORE)


async def _step(ctx: OperationContext, label: str, argv: list[str], *, cwd: Path | None = None) -> None:
    await ctx.log(f"$ {' '.join(argv)}", "engine")
    # A neutral cwd: python -c puts the cwd first on sys.path, which could shadow the staged sources.
    child = ChildProcess(argv, cwd=cwd or Path(tempfile.gettempdir()), env=clean_child_env({"UV_PYTHON_DOWNLOADS": "never"}, keep=INSTALLER_KEEP))
    await child.start()
    code = await child.stream(ctx.sink)
    if code != 0:
        raise InstallError(f"install step '{label}' failed with exit code {code}")


def _uv() -> str:
    found = shutil.which("uv")
    if found:
        return found
    candidate = Path(sys.executable).with_name("uv")
    if candidate.exists():
        return str(candidate)
    raise InstallError("uv is not on PATH: reinstall agilab-tui (uv is one of its dependencies)")


async def install_local(ctx: OperationContext, workspace: Workspace, app: AppProject, modes_enabled: int) -> dict[str, Any]:
    """Create or update the worker environment; raises :class:`InstallError` naming the failed step.

    The environment is built aside and swapped in only once complete and preflighted (see
    :mod:`engine.env_swap`): a reinstall that fails or is cancelled leaves the previous one usable.
    """
    env = worker_env(workspace, app)
    uv = _uv()
    steps = 6 + bool(modes_enabled & CYTHON_MODE)
    started = time.perf_counter()
    restored = recover(env.root) if env.root.exists() else []
    if restored:
        await ctx.log(f"restored the previous {', '.join(restored)} of {env.root} (an earlier swap was interrupted)",
                      "engine")
    build = WorkerEnv(building_root(env.root))
    swapped = False
    try:
        await ctx.progress(0, steps, "staging sources")
        stage_sources(app, build)
        # The Cython extension and its source digest come along: the build skips it when unchanged.
        for built in (*env.src.glob(f"{app.worker_package}_cy*"), env.src / f".{app.worker_package}_cy.sha256"):
            if built.is_file():
                shutil.copy2(built, build.src / built.name)
        await ctx.progress(1, steps, "creating environment")
        # Relocatable: the venv is built in .building and then renamed into place.
        await _step(ctx, "create venv", [uv, "venv", "-q", "--relocatable", "--python", sys.executable,
                                         str(build.venv)])
        await ctx.progress(2, steps, "installing dependencies")
        await _step(ctx, "install dependencies", [uv, "pip", "install", "--python", str(build.python),
                                                  *worker_dependencies(app)])
        await ctx.progress(3, steps, "linking worker sources")
        # A relative .pth line resolves against site-packages, so the link survives the swap. The second
        # .pth lets this env write the bytecode of what its children import (engine/lazy_bytecode.py).
        await _step(ctx, "link sources", [str(build.python), "-c",
                                          "import os,sysconfig,sys; p=sysconfig.get_path('purelib'); "
                                          "open(p+'/agilab_worker_src.pth','w').write(os.path.relpath(sys.argv[1], p)+'\\n'); print(p); "
                                          + write_pth_statement(), str(build.src)])
        done = 4
        if modes_enabled & CYTHON_MODE:
            await ctx.progress(done, steps, "compiling cython extension")
            await _step(ctx, "cython build", [str(build.python), "-m", "workers.cython_build", "--package-dir",
                                              str(build.src / app.worker_package), "--module", app.worker_package,
                                              "--out", str(build.src)])
            done += 1
        await ctx.progress(done, steps, "import preflight")
        imports = ["workers.runner", f"{app.worker_package}.{app.worker_package}"]
        if modes_enabled & CYTHON_MODE:
            imports.append(f"{app.worker_package}_cy")
        imports += warm_imports(modes_enabled)  # and writes their bytecode (engine/lazy_bytecode.py)
        check = "import importlib,sys\nfor m in sys.argv[1:]:\n    mod=importlib.import_module(m); print('preflight ok:', m, '->', getattr(mod,'__file__',''))"
        await _step(ctx, "import preflight", [str(build.python), "-c", check, *imports])
        if modes_enabled & RAPIDS_MODE:
            await ctx.log("rapids: checking cuDF in the worker environment", "engine")
            if not await cudf_available(build):
                await ctx.log("rapids: not available on this host (cuDF is not importable); runs with the rapids "
                              "bit will be refused", "engine")
        from .manager_env import install_manager_env  # the manager gets its own env, apart from this one

        manager = await install_manager_env(ctx, workspace, app)
        await ctx.progress(done + 1, steps, "swapping the new environment in")
        swap_in(build.root, env.root)
        swapped = True
    finally:
        if not swapped:
            discard(build.root)
    stamp = {"ok": True, "app": app.name, "modes_enabled": modes_enabled, "python": str(env.python),
             "cython": bool(modes_enabled & CYTHON_MODE), "installed_at": time.time(),
             "seconds": round(time.perf_counter() - started, 3)}
    atomic_write_text(env.stamp, json.dumps(stamp, indent=2))
    # No compileall: the preflight (above) and the runs write the bytecode of what they import, once
    # (engine/lazy_bytecode.py), instead of ~3,300 files compiled here that most no run imports.
    await ctx.progress(steps, steps, "installed")
    return {"ok": True, "python": str(env.python), "cython": stamp["cython"], "wenv": str(env.root), **manager}


def record_hosts(workspace: Workspace, app: AppProject, hosts: list[dict[str, Any]]) -> bool:
    """Put the per-host outcome in ``install.json``: the install is ok only when every host is."""
    env = worker_env(workspace, app)
    stamp = env.read_stamp() or {"app": app.name}
    # This machine's own outcome, kept apart: the hosts are recorded twice (unfinished first, in case the
    # install is killed), and the first record's ok=False must not stick.
    local_ok = bool(stamp.get("local_ok", stamp.get("ok")))
    ok = local_ok and all(h.get("status") == "ok" for h in hosts)
    stamp.update(ok=ok, local_ok=local_ok, hosts=hosts)
    atomic_write_text(env.stamp, json.dumps(stamp, indent=2))
    return ok


async def cudf_available(env: WorkerEnv) -> bool:
    child = ChildProcess([str(env.python), "-c", "import cudf"], env=clean_child_env())
    await child.start()
    return await child.stream(lambda source, line: None) == 0
