"""Distribute and run: build or reuse the work plan, then execute it in the worker environment."""

from __future__ import annotations

import asyncio
import json
import shutil
import time
from pathlib import Path
from typing import Any

from workers.protocol import parse as _parse

from .atomic import atomic_write_text
from .cluster_local import LocalDaskCluster, is_local_host
from .errors import RunError
from .install import install_status, worker_env
from .leftovers import ProcessLedger, describe
from .manager_plan import plan_with_manager
from .modes import DASK_MODE, RAPIDS_MODE, mode_label, mode_token
from .operation import OperationContext
from .proc import ChildProcess, clean_child_env
from .records import RecordWriter, app_record, recording
from .run_request import RunRequest
from .settings import AppSettings
from .workspace import AppProject, Workspace


def _workers_for(request: RunRequest, settings: AppSettings) -> dict[str, int]:
    return dict(request.workers or settings.cluster.workers)


async def build_plan(ctx: OperationContext, workspace: Workspace, app: AppProject, settings: AppSettings,
                     request: RunRequest, *, reuse: bool) -> tuple[Any, dict[str, Any], Path]:
    """Prepare data and return (manager, plan dict, plan path); a saved plan is reused when still valid."""
    # The app's manager runs in its own environment (one subprocess), never in this process.
    manager, fresh_dict = await plan_with_manager(ctx, workspace, app, settings, request, _workers_for(request, settings))
    plan_path = worker_env(workspace, app).plan_file
    if reuse and plan_path.exists():
        try:
            saved = json.loads(plan_path.read_text("utf-8"))
        except json.JSONDecodeError as exc:
            raise RunError(f"{plan_path}: not valid JSON ({exc}); run CHECK DISTRIBUTE again") from exc
        if saved.get("cache_context", {}).get("fingerprint") == fresh_dict["cache_context"]["fingerprint"]:
            await ctx.log(f"reusing the saved work plan {plan_path}", "engine")
            return manager, saved, plan_path
    plan_path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(plan_path, json.dumps(fresh_dict, indent=2))
    return manager, fresh_dict, plan_path


async def distribute(ctx: OperationContext, workspace: Workspace, app: AppProject, settings: AppSettings,
                     request: RunRequest) -> dict[str, Any]:
    await ctx.progress(0, 1, "building the work plan")
    _, plan, path = await build_plan(ctx, workspace, app, settings, request, reuse=False)
    loads = [sum(m["weight"] for m in slot) for slot in plan["work_plan_metadata"]]
    for label, load, slot in zip(plan["worker_slots"], loads, plan["work_plan_metadata"], strict=True):
        await ctx.log(f"{label}: {len(slot)} partition(s), {load:.1f} {plan['weights_unit']}", "engine")
    await ctx.progress(1, 1, "work plan saved")
    return {"plan_path": str(path), "plan": plan}


def dask_cluster(workspace: Workspace, app: AppProject, settings: AppSettings, workers: dict[str, int],
                 ctx: OperationContext) -> LocalDaskCluster:
    """Local workers as processes here; remote hosts over SSH, with the scheduler on the configured address."""
    env = worker_env(workspace, app)
    remote_hosts = {h: n for h, n in workers.items() if not is_local_host(h) and n > 0}
    if not remote_hosts:
        return LocalDaskCluster(env.python, workers, env.root / "dask", ctx)
    from .cluster_remote import RemoteWorkerGroup

    group = RemoteWorkerGroup(workspace, app, settings.cluster, remote_hosts, ctx)
    return LocalDaskCluster(env.python, workers, env.root / "dask", ctx, scheduler=settings.cluster.scheduler,
                            remote=group)


def ships_data(settings: AppSettings, workers: dict[str, int]) -> bool:
    """Send partitions through Dask unless a shared folder is declared or every worker is on this machine."""
    choice = settings.cluster.data_transfer
    if choice != "auto":
        return choice == "dask"
    return not settings.cluster.workers_data_path and not all(is_local_host(h) for h in workers)


