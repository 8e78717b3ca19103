"""The DAG runner: previews, real runs of ready steps (concurrently, N slots), retries and partial reruns."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from ..atomic import content_digest
from ..errors import AgilabError
from ..operation import Operation, OperationContext
from ..safe_paths import UnsafePathError, contained, name_problem
from ..workspace import Workspace
from . import state as st
from .check import CheckResult, check_plan
from .executors import LocalExecutor, StepExecutor, StepOutcome, StepSpec
from .readiness import (
    BLOCKED,
    COMPLETED,
    FAILED,
    RUNNABLE,
    RUNNING,
    Readiness,
    compute_readiness,
    downstream_of,
)
from .views import HistoryRow, execution_history, render_graph


class PlanError(AgilabError):
    """A plan has errors, so it cannot be run; the message lists each with its location."""

    def __init__(self, source: str, check: CheckResult):
        self.check = check
        listed = "\n".join(f"  {issue}" for issue in check.errors)
        super().__init__(f"{source}: the plan has {len(check.errors)} error(s):\n{listed}")


def known_app_names(workspace: Workspace) -> list[str]:
    """Names of every app a plan step may use in this workspace."""
    return [app.name for app in workspace.apps()]


def default_state_path(workspace: Workspace, dag_id: str) -> Path:
    """Where a plan's runner state lives when the caller names no file.

    Raises:
        UnsafePathError: ``dag_id`` is not one plain name (checking refuses such plans; this is the backstop).
    """
    problem = name_problem(dag_id)
    if problem:
        raise UnsafePathError(f"plan dag_id {problem}")
    return contained(workspace.root / "log" / "execute" / "multi_app_dag", dag_id) / "runner_state.json"


def preview_only_reason(workspace: Workspace, dag_path: str | Path, check: CheckResult) -> str:
    """Why a plan may only be previewed, or "" when it may really run (conservative execution).

    Only a checked-in app template runs for real: a plan inside an app's ``dag_templates/`` folder
    that carries the controlled marker. Drafts, samples and custom paths must be promoted first.
    """
    from .sources import template_owner

    data = check.data or {}
    dag_id = data.get("dag_id") or "plan"
    if not dag_path or template_owner(workspace, dag_path) is None:
        where = str(dag_path) if dag_path else "an in-memory plan"
        return (f"plan '{dag_id}' is preview-only: {where} is not in an app's dag_templates/ folder "
                "(drafts and custom paths run only as preview); promote it first: "
                f"agilab-tui dag promote {dag_path or 'PLAN'} APP")
    if (data.get("execution") or {}).get("runner_status") != "controlled_contract_stage_execution":
        return (f"plan '{dag_id}' is preview-only: real runs need the controlled marker "
                "execution.runner_status = 'controlled_contract_stage_execution' (dag promote adds it)")
    return ""


def _shape(units: list[dict[str, Any]]) -> list[tuple[str, list[str], list[str]]]:
    return [(u["id"], list(u["depends_on"]), [a["id"] for a in u["produces"]]) for u in units]


class DagRunner:
    """One plan and its persisted runner state; every change is saved before the method returns."""

    def __init__(self, check: CheckResult, store: st.RunnerStateStore, workspace: Workspace, *,
                 executor: StepExecutor | None = None, dag_path: str = ""):
        if not check.ok or check.data is None:
            raise PlanError(dag_path or "plan", check)
        self.check = check
        self.store = store
        self.workspace = workspace
        self.executor: StepExecutor = executor or LocalExecutor(workspace)
        self.dag_path = dag_path
        self.dag_id: str = check.data["dag_id"]
        self._active: set[str] = set()
        self.state: dict[str, Any] = {}
        self.reload()

    @classmethod
    def open(cls, plan_path: Path | str, workspace: Workspace, *, state_path: Path | str | None = None,
             executor: StepExecutor | None = None, known_apps: list[str] | None = None) -> DagRunner:
        """Check the plan file and attach to its runner state (created when missing)."""
        path = Path(plan_path)
        try:
            text = path.read_text("utf-8")
        except OSError as exc:
            raise AgilabError(f"{path}: cannot read the plan ({exc.strerror or exc})") from None
        apps = known_apps if known_apps is not None else known_app_names(workspace)
        check = check_plan(text, apps, source=str(path))
        if not check.ok:
            raise PlanError(str(path), check)
        dag_id = check.data["dag_id"] if check.data else path.stem
        store = st.RunnerStateStore(state_path or default_state_path(workspace, dag_id))
        return cls(check, store, workspace, executor=executor, dag_path=str(path))

    # --- persistence --------------------------------------------------------------------------
    def reload(self) -> None:
        """Read the state file again (another process may have moved it on); create it when missing."""
        loaded = self.store.load()
        if loaded is None:
            self.state = st.new_state(self.check, dag_path=self.dag_path)
            self.store.save(self.state)
            return
        fresh = st.new_state(self.check, dag_path=self.dag_path)
        if _shape(loaded["units"]) != _shape(fresh["units"]):
            raise AgilabError(f"{self.store.path}: this runner state belongs to another version of plan "
                              f"'{self.dag_id}' (its steps differ); reset the state to start over")
        self.state = loaded

    def reset(self) -> None:
        """Start over: every step planned again, history cleared (artifacts on disk are left alone)."""
        self._refuse_while_active("reset the runner state")
        self.state = st.new_state(self.check, dag_path=self.dag_path)
        self._save()

    def _save(self) -> None:
        st.refresh(self.state, self.check)
        self.store.save(self.state)

    # --- views --------------------------------------------------------------------------------
    def readiness(self) -> Readiness:
        facts = {u["id"]: u["dispatch_status"] for u in self.state["units"]
                 if u["dispatch_status"] in (RUNNING, COMPLETED, FAILED)}
        durations = {u["id"]: u["provenance"]["duration_s"] for u in self.state["units"]
                     if isinstance(u["provenance"].get("duration_s"), int | float)}
        return compute_readiness(self.check, facts, durations)

    def graph_lines(self, *, max_lines: int | None = None) -> list[str]:
        return render_graph(self.check, self.readiness(), max_lines=max_lines)

    def history(self) -> list[HistoryRow]:
        return execution_history(self.state)

    def request_previews(self, unit_ids: list[str] | None = None) -> list[dict[str, Any]]:
        """The exact request each step would be sent with (default: every runnable step)."""
        ids = unit_ids if unit_ids is not None else self.readiness().runnable_ids
        return [self.executor.describe(StepSpec.from_unit(st.unit(self.state, uid))) for uid in ids]

    @property
    def controlled(self) -> bool:
        execution = (self.check.data or {}).get("execution") or {}
        return execution.get("runner_status") == "controlled_contract_stage_execution"

    # --- preview and operator actions ---------------------------------------------------------
    def _refuse_while_active(self, what: str) -> None:
        if self._active:
            raise AgilabError(f"cannot {what} while steps are running: {', '.join(sorted(self._active))}")

    def preview_next(self) -> str | None:
        """Mark the next runnable step completed as a preview (no app runs); return its id, or None."""
        self._refuse_while_active("preview")
        runnable = self.readiness().runnable_ids
        if not runnable:
            return None
        uid = runnable[0]
        item = st.unit(self.state, uid)
        item["dispatch_status"] = COMPLETED
        item["provenance"] = {"real_app_execution": False, "preview": True, "backend": "preview",
                              "finished_at": st.now_iso()}
        produced = {a["id"] for a in item["produces"]}
        for art in self.state["artifacts"]:
            if art["id"] in produced:
                art["status"] = "previewed"
        st.add_event(self.state, st.PREVIEW_DISPATCH, uid, RUNNABLE, COMPLETED, "preview only: no app ran")
        self._save()
        return uid

    def reset_preview(self) -> list[str]:
        """Undo every preview completion; real completions are kept."""
        self._refuse_while_active("reset the preview")
        reset = []
        for item in self.state["units"]:
            if item["dispatch_status"] == COMPLETED and item["provenance"].get("preview"):
                item["dispatch_status"] = BLOCKED
                item["provenance"] = {"real_app_execution": False, "preview": False}
                reset.append(item["id"])
        for art in self.state["artifacts"]:
            if art["status"] == "previewed":
                art["status"] = "pending"
        if reset:
            st.add_event(self.state, "preview_reset", "", COMPLETED, "planned", ", ".join(reset))
            self._save()
        return reset

    def rerun_from(self, unit_id: str) -> list[str]:
        """Reset ``unit_id`` and everything downstream of it so they run again; returns the reset ids."""
        st.unit(self.state, unit_id)
        ids = downstream_of(self.check, unit_id)
        busy = [uid for uid in ids if st.unit(self.state, uid)["dispatch_status"] == RUNNING]
        if busy:
            raise AgilabError(f"cannot rerun from '{unit_id}': {', '.join(busy)} still running")
        stamp = st.now_iso()
        for uid in ids:
            item = st.unit(self.state, uid)
            before = item["dispatch_status"]
            item["dispatch_status"] = BLOCKED
            item["provenance"] = {**item["provenance"], "preview": False}
            item["retry"].update(attempt=0, status="not_needed", last_error="", next_action="")
            item["partial_rerun"] = {"available": False, "requested": True, "from_unit": unit_id, "reset_at": stamp}
            produced = {a["id"] for a in item["produces"]}
            for art in self.state["artifacts"]:
                if art["id"] in produced:
                    art["status"] = "stale"
            st.add_event(self.state, "partial_rerun", uid, before, "planned", f"rerun from {unit_id}")
        self._save()
        return ids

    def recover(self, unit_id: str) -> None:
        """Mark a step left ``running`` by a runner that died as failed, so it can be retried."""
        item = st.unit(self.state, unit_id)
        if item["dispatch_status"] != RUNNING or unit_id in self._active:
            raise AgilabError(f"step '{unit_id}' is not a stale running step")
        error = "interrupted: the runner stopped while this step was running"
        item["dispatch_status"] = FAILED
        item["retry"].update(status="retry_available", last_error=error, next_action="retry")
        st.add_event(self.state, "unit_recovered", unit_id, RUNNING, FAILED, error)
        self._save()

    # --- real runs ----------------------------------------------------------------------------
    @property
    def preview_only_reason(self) -> str:
        """Why this plan may only be previewed (conservative execution), or "" when it may really run."""
        return preview_only_reason(self.workspace, self.dag_path, self.check)

    def _ensure_real_runs_allowed(self) -> None:
        reason = self.preview_only_reason
        if reason:
            raise AgilabError(reason)
        previews = [u["id"] for u in self.state["units"] if u["provenance"].get("preview")
                    and u["dispatch_status"] == COMPLETED]
        if previews:
            raise AgilabError(f"the state holds preview completions ({', '.join(previews)}); "
                              "reset the preview before a real run")

    def run_next(self) -> Operation:
        """Really run the first runnable step."""
        async def body(ctx: OperationContext) -> dict[str, Any]:
            self._ensure_real_runs_allowed()
            runnable = self.readiness().runnable_ids
            if not runnable:
                raise AgilabError(f"plan '{self.dag_id}': no step is ready to run ({self._summary()})")
            return await self._run_batch(ctx, [runnable[0]], slots=1, until_done=False)

        return Operation("dag", self.dag_id, body, detail="run next stage")

    def run_ready(self, *, slots: int = 2, until_done: bool = False) -> Operation:
        """Run every runnable step, ``slots`` at a time; with ``until_done`` keep going as steps unlock."""
        if slots < 1:
            raise AgilabError(f"slots must be at least 1, got {slots}")

        async def body(ctx: OperationContext) -> dict[str, Any]:
            self._ensure_real_runs_allowed()
            return await self._run_batch(ctx, self.readiness().runnable_ids, slots=slots, until_done=until_done)

        return Operation("dag", self.dag_id, body, detail="run ready stages")

    def retry(self, unit_id: str) -> Operation:
        """Run a failed step again (its upstream steps must be completed)."""
        async def body(ctx: OperationContext) -> dict[str, Any]:
            self._ensure_real_runs_allowed()
            item = st.unit(self.state, unit_id)
            retry = item["retry"]
            if item["dispatch_status"] != FAILED:
                raise AgilabError(f"step '{unit_id}' is {item['dispatch_status']}, only a failed step is retried")
            if retry["attempt"] >= retry["max_attempts"]:
                raise AgilabError(f"step '{unit_id}' already used {retry['attempt']} of {retry['max_attempts']} "
                                  "attempts; rerun from it to start its count again")
            waiting = [up for up in item["depends_on"] if st.unit(self.state, up)["dispatch_status"] != COMPLETED]
            if waiting:
                raise AgilabError(f"step '{unit_id}' is waiting for {', '.join(waiting)}; run them first")
            item["dispatch_status"] = BLOCKED
            retry.update(status="retrying", next_action="")
            st.add_event(self.state, "unit_retry", unit_id, FAILED, "planned", f"retry after: {retry['last_error']}")
            self._save()
            return await self._run_batch(ctx, [unit_id], slots=1, until_done=False)

        return Operation("dag", self.dag_id, body, detail=f"retry {unit_id}")

    def _summary(self) -> str:
        m = self.readiness().metrics
        return f"{m.completed} completed, {m.waiting} waiting, {m.failed} failed, {m.running} running"

    async def _run_batch(self, ctx: OperationContext, ids: list[str], *, slots: int,
                         until_done: bool) -> dict[str, Any]:
        queue = list(ids)
        outcome: dict[str, str] = {}
        active: dict[asyncio.Task[str], str] = {}
        total = len(queue)
        await ctx.progress(0, total, f"{len(queue)} step(s) ready, {slots} slot(s)")
        try:
            while queue or active:
                while queue and len(active) < slots:
                    uid = queue.pop(0)
                    active[asyncio.create_task(self._run_unit(ctx, uid), name=f"dag-step-{uid}")] = uid
                done, _ = await asyncio.wait(active, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    uid = active.pop(task)
                    outcome[uid] = task.result()
                    await ctx.progress(len(outcome), total, f"{uid} {outcome[uid]}")
                if until_done:
                    known = set(outcome) | set(active.values()) | set(queue)
                    fresh = [uid for uid in self.readiness().runnable_ids if uid not in known]
                    queue.extend(fresh)
                    total += len(fresh)
        finally:
            for task in active:
                task.cancel()
            if active:
                await asyncio.gather(*active, return_exceptions=True)
        completed = [uid for uid, status in outcome.items() if status == COMPLETED]
        failed = [uid for uid, status in outcome.items() if status == FAILED]
        result = {"ran": list(outcome), "completed": completed, "failed": failed,
                  "run_status": self.state["run_status"], "state_path": str(self.store.path)}
        if failed:
            errors = "; ".join(f"{uid}: {st.unit(self.state, uid)['retry']['last_error']}" for uid in failed)
            ctx.result.update(result)
            raise AgilabError(f"{len(failed)} step(s) failed: {errors}")
        return result

    def _artifact_path(self, value: str) -> Path:
        """An artefact under the data share; one leading elsewhere is refused even if checking missed it."""
        return contained(self.workspace.data_dir, value)

    def _missing(self, artifacts: list[dict[str, Any]]) -> list[str]:
        missing = []
        for art in artifacts:
            if art.get("path") and not self._artifact_path(art["path"]).exists():
                missing.append(f"{art.get('id') or art.get('artifact')} ({self._artifact_path(art['path'])})")
        return missing

    async def _run_unit(self, ctx: OperationContext, uid: str) -> str:
        item = st.unit(self.state, uid)
        spec = StepSpec.from_unit(item)
        before = item["dispatch_status"]
        item["dispatch_status"] = RUNNING
        item["retry"]["attempt"] += 1
        started_wall, started = st.now_iso(), time.monotonic()
        item["provenance"] = {"real_app_execution": True, "preview": False, "backend": self.executor.backend,
                              "started_at": started_wall}
        st.add_event(self.state, "unit_started", uid, before, RUNNING,
                     f"attempt {item['retry']['attempt']} via {self.executor.backend}")
        self._active.add(uid)
        try:
            self._save()
        except BaseException:
            self._active.discard(uid)
            raise
        label = spec.entrypoint or " ".join(spec.command or ())
        await ctx.log(f"{uid}: started ({label if len(label) <= 80 else label[:79] + '…'})", "engine")
        await ctx.flush()  # the operator should see the start now, not when the step first prints

        async def sink(source: str, line: str) -> None:
            await ctx.log(line, f"{uid}:{source}")

        try:
            missing_inputs = self._missing(item["artifact_dependencies"])
            if missing_inputs:
                result = StepOutcome(None, "consumed artifact(s) missing on disk: " + ", ".join(missing_inputs))
            else:
                try:
                    result = await self.executor.execute(spec, sink)
                except AgilabError as exc:
                    result = StepOutcome(None, str(exc))
                except Exception as exc:  # any executor failure fails this step, never the whole batch
                    result = StepOutcome(None, f"{type(exc).__name__}: {exc}")
            if result.ok:
                missing = self._missing(item["produces"])
                if missing:
                    result.error = "exited 0 but did not produce: " + ", ".join(missing)
        except asyncio.CancelledError:
            self._finish(item, StepOutcome(None, "cancelled"), started)
            raise
        status = self._finish(item, result, started)
        await ctx.log(f"{uid}: {status}" + (f" ({result.error})" if result.error else ""), "engine")
        return status

    def _finish(self, item: dict[str, Any], result: StepOutcome, started: float) -> str:
        uid = item["id"]
        self._active.discard(uid)
        status = COMPLETED if result.ok else FAILED
        item["dispatch_status"] = status
        item["provenance"].update(finished_at=st.now_iso(), duration_s=round(time.monotonic() - started, 3),
                                  exit_code=result.exit_code, **result.detail)
        retry = item["retry"]
        if result.ok:
            retry.update(status="succeeded" if retry["attempt"] > 1 else "not_needed", last_error="", next_action="")
            produced = {a["id"] for a in item["produces"]}
            for art in self.state["artifacts"]:
                if art["id"] in produced and art.get("path"):
                    path = self._artifact_path(art["path"])
                    art.update(status="available", resolved_path=str(path), digest=content_digest(path))
            provenance = self.state["provenance"]
            provenance.update(real_app_execution=True, backend=self.executor.backend,
                              dispatch_mode="distributed_stage" if self.executor.backend == "distributed"
                              else "controlled_contract_stage_execution")
        else:
            left = retry["attempt"] < retry["max_attempts"]
            retry.update(status="retry_available" if left else "exhausted", last_error=result.error,
                         next_action="retry" if left else "rerun_from")
        st.add_event(self.state, "unit_completed" if result.ok else "unit_failed", uid, RUNNING, status,
                     result.error or "exit 0, artifacts present", duration_s=item["provenance"]["duration_s"])
        self._save()
        return status
