"""Runner state (``agilab.global_pipeline_runner_state.v1``): building it, refreshing it, persisting it safely."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..atomic import atomic_write_text, file_lock
from ..errors import AgilabError, FileChangedError, SettingsError
from .check import CheckResult
from .readiness import BLOCKED, COMPLETED, FAILED, RUNNABLE, RUNNING, compute_readiness, facts_from_state

RUNNER_STATE_SCHEMA = "agilab.global_pipeline_runner_state.v1"
MAX_ATTEMPTS = 3
PREVIEW_DISPATCH = "preview_dispatch"
REAL_EVENT_KINDS = frozenset({"unit_started", "unit_completed", "unit_failed"})


class StaleRevisionError(FileChangedError):
    """The runner state on disk moved past the revision this write was based on."""

    def __init__(self, path: Path | str, expected: int, found: int):
        super().__init__(path)
        self.expected, self.found = expected, found
        self.args = (f"{path}: runner state is at revision {found} but this write was based on revision "
                     f"{expected}; reload it before changing it",)


def now_iso() -> str:
    """UTC timestamp with microseconds, the format of every time in the state."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


def _contract(node: dict[str, Any]) -> dict[str, Any]:
    execution = node.get("execution") or {}
    keys = ("entrypoint", "command", "params", "stages", "steps", "data_in", "data_out", "reset_target", "mode")
    return {key: execution.get(key) for key in keys if key in execution}


def new_state(check: CheckResult, *, dag_path: str = "", run_id: str | None = None) -> dict[str, Any]:
    """A fresh state for a checked plan: every unit planned, readiness computed, one ``run_planned`` event."""
    if check.data is None or not check.ok:
        raise AgilabError(f"{dag_path or 'plan'}: cannot plan a run of a plan with errors")
    plan = check.data
    runner_status = (plan.get("execution") or {}).get("runner_status") or "preview_only"
    nodes = {n["id"]: n for n in plan["nodes"]}
    artifacts: dict[str, dict[str, Any]] = {}
    units = []
    for index, unit_id in enumerate(check.execution_order):
        node = nodes[unit_id]
        produces = [{"id": a["id"], "kind": a.get("kind", ""), "path": a.get("path", "")}
                    for a in node.get("produces") or ()]
        for art in produces:
            artifacts[art["id"]] = {**art, "producer": unit_id, "consumers": [], "status": "pending",
                                    "resolved_path": ""}
        deps = []
        for art_id, source_id in check.consumed.get(unit_id, ()):
            meta = next(a for a in nodes[source_id].get("produces") or () if a.get("id") == art_id)
            deps.append({"artifact": art_id, "from": source_id, "kind": meta.get("kind", ""),
                         "path": meta.get("path", "")})
        units.append({
            "id": unit_id, "order_index": index, "app": node["app"], "purpose": node.get("purpose", ""),
            "plan_status": "planned", "plan_runner_status": runner_status, "dispatch_status": BLOCKED,
            "depends_on": list(check.depends_on.get(unit_id, ())), "artifact_dependencies": deps,
            "produces": produces,
            "transitions": [
                {"from": BLOCKED, "to": RUNNABLE, "condition": "every upstream step completed"},
                {"from": RUNNABLE, "to": RUNNING, "condition": "operator dispatch"},
                {"from": RUNNING, "to": COMPLETED, "condition": "exit 0 and every produced artifact on disk"},
                {"from": RUNNING, "to": FAILED, "condition": "non-zero exit, error or missing artifact"},
            ],
            "retry": {"policy": "operator_retry", "attempt": 0, "max_attempts": MAX_ATTEMPTS,
                      "status": "not_needed", "last_error": "", "next_action": ""},
            "partial_rerun": {"available": False, "requested": False, "from_unit": "", "reset_at": ""},
            "operator_ui": {}, "provenance": {"real_app_execution": False, "preview": False},
            "execution_contract": _contract(node),
        })
    for unit in units:
        for dep in unit["artifact_dependencies"]:
            artifacts[dep["artifact"]]["consumers"].append(unit["id"])
    created = now_iso()
    state: dict[str, Any] = {
        "schema": RUNNER_STATE_SCHEMA, "run_id": run_id or f"dag-{uuid.uuid4().hex[:12]}",
        "persistence_format": "json", "run_status": "planned", "created_at": created, "updated_at": created,
        "ok": True, "issues": [i.to_dict() for i in check.issues], "runner_state_revision": 0,
        "source": {"dag_path": dag_path, "dag_id": plan.get("dag_id", ""), "label": plan.get("label", ""),
                   "execution_order": list(check.execution_order), "plan_schema": plan.get("schema", ""),
                   "plan_runner_status": runner_status, "runner_state_mode": "operator_controlled"},
        "units": units, "artifacts": list(artifacts.values()), "events": [],
        "provenance": {"dispatch_mode": "operator_controlled_preview", "real_app_execution": False,
                       "backend": "", "executor": ""},
    }
    add_event(state, "run_planned", "", "", "planned", f"{len(units)} units planned")
    refresh(state, check)
    return state


