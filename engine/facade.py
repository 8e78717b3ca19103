"""The public engine: ``Engine`` for the TUI and CLI, ``AGI``/``AgiEnv`` for generated snippets.

Every long operation returns an :class:`~engine.operation.Operation`::

    async with engine.run(app, request) as op:
        async for event in op.events():
            ...

Leaving the block early, or ``await op.cancel()``, kills the operation's child processes.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from pathlib import Path
from typing import Any

from . import distribution
from .atomic import atomic_write_text
from .benchmark import benchmark_table, read_benchmark, write_benchmark
from .cluster_local import LocalDaskCluster, is_local_host
from .errors import AgilabError
from .events import LogLines, OperationFailed, OperationFinished
from .install import InstallStatus, install_local, install_status, worker_env
from .manager_client import args_schema, validate_args
from .modes import CYTHON_MODE, DASK_MODE, validate_mode
from .operation import Operation, OperationContext
from .remote_install import install_remote_hosts
from .run import dask_cluster, distribute, run_plan
from .run_request import RunRequest
from .settings import AppSettings, load_settings
from .snippets import distribute_snippet, install_snippet, run_snippet
from .workspace import HOME_ENV, AppProject, Workspace

__all__ = ["AGI", "AgiEnv", "Engine", "InstallStatus"]

_EXECUTION_KEYS = ("data_in", "data_out", "reset_target")


class Engine:
    """All operations on apps of one workspace."""

    distribution = distribution

    def __init__(self, workspace: Workspace | None = None):
        self.workspace = workspace or Workspace()
        self._locks: dict[str, asyncio.Lock] = {}
        # Child processes (stages, snippets, notebooks) find the same workspace through the environment.
        os.environ.setdefault(HOME_ENV, str(self.workspace.root))

    # --- apps and settings ----------------------------------------------------------------
    def apps(self) -> list[AppProject]:
        return self.workspace.apps()

    def app(self, name: str | AppProject) -> AppProject:
        return name if isinstance(name, AppProject) else self.workspace.app(name)

    def active_app(self) -> AppProject:
        return self.app(self.workspace.active_app_name)

    def set_active_app(self, name: str) -> AppProject:
        app = self.app(name)
        self.workspace.write_state(active_app=app.name)
        return app

    def settings(self, app: str | AppProject) -> AppSettings:
        return load_settings(self.workspace, self.app(app))

    def args_schema(self, app: str | AppProject) -> dict[str, Any]:
        """The JSON schema of the app's ``Args`` and its defaults, from the manager env (INSTALL first)."""
        return args_schema(self.workspace, self.app(app))

    def manager_ready(self, app: str | AppProject) -> bool:
        """Whether the app's manager env exists, so its model can validate arguments."""
        from .manager_env import manager_env

        return manager_env(self.workspace, self.app(app)).ready

    def save_args(self, app: str | AppProject, values: dict[str, Any]) -> dict[str, Any]:
        """Validate with the app's model (in its manager env), then write ``[args]``; nothing is written when invalid."""
        app = self.app(app)
        normalized = validate_args(self.workspace, app, values)
        settings = self.settings(app)
        settings.set_args(normalized)
        settings.save()
        return settings.args

    def save_args_toml(self, app: str | AppProject, text: str) -> dict[str, Any]:
        """``[args]`` given as TOML text: checked with the app's model when its manager env exists,
        else only as TOML (the app's model is in the manager env, which INSTALL creates)."""
        from .args_toml import parse_args_toml

        app = self.app(app)
        values = parse_args_toml(text, f"<{app.name} [args]>")
        if self.manager_ready(app):
            return self.save_args(app, values)
        settings = self.settings(app)
        settings.set_args(values)
        settings.save()
        return settings.args

    def request_from_settings(self, app: str | AppProject, mode: int | list[int] | None = None) -> RunRequest:
        settings = self.settings(app)
        args = settings.args
        cluster = settings.cluster
        return RunRequest(
            params={k: v for k, v in args.items() if k not in _EXECUTION_KEYS},
            data_in=args.get("data_in"), data_out=args.get("data_out"), reset_target=args.get("reset_target"),
            scheduler=cluster.scheduler, workers=dict(cluster.workers),
            workers_data_path=cluster.workers_data_path or None, verbose=cluster.verbose,
            mode=settings.mode if mode is None else mode, rapids_enabled=cluster.rapids,
        )

    def snippets(self, app: str | AppProject) -> dict[str, str]:
        app = self.app(app)
        request = self.request_from_settings(app)
        return {"install": install_snippet(app, request, self.settings(app).cluster.modes_enabled),
                "distribute": distribute_snippet(app, request), "run": run_snippet(app, request)}

    # --- operations -----------------------------------------------------------------------
    def _lock(self, app: AppProject) -> asyncio.Lock:
        return self._locks.setdefault(app.name, asyncio.Lock())

    def install(self, app: str | AppProject, *, modes_enabled: int | None = None) -> Operation:
        app = self.app(app)
        modes = self.settings(app).cluster.modes_enabled if modes_enabled is None else validate_mode(modes_enabled)

        async def body(ctx: OperationContext) -> dict[str, Any]:
            async with self._lock(app):
                result = await install_local(ctx, self.workspace, app, modes)
                cluster = self.settings(app).cluster
                remote = [h for h, n in cluster.workers.items() if n > 0 and not is_local_host(h)]
                if cluster.cluster_enabled and remote:
                    await ctx.log(f"installing on {len(remote)} remote host(s): {', '.join(remote)}", "engine")
                    result.update(await install_remote_hosts(ctx, self.workspace, app, cluster, remote, modes))
                return result

        return Operation("install", app.name, body, detail=f"modes_enabled={modes}")

    def install_status(self, app: str | AppProject, mode: int = 0) -> InstallStatus:
        return install_status(self.workspace, self.app(app), mode)

    def get_distrib(self, app: str | AppProject, request: RunRequest | None = None) -> Operation:
        app = self.app(app)
        request = request or self.request_from_settings(app)

        async def body(ctx: OperationContext) -> dict[str, Any]:
            return await distribute(ctx, self.workspace, app, self.settings(app), request)

        return Operation("distribute", app.name, body)

    def load_distribution(self, app: str | AppProject) -> dict[str, Any] | None:
        path = worker_env(self.workspace, self.app(app)).plan_file
        return json.loads(path.read_text("utf-8")) if path.exists() else None

    def save_distribution(self, app: str | AppProject, plan: dict[str, Any]) -> Path:
        """Persist a (reassigned) plan; the next run reuses it while inputs and workers are unchanged."""
        distribution.validate_plan(plan)
        path = worker_env(self.workspace, self.app(app)).plan_file
        atomic_write_text(path, json.dumps(plan, indent=2))
        return path

    def run(self, app: str | AppProject, request: RunRequest | None = None) -> Operation:
        app = self.app(app)
        request = request or self.request_from_settings(app)
        if request.benchmark_modes is not None:
            return self.benchmark(app, request.benchmark_modes, request)
        mode = int(request.mode)  # type: ignore[arg-type]

        async def body(ctx: OperationContext) -> dict[str, Any]:
            async with self._lock(app):
                return await run_plan(ctx, self.workspace, app, self.settings(app), request, mode)

        return Operation("run", app.name, body, detail=f"mode {mode}")

    def benchmark(self, app: str | AppProject, modes: list[int], request: RunRequest | None = None) -> Operation:
        app = self.app(app)
        modes = [validate_mode(m) for m in modes]
        base = request or self.request_from_settings(app)

        async def body(ctx: OperationContext) -> dict[str, Any]:
            async with self._lock(app):
                settings = self.settings(app)
                wanted = CYTHON_MODE if any(m & CYTHON_MODE for m in modes) else 0
                status = install_status(self.workspace, app, wanted)
                if status.reason:
                    await ctx.log(f"benchmark: installing first ({status.reason})", "engine")
                    await install_local(ctx, self.workspace, app, settings.cluster.modes_enabled | wanted)
                runs: dict[int, dict[str, Any]] = {}
                workers = dict(base.workers or settings.cluster.workers)
                # Dask modes share one cluster so each row measures the run, not a cluster start-up.
                cluster: LocalDaskCluster | None = None
                cluster_start = 0.0
                try:
                    for index, mode in enumerate(modes):
                        await ctx.progress(index, len(modes), f"mode {mode}")
                        if mode & DASK_MODE and cluster is None:
                            started = time.perf_counter()
                            cluster = dask_cluster(self.workspace, app, settings, workers, ctx)
                            await cluster.start()
                            cluster_start = round(time.perf_counter() - started, 3)
                        runs[mode] = await run_plan(ctx, self.workspace, app, settings,
                                                    base.with_execution(mode=mode), mode, shared_cluster=cluster)
                finally:
                    if cluster is not None:
                        await asyncio.shield(cluster.stop())
                table = benchmark_table(runs, workers if any(m & DASK_MODE for m in modes) else {"localhost": 1})
                path = write_benchmark(self.workspace.log_dir(app) / "benchmark.json", table)
                await ctx.progress(len(modes), len(modes), "benchmark written")
                return {"benchmark": table, "path": str(path), "runs": runs, "cluster_start_seconds": cluster_start}

        return Operation("benchmark", app.name, body, detail=",".join(map(str, modes)))

    def load_benchmark(self, app: str | AppProject) -> dict[str, Any] | None:
        return read_benchmark(self.workspace.log_dir(self.app(app)) / "benchmark.json")

    def latest_output(self, app: str | AppProject) -> Path | None:
        """The newest dataframe file in the app's data_out folder."""
        app = self.app(app)
        data_out = self.workspace.resolve_data_path(self.settings(app).args.get("data_out", f"{app.target}/dataframe"))
        files = [p for p in data_out.glob("*") if p.suffix in (".parquet", ".csv") and p.is_file()]
        return max(files, key=lambda p: (p.stat().st_mtime, p.name)) if files else None

    def export_orchestrate_notebook(self, app: str | AppProject) -> Path:
        from .notebook_orchestrate import export_orchestrate_notebook

        app = self.app(app)
        return export_orchestrate_notebook(self.workspace, app, self.snippets(app))