def lost_workers_validation(lost: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A manifest validation naming every Dask worker lost during the run (none: no entry)."""
    if not lost:
        return []
    return [{"label": "dask workers", "status": "warn", "summary": f"{len(lost)} worker(s) lost during the run",
             "details": [f"{w['name']} ({w['address']})" for w in lost]}]


def _reset_output(folder: Path, data_root: Path) -> None:
    """Empty ``data_out`` only when it is a real sub-folder, never the share root itself."""
    if folder.resolve() in {data_root.resolve(), Path.home().resolve(), Path("/")}:
        raise RunError(f"refusing to reset {folder}: data_out must be a sub-folder of the data share")
    if folder.is_dir():
        shutil.rmtree(folder)
    folder.mkdir(parents=True, exist_ok=True)


async def _run_plan(ctx: OperationContext, workspace: Workspace, app: AppProject, settings: AppSettings,
                    request: RunRequest, mode: int, *, shared_cluster: LocalDaskCluster | None = None,
                    record: RecordWriter, plan_override: dict[str, Any] | None = None) -> dict[str, Any]:
    """The body of :func:`run_plan`, reporting what it learns to ``record``.

    Dask modes start their own local cluster and stop it afterwards, unless ``shared_cluster``
    (already started, e.g. by a benchmark of several Dask modes) is given.
    """
    started = time.time()
    from .log_levels import level_filter

    ctx.shown = level_filter(int(request.verbose))
    status = install_status(workspace, app, mode)
    if status.reason:
        raise RunError(status.reason)
    env = worker_env(workspace, app)
    if mode & RAPIDS_MODE:
        from .install import cudf_available

        if not await cudf_available(env):
            raise RunError(f"mode {mode} needs RAPIDS, which is not available on this host "
                           "(cuDF is not importable in the worker environment)")
    await ctx.log(f"run {app.name} in mode {mode_label(mode)} [{mode_token(mode)}]", "engine")
    ledger = ProcessLedger(workspace.log_dir(app))
    leftovers = await asyncio.to_thread(ledger.clear_leftovers)
    if leftovers:
        await ctx.log(f"cleared {len(leftovers)} leftover process(es) of an earlier run of {app.name} that did not "
                      f"end cleanly: {describe(leftovers)}", "engine")
    manager, plan, plan_path = await build_plan(ctx, workspace, app, settings, request, reuse=True)
    if plan_override is not None:  # a rerun executes the recorded plan, not a fresh one
        plan = plan_override
    record.note(args=manager.args, data_in=str(manager.data_in), data_out=str(manager.data_out))
    await asyncio.to_thread(record.write_plan, plan)
    if manager.reset_target:
        _reset_output(manager.data_out, workspace.data_dir)
    manager.data_out.mkdir(parents=True, exist_ok=True)
    log_dir = workspace.log_dir(app)
    spec = {
        "mode": mode, "args": manager.args, "data_in": str(manager.data_in),
        "data_out": str(manager.data_out), "plan": plan, "worker_package": app.worker_package,
        "worker_class": manager.worker_class, "src_paths": [str(env.src)],
        "pool_workers": settings.cluster.pool_max_workers or 0, "pool_executor": settings.cluster.pool_executor,
        "ship_data": bool(mode & DASK_MODE) and ships_data(settings, plan["workers"]),
        "worker_loss_timeout": settings.cluster.worker_loss_timeout,
    }
    own_cluster: LocalDaskCluster | None = None
    cluster = shared_cluster
    result: dict[str, Any] = {}
    errors: list[str] = []
    log_lines: list[str] = []
    lost_workers: list[dict[str, Any]] = []
    partial_outputs: list[str] = []

    async def sink(source: str, line: str) -> None:
        parsed = _parse(line)
        if parsed is None:
            log_lines.append(line)
            await ctx.log(line, source)
            return
        kind, payload = parsed
        if kind == "progress":
            await ctx.progress(payload["done"], payload["total"], payload.get("step", ""))
        elif kind == "result":
            result.update(payload)
        elif kind == "error":
            errors.append(payload["error"])
            partial_outputs[:] = payload.get("partial_outputs", [])
        elif kind == "worker_lost":
            lost_workers.append(payload)
            line = (f"dask worker {payload['name']} ({payload['address']}) was lost; "
                    f"{payload['remaining']} worker(s) left")
            log_lines.append(line)
            await ctx.log(line, "engine")
        elif kind in ("implementation", "dask", "transfer"):
            await ctx.log(f"{kind}: {json.dumps(payload)}", "engine")

    try:
        if mode & DASK_MODE:
            if cluster is None:
                cluster = own_cluster = dask_cluster(workspace, app, settings, plan["workers"], ctx)
                await own_cluster.start()
            spec["scheduler"] = cluster.address
            ledger.add(cluster.pids, "dask")
        if "scheduler" in spec:
            record.note(scheduler=spec["scheduler"])
        spec_path = record.write_spec(spec)
        argv = record.argv = [str(env.python), "-m", "workers.runner", str(spec_path)]
        child = ChildProcess(argv, cwd=env.root, env=clean_child_env())
        await child.start()
        ledger.add([child.pid] if child.pid else [], "runner")
        code = await child.stream(sink)
    finally:
        if own_cluster is not None:
            await asyncio.shield(own_cluster.stop())
        ledger.close()
    finished = time.time()
    ok = code == 0 and bool(result)
    # run.log, run_manifest.json and their latest-run mirrors are written by the record.
    manifest_path = log_dir / "run_manifest.json"
    record.extra["lost_workers"] = lost_workers
    record.note(partial_outputs=partial_outputs or None)
    record.validations = ([{"label": "runner exit", "status": "pass" if ok else "fail",
                            "summary": f"exit code {code}", "details": errors},
                           *lost_workers_validation(lost_workers)])
    if not ok:
        reason = errors[-1] if errors else f"the runner exited with code {code}"
        # Kept partial outputs and lost workers travel with the failure (OperationFailed carries ctx.result).
        ctx.result.update({"lost_workers": lost_workers, "partial_outputs": partial_outputs})
        kept = f"; {len(partial_outputs)} partial output(s) kept in {manager.data_out}" if partial_outputs else ""
        raise RunError(f"run of {app.name} in mode {mode} failed: {reason}{kept}")
    return {
        "mode": mode, "token": mode_token(mode), "label": mode_label(mode),
        "seconds": round(finished - started, 4), "work_seconds": result["work_seconds"],
        "output_dir": str(manager.data_out), "outputs": result["outputs"], "reduce": result.get("reduce"),
        "reduce_path": result.get("reduce_path"), "manifest": str(manifest_path), "plan_path": str(plan_path),
        "implementations": result.get("implementations", []), "cluster_pids": cluster.pids if cluster and mode & DASK_MODE else [],
        "lost_workers": lost_workers,
    }



async def run_plan(ctx: OperationContext, workspace: Workspace, app: AppProject, settings: AppSettings,
                   request: RunRequest, mode: int, *, shared_cluster: LocalDaskCluster | None = None,
                   kind: str = "run", parent: RecordWriter | str | None = None, rerun_of: str | None = None,
                   plan_override: dict[str, Any] | None = None,
                   overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """One run in one mode, leaving a run record; raises :class:`RunError` on any failure.

    Every call writes ``log/execute/<target>/runs/<run_id>/`` (completed, failed or cancelled) and
    mirrors it to AGILab's latest-run paths. ``kind`` and ``parent`` let callers record the run as
    a benchmark mode or a DAG step nested in their own record; ``plan_override`` runs a recorded
    work plan as it was (reruns). Dask modes start their own local cluster and stop it afterwards,
    unless ``shared_cluster`` (already started, e.g. by a benchmark of several Dask modes) is given.
    """
    record = app_record(workspace, app, kind=kind, settings=settings, label=f"{app.target} mode {mode}",
                        parent=parent, rerun_of=rerun_of, venv=worker_env(workspace, app).venv)
    record.note(mode=mode, token=mode_token(mode), mode_label=mode_label(mode), hosts=_workers_for(request, settings),
                args={**settings.args, **request.to_app_kwargs()})
    if overrides:
        record.extra["overrides"] = dict(overrides)
    async with recording(record, ctx):
        result = await _run_plan(ctx, workspace, app, settings, request, mode, shared_cluster=shared_cluster,
                                 record=record, plan_override=plan_override)
        await record.finish("completed", outputs=result["outputs"], reduce=result.get("reduce"),
                            reduce_path=result.get("reduce_path"), metrics={"work_seconds": result["work_seconds"]})
    result.update(run_id=record.run_id, record_dir=str(record.dir), tracking=record.manifest["record"]["tracking"],
                  record_seconds=round(record.cost, 4))
    return result
