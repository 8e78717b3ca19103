"""What ``Engine`` offers about records: list, show, compare, pin, rerun. Thin, so the facade stays small."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import RunError
from ..operation import Operation, OperationContext
from . import store
from .compare import compare_manifests
from .rerun import RERUNNABLE, output_check, request_from_record, what_changed

if TYPE_CHECKING:
    from ..facade import Engine
    from ..workspace import AppProject


def _log_root(engine: Engine) -> Path:
    return engine.workspace.root / "log" / "execute"


def runs(engine: Engine, app: str | AppProject) -> list[store.RunSummary]:
    return store.list_runs(store.runs_dir_of(engine.workspace.log_dir(engine.app(app))))


def record_dir(engine: Engine, run_id: str) -> Path:
    return store.find_record(_log_root(engine), run_id)


def run_record(engine: Engine, run_id: str) -> dict[str, Any]:
    return store.load_manifest(record_dir(engine, run_id))


def compare_runs(engine: Engine, run_a: str, run_b: str) -> dict[str, Any]:
    return compare_manifests(run_record(engine, run_a), run_record(engine, run_b))


def pin_run(engine: Engine, run_id: str, pinned: bool = True) -> dict[str, Any]:
    return store.set_pinned(record_dir(engine, run_id), pinned)


def rerun(engine: Engine, run_id: str, *, force: bool = False) -> Operation:
    """Re-execute ``run_id`` as recorded; the result says whether every output is identical.

    Raises:
        RecordError: no such run, or its kind cannot be rerun (a benchmark, a stage...).
    """
    from ..install import worker_env
    from ..run import run_plan

    folder = record_dir(engine, run_id)
    manifest = store.load_manifest(folder)
    rec = manifest["record"]
    if rec.get("kind") not in RERUNNABLE or rec.get("mode") is None:
        raise store.RecordError(f"run {run_id} is a {rec.get('kind')} record; only app runs can be rerun "
                                f"({', '.join(sorted(RERUNNABLE))})")
    app = engine.app(rec["app"])
    plan_file = folder / "distribution_tree.json"

    async def body(ctx: OperationContext) -> dict[str, Any]:
        venv = worker_env(engine.workspace, app).venv
        changes = await asyncio.to_thread(what_changed, rec, {"manager": app.manager_dir, "worker": app.worker_dir},
                                          venv)
        ctx.result.update({"original_run_id": run_id, "changes": changes})
        if changes and not force:
            raise RunError(f"run {run_id} cannot be reproduced as recorded: {'; '.join(changes)} "
                           "(rerun with force to run anyway)")
        if changes:
            await ctx.log(f"forced rerun of {run_id} although {'; '.join(changes)}", "engine")
        try:
            plan = json.loads(plan_file.read_text("utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise RunError(f"{plan_file}: the recorded work plan cannot be read ({exc})") from exc
        await ctx.log(f"rerun of {run_id}: mode {rec['mode']}, recorded args and work plan", "engine")
        async with engine._lock(app):
            result = await run_plan(ctx, engine.workspace, app, engine.settings(app), request_from_record(rec),
                                    int(rec["mode"]), kind="rerun", rerun_of=run_id, plan_override=plan)
        new_dir = Path(result["record_dir"])
        check = output_check(rec, store.load_manifest(new_dir)["record"])
        summary = {"identical": check["identical"], "differences": check["differences"], "forced": bool(changes)}

        def note(manifest: dict[str, Any]) -> None:
            manifest["record"]["reproduction"] = {"of": run_id, **summary, "changes": changes}

        await asyncio.to_thread(store.update_manifest, new_dir, note)
        if check["identical"]:
            await ctx.log(f"rerun of {run_id}: all {len(check['outputs']['same'])} outputs identical", "engine")
        else:
            await ctx.log(f"rerun of {run_id}: {len(check['differences'])} output(s) differ: "
                          f"{', '.join(check['differences'])}", "engine")
        return {**summary, "new_run_id": result["run_id"], "original_run_id": run_id, "changes": changes,
                "outputs": check["outputs"], "inputs": check["inputs"], "run": result}

    return Operation("rerun", app.name, body, detail=run_id)
