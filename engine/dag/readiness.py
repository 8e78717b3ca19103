"""Readiness of every step from the plan and the recorded facts (running, completed, failed), as pure functions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .check import CheckResult, gc_paused

RUNNABLE, BLOCKED, RUNNING, COMPLETED, FAILED = "runnable", "blocked", "running", "completed", "failed"
STATUSES = (RUNNABLE, BLOCKED, RUNNING, COMPLETED, FAILED)
_FACTS = frozenset({RUNNING, COMPLETED, FAILED})


@dataclass(slots=True)
class StepReadiness:
    """What the operator needs to know about one step."""

    id: str
    app: str
    status: str
    order_index: int
    entrypoint: str = ""
    depends_on: list[str] = field(default_factory=list)
    waiting_on: list[str] = field(default_factory=list)
    blocked_by_artifacts: list[str] = field(default_factory=list)
    last_duration_s: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "app": self.app, "status": self.status, "order_index": self.order_index,
                "entrypoint": self.entrypoint, "depends_on": list(self.depends_on),
                "waiting_on": list(self.waiting_on), "blocked_by_artifacts": list(self.blocked_by_artifacts),
                "last_duration_s": self.last_duration_s}


@dataclass(frozen=True)
class ReadinessMetrics:
    """Counts shown above the step table."""

    steps: int
    ready: int
    waiting: int
    running: int
    completed: int
    failed: int

    def to_dict(self) -> dict[str, int]:
        return {"steps": self.steps, "ready": self.ready, "waiting": self.waiting, "running": self.running,
                "completed": self.completed, "failed": self.failed}


@dataclass
class Readiness:
    """Per-step readiness in execution order, with the metrics."""

    steps: dict[str, StepReadiness]
    metrics: ReadinessMetrics

    @property
    def runnable_ids(self) -> list[str]:
        return [s.id for s in self.steps.values() if s.status == RUNNABLE]

    @property
    def blocked_ids(self) -> list[str]:
        return [s.id for s in self.steps.values() if s.status == BLOCKED]

    def ids(self, status: str) -> list[str]:
        return [s.id for s in self.steps.values() if s.status == status]

    def to_dict(self) -> dict[str, Any]:
        return {"metrics": self.metrics.to_dict(), "steps": [s.to_dict() for s in self.steps.values()]}


def compute_readiness(check: CheckResult, facts: Mapping[str, str] | None = None,
                      durations: Mapping[str, float] | None = None) -> Readiness:
    """Status of each step: facts win; otherwise runnable when every upstream step completed, else blocked.

    Args:
        check: a checked plan (its ``execution_order`` and ``depends_on`` drive the result).
        facts: unit id to ``running``/``completed``/``failed`` as recorded by the runner.
        durations: unit id to its last duration in seconds.

    Returns:
        A :class:`Readiness` listing steps in execution order.
    """
    with gc_paused():
        return _compute(check, facts or {}, durations or {})


def _compute(check: CheckResult, facts: Mapping[str, str], durations: Mapping[str, float]) -> Readiness:
    depends_on, apps, labels, consumed = check.depends_on, check.apps, check.labels, check.consumed
    steps: dict[str, StepReadiness] = {}
    counts = dict.fromkeys(STATUSES, 0)
    for index, step_id in enumerate(check.execution_order or list(depends_on)):
        ups = depends_on.get(step_id, [])
        status = facts.get(step_id)
        waiting: list[str] = []
        blocked_by: list[str] = []
        if status not in _FACTS:
            waiting = [up for up in ups if facts.get(up) != COMPLETED]
            if waiting:
                status = BLOCKED
                blocked_by = [art for art, up in consumed.get(step_id, ()) if up in waiting]
            else:
                status = RUNNABLE
        counts[status] += 1
        steps[step_id] = StepReadiness(step_id, apps.get(step_id, ""), status, index, labels.get(step_id, ""),
                                       ups, waiting, blocked_by, durations.get(step_id))
    metrics = ReadinessMetrics(len(steps), counts[RUNNABLE], counts[BLOCKED], counts[RUNNING],
                               counts[COMPLETED], counts[FAILED])
    return Readiness(steps, metrics)


def facts_from_state(state: Mapping[str, Any]) -> tuple[dict[str, str], dict[str, float]]:
    """The recorded facts and last durations of a runner state dict."""
    facts: dict[str, str] = {}
    durations: dict[str, float] = {}
    for unit in state.get("units") or ():
        status = unit.get("dispatch_status")
        if status in _FACTS:
            facts[unit["id"]] = status
        duration = (unit.get("provenance") or {}).get("duration_s")
        if isinstance(duration, int | float):
            durations[unit["id"]] = float(duration)
    return facts, durations


def downstream_of(check: CheckResult, step_id: str) -> list[str]:
    """``step_id`` and every step that transitively depends on it, in execution order."""
    below: dict[str, list[str]] = {}
    for node_id, ups in check.depends_on.items():
        for up in ups:
            below.setdefault(up, []).append(node_id)
    reached = {step_id}
    stack = [step_id]
    while stack:
        for nxt in below.get(stack.pop(), ()):
            if nxt not in reached:
                reached.add(nxt)
                stack.append(nxt)
    return [n for n in (check.execution_order or list(check.depends_on)) if n in reached]