def add_event(state: dict[str, Any], kind: str, unit_id: str, from_status: str, to_status: str,
              detail: str = "", **extra: Any) -> dict[str, Any]:
    """Append one event to the state's history and return it."""
    event = {"timestamp": now_iso(), "kind": kind, "unit_id": unit_id, "from_status": from_status,
             "to_status": to_status, "detail": detail, **extra}
    state["events"].append(event)
    return event


def unit(state: dict[str, Any], unit_id: str) -> dict[str, Any]:
    """The unit dict of ``unit_id``, or a clear error."""
    for item in state["units"]:
        if item["id"] == unit_id:
            return item
    raise AgilabError(f"no step '{unit_id}' in this plan")


def refresh(state: dict[str, Any], check: CheckResult) -> None:
    """Recompute readiness, operator messages, run status and the summary counts from the recorded facts."""
    facts, durations = facts_from_state(state)
    readiness = compute_readiness(check, facts, durations)
    for item in state["units"]:
        step = readiness.steps[item["id"]]
        item["dispatch_status"] = step.status
        item["operator_ui"] = _operator_ui(item, step.status, step.blocked_by_artifacts, step.waiting_on)
        item["partial_rerun"]["available"] = step.status in (COMPLETED, FAILED)
    metrics = readiness.metrics
    if metrics.running:
        run_status = "running"
    elif metrics.failed:
        run_status = "failed"
    elif metrics.completed == metrics.steps:
        run_status = "completed"
    elif metrics.completed:
        run_status = "partial"
    else:
        run_status = "planned"
    ids = {status: readiness.ids(status) for status in (RUNNABLE, BLOCKED, RUNNING, COMPLETED, FAILED)}
    state.update({
        "run_status": run_status, "updated_at": now_iso(), "unit_count": metrics.steps,
        "planned_count": metrics.ready + metrics.waiting, "runnable_count": metrics.ready,
        "blocked_count": metrics.waiting, "running_count": metrics.running, "completed_count": metrics.completed,
        "failed_count": metrics.failed, "runnable_unit_ids": ids[RUNNABLE], "blocked_unit_ids": ids[BLOCKED],
        "running_unit_ids": ids[RUNNING], "completed_unit_ids": ids[COMPLETED], "failed_unit_ids": ids[FAILED],
        "event_count": len(state["events"]),
    })


def _operator_ui(item: dict[str, Any], status: str, blocked_by: list[str], waiting: list[str]) -> dict[str, Any]:
    if status == BLOCKED:
        what = ", ".join(blocked_by or waiting)
        return {"state": "waiting_for_artifacts", "severity": "warning",
                "message": f"waiting for {what}", "blocked_by_artifacts": list(blocked_by)}
    if status == RUNNABLE:
        return {"state": "ready_to_dispatch", "severity": "info", "message": "ready to dispatch",
                "blocked_by_artifacts": []}
    if status == RUNNING:
        return {"state": "running", "severity": "info", "message": "running", "blocked_by_artifacts": []}
    if status == FAILED:
        error = item["retry"].get("last_error") or "failed"
        return {"state": "failed", "severity": "error", "message": error, "blocked_by_artifacts": []}
    preview = item["provenance"].get("preview")
    return {"state": "completed", "severity": "success",
            "message": "completed (preview only)" if preview else "completed", "blocked_by_artifacts": []}


class RunnerStateStore:
    """``runner_state.json`` on disk: locked, atomic writes refused when based on a stale revision."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self.revision: int | None = None

    def load(self) -> dict[str, Any] | None:
        """Read the state (None when there is none yet) and remember its revision for the next save."""
        try:
            text = self.path.read_text("utf-8")
        except FileNotFoundError:
            self.revision = None
            return None
        state = self._parse(text)
        self.revision = int(state.get("runner_state_revision", 0))
        return state

    def _parse(self, text: str) -> dict[str, Any]:
        try:
            state = json.loads(text)
        except json.JSONDecodeError as exc:
            raise SettingsError(self.path, f"invalid JSON: {exc.msg}", line=exc.lineno) from None
        if not isinstance(state, dict) or state.get("schema") != RUNNER_STATE_SCHEMA:
            raise SettingsError(self.path, f"not a runner state (schema must be '{RUNNER_STATE_SCHEMA}')")
        if not isinstance(state.get("units"), list) or not isinstance(state.get("events"), list):
            raise SettingsError(self.path, "runner state lacks its units or events lists")
        return state

    def _disk_revision(self) -> int | None:
        try:
            text = self.path.read_text("utf-8")
        except FileNotFoundError:
            return None
        return int(self._parse(text).get("runner_state_revision", 0))

    def save(self, state: dict[str, Any]) -> int:
        """Write ``state`` as the next revision, unless someone else wrote since our last load/save.

        Returns:
            The new revision number.

        Raises:
            StaleRevisionError: the file's revision is not the one this store last read or wrote.
        """
        with file_lock(self.path):
            found = self._disk_revision()
            if found != self.revision:
                raise StaleRevisionError(self.path, -1 if self.revision is None else self.revision,
                                         -1 if found is None else found)
            new_revision = (found or 0) + 1
            state["runner_state_revision"] = new_revision
            atomic_write_text(self.path, json.dumps(state, indent=2) + "\n")
            self.revision = new_revision
            return new_revision
