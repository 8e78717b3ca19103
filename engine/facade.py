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
from .backends import backend_for, is_native
from .benchmark import benchmark_table, read_benchmark, write_benchmark
from .cluster_local import LocalDaskCluster, is_local_host
from .errors import AgilabError
from .events import LogLines, OperationFailed, OperationFinished
from .install import InstallStatus, install_local, install_status, record_hosts, worker_env
from .manager_client import args_schema, validate_args
from .modes import CYTHON_MODE, DASK_MODE, validate_mode
from .operation import Operation, OperationContext
from .records import RecordWriter, RunSummary, wait_pending
from .records import engine_api as records_api
from .records.benchmark_record import recorded_benchmark
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
        app = self.app(app)
        if not is_native(app):  # AGILab apps: the model is loaded by the AGILab Python
            return backend_for(self, app).args_schema(app)
        return args_schema(self.workspace, app)

    def manager_ready(self, app: str | AppProject) -> bool:
        """Whether the app's manager env exists, so its model can validate arguments."""
        from .manager_env import manager_env

        app = self.app(app)
        if not is_native(app):
            return True  # the AGILab Python validates with the app's own model
        return manager_env(self.workspace, app).ready

    def save_args(self, app: str | AppProject, values: dict[str, Any], *,
                  settings: AppSettings | None = None) -> dict[str, Any]:
        """Validate with the app's model (in its manager env), then write ``[args]``; nothing is written when invalid.

        ``settings``: the file as the caller loaded it, so the save is a compare-and-swap against what it read
        (raises :class:`FileChangedError` when another writer got in between).
        """
        app = self.app(app)
        settings = settings or self.settings(app)
        normalized = (validate_args(self.workspace, app, values, source=settings.path) if is_native(app)
                      else backend_for(self, app).validate_args(app, values))
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
        if not is_native(app):
            return backend_for(self, app).snippets(app)
        request = self.request_from_settings(app)
        return {"install": install_snippet(app, request, self.settings(app).cluster.modes_enabled),
                "distribute": distribute_snippet(app, request), "run": run_snippet(app, request)}

    # --- operations -----------------------------------------------------------------------
    def _lock(self, app: AppProject) -> asyncio.Lock:
        return self._locks.setdefault(app.name, asyncio.Lock())

    def install(self, app: str | AppProject, *, modes_enabled: int | None = None) -> Operation:
        app = self.app(app)
        if not is_native(app):
            return backend_for(self, app).install(app, modes_enabled=modes_enabled)
        modes = self.settings(app).cluster.modes_enabled if modes_enabled is None else validate_mode(modes_enabled)

        async def body(ctx: OperationContext) -> dict[str, Any]:
            async with self._lock(app):
                result = await install_local(ctx, self.workspace, app, modes)
                cluster = self.settings(app).cluster
                remote = [h for h, n in cluster.workers.items() if n > 0 and not is_local_host(h)]
                if cluster.cluster_enabled and remote:
                    await ctx.log(f"installing on {len(remote)} remote host(s): {', '.join(remote)}", "engine")
                    unfinished = [{"host": h, "status": "failed", "reason": "the install did not finish"} for h in remote]
                    record_hosts(self.workspace, app, unfinished)  # a killed install is not ok: not every host got through
                    try:
                        result.update(await install_remote_hosts(ctx, self.workspace, app, cluster, remote, modes))
                    finally:  # install.json says ok only when every host succeeded
                        record_hosts(self.workspace, app, ctx.result.get("hosts") or unfinished)
                return result

        return Operation("install", app.name, body, detail=f"modes_enabled={modes}")

    def set_ssh_password(self, password: str | None) -> None:
        """Hold the SSH password for this workspace's hosts in memory only (never written anywhere)."""
        from .ssh.credentials import remember_password

        remember_password(self.workspace.root, password)

    def index_access(self, app: str | AppProject) -> Any:
        """The effective ``[cluster.index]`` for the hosts (blanks derived from this machine), for display."""
        from .index_access import index_settings, resolve_index_access

        return resolve_index_access(index_settings(self.settings(app).cluster))

    def install_status(self, app: str | AppProject, mode: int = 0) -> InstallStatus:
        app = self.app(app)
        if not is_native(app):
            return backend_for(self, app).install_status(app, mode)
        return install_status(self.workspace, app, mode)

    def get_distrib(self, app: str | AppProject, request: RunRequest | None = None) -> Operation:
        app = self.app(app)
        if not is_native(app):
            return backend_for(self, app).get_distrib(app, request)
        request = request or self.request_from_settings(app)

        async def body(ctx: OperationContext) -> dict[str, Any]:
            return await distribute(ctx, self.workspace, app, self.settings(app), request)

        return Operation("distribute", app.name, body)

    def load_distribution(self, app: str | AppProject) -> dict[str, Any] | None:
        app = self.app(app)
        if not is_native(app):
            return backend_for(self, app).load_distribution(app)
        path = worker_env(self.workspace, app).plan_file
        return json.loads(path.read_text("utf-8")) if path.exists() else None

    def save_distribution(self, app: str | AppProject, plan: dict[str, Any]) -> Path:
        """Persist a (reassigned) plan; the next run reuses it while inputs and workers are unchanged."""
        distribution.validate_plan(plan)
        path = worker_env(self.workspace, self.app(app)).plan_file
        atomic_write_text(path, json.dumps(plan, indent=2))
        return path

    def run(self, app: str | AppProject, request: RunRequest | None = None,
            overrides: dict[str, Any] | None = None, *, kind: str = "run") -> Operation:
        """One run (or a benchmark when ``request.mode`` is a list); ``overrides`` (``--set KEY=VALUE``)
        are validated by the app's model and recorded, never saved to the settings."""
        app = self.app(app)
        if not is_native(app):
            if overrides:
                raise AgilabError("--set overrides are not supported for AGILab apps: edit their [args] instead")
            return backend_for(self, app).run(app, request)
        request = request or self.request_from_settings(app)
        if request.benchmark_modes is not None:
            return self.benchmark(app, request.benchmark_modes, request)
        mode = int(request.mode)  # type: ignore[arg-type]

        async def body(ctx: OperationContext) -> dict[str, Any]:
            async with self._lock(app):
                settings = self.settings(app)
                effective = request
                if overrides:
                    from .run_overrides import validate_overrides

                    effective = await asyncio.to_thread(validate_overrides, self.workspace, app, settings.args,
                                                        request, overrides)
                return await run_plan(ctx, self.workspace, app, settings, effective, mode, overrides=overrides,
                                      kind=kind)

        return Operation("run", app.name, body, detail=f"mode {mode}")

    def benchmark(self, app: str | AppProject, modes: list[int], request: RunRequest | None = None) -> Operation:
        app = self.app(app)
        if not is_native(app):
            return backend_for(self, app).benchmark(app, modes, request)
        modes = [validate_mode(m) for m in modes]
        base = request or self.request_from_settings(app)

        async def body(ctx: OperationContext, parent: RecordWriter) -> dict[str, Any]:
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
                                                    base.with_execution(mode=mode), mode, shared_cluster=cluster,
                                                    kind="benchmark-mode", parent=parent)
                finally:
                    if cluster is not None:
                        await asyncio.shield(cluster.stop())
                table = benchmark_table(runs, workers if any(m & DASK_MODE for m in modes) else {"localhost": 1})
                path = write_benchmark(self.workspace.log_dir(app) / "benchmark.json", table)
                await ctx.progress(len(modes), len(modes), "benchmark written")
                return {"benchmark": table, "path": str(path), "runs": runs, "cluster_start_seconds": cluster_start}

        def recorded(ctx: OperationContext) -> Any:
            return recorded_benchmark(ctx, self.workspace, app, self.settings(app), modes, body)

        return Operation("benchmark", app.name, recorded, detail=",".join(map(str, modes)))

    def serve(self, app: str | AppProject, action: str, **options: Any) -> Operation:
        """Service mode (start / stop / status / health) by the app's backend."""
        app = self.app(app)
        return backend_for(self, app).serve(app, action, **options)

    def load_benchmark(self, app: str | AppProject) -> dict[str, Any] | None:
        if not is_native(self.app(app)):
            return backend_for(self, self.app(app)).load_benchmark()
        return read_benchmark(self.workspace.log_dir(self.app(app)) / "benchmark.json")

    # --- run records ----------------------------------------------------------------------------
    def runs(self, app: str | AppProject) -> list[RunSummary]:
        """Every recorded execution of ``app``, newest first (``changed_args`` vs the previous of its kind)."""
        return records_api.runs(self, app)

    def run_record(self, run_id: str) -> dict[str, Any]:
        """The manifest of ``run_id`` (any app); raises RecordError naming the id."""
        return records_api.run_record(self, run_id)

    def run_record_dir(self, run_id: str) -> Path:
        return records_api.record_dir(self, run_id)

    def compare_runs(self, run_a: str, run_b: str) -> dict[str, Any]:
        """args / env / metrics / inputs / outputs differences from ``run_a`` to ``run_b``."""
        return records_api.compare_runs(self, run_a, run_b)

    def pin_run(self, run_id: str, pinned: bool = True) -> dict[str, Any]:
        """Keep ``run_id`` out of retention pruning (or release it); returns the updated manifest."""
        return records_api.pin_run(self, run_id, pinned)

    def rerun(self, run_id: str, force: bool = False) -> Operation:
        """Re-execute a recorded run exactly; the result has ``identical``, ``differences``, ``new_run_id``."""
        return records_api.rerun(self, run_id, force=force)

    def wait_tracking(self, timeout: float | None = 120.0) -> bool:
        """Wait until queued MLflow logging of finished records is done; True when nothing is left."""
        return wait_pending(timeout)

    def latest_output(self, app: str | AppProject) -> Path | None:
        """The newest dataframe file in the app's data_out folder."""
        app = self.app(app)
        if not is_native(app):
            return backend_for(self, app).latest_output(app)
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