class AgiEnv:
    """What a generated snippet names: an app in a workspace (``AGILAB_TUI_HOME`` or the default)."""

    def __init__(self, apps_path: str | Path | None = None, app: str = "", verbose: int = 0,
                 home: str | Path | None = None):
        bundled = Path(apps_path) if apps_path else None
        workspace = Workspace(home, bundled_apps=bundled) if bundled and bundled.is_dir() else Workspace(home)
        self.engine = Engine(workspace)
        self.app = self.engine.app(app)
        self.verbose = verbose


async def _drive(op: Operation, verbose: int) -> dict[str, Any]:
    """Print the operation's lines to stdout (as AGILab's snippets do) and return its result."""
    async with op:
        async for event in op.events():
            if isinstance(event, LogLines) and verbose:
                for line in event.lines:
                    print(line, flush=True)
            elif isinstance(event, OperationFinished):
                return event.result
            elif isinstance(event, OperationFailed):
                raise AgilabError(event.error)
    raise AgilabError(f"{op.kind} ended without a result")


class AGI:
    """Snippet-facing static API mirroring AGILab's ``AGI`` facade names."""

    PYTHON_MODE = 1
    CYTHON_MODE = 2
    DASK_MODE = 4
    RAPIDS_MODE = 8

    @staticmethod
    async def install(env: AgiEnv, scheduler: str | None = None, workers: dict[str, int] | None = None,
                      workers_data_path: str | None = None, modes_enabled: int | None = None,
                      verbose: int | None = None, **_: Any) -> dict[str, Any]:
        del scheduler, workers, workers_data_path  # remote hosts are installed by the SSH deployer
        return await _drive(env.engine.install(env.app, modes_enabled=modes_enabled),
                            env.verbose if verbose is None else verbose)

    @staticmethod
    async def get_distrib(env: AgiEnv, scheduler: str | None = None, workers: dict[str, int] | None = None,
                          verbose: int = 0, **args: Any) -> dict[str, Any]:
        base = env.engine.request_from_settings(env.app)
        params = {k: v for k, v in args.items() if k not in _EXECUTION_KEYS}
        request = RunRequest(params=params or base.params, data_in=args.get("data_in", base.data_in),
                             data_out=args.get("data_out", base.data_out),
                             reset_target=args.get("reset_target", base.reset_target),
                             scheduler=scheduler or base.scheduler, workers=workers or base.workers, mode=0)
        return await _drive(env.engine.get_distrib(env.app, request), verbose)

    distribute = get_distrib

    @staticmethod
    async def run(env: AgiEnv, request: RunRequest) -> dict[str, Any]:
        return await _drive(env.engine.run(env.app, request), env.verbose)
