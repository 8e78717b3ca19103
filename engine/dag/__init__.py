"""Multi-app DAGs: plan model and checks, sources, editing, readiness, runner state and the runner."""

from __future__ import annotations

from .check import CheckResult, Handoff, Issue, check_plan
from .edit import PlanDraft, PlanEditError
from .executors import DistributedExecutor, LocalExecutor, StepExecutor, StepOutcome, StepSpec
from .model import CONTROLLED_RUNNER_STATUS, PLAN_SCHEMA, Plan
from .readiness import Readiness, ReadinessMetrics, StepReadiness, compute_readiness, downstream_of
from .runner import DagRunner, PlanError, default_state_path, known_app_names
from .sources import (
    PlanEntry,
    PlanSource,
    drafts_dir,
    list_all_plans,
    list_plans,
    read_plan_text,
    templates_dir,
)
from .state import RUNNER_STATE_SCHEMA, RunnerStateStore, StaleRevisionError
from .views import HistoryRow, execution_history, handoff_rows, layers, render_graph

__all__ = [
    "CONTROLLED_RUNNER_STATUS", "PLAN_SCHEMA", "RUNNER_STATE_SCHEMA", "CheckResult", "DagRunner",
    "DistributedExecutor", "Handoff", "HistoryRow", "Issue", "LocalExecutor", "Plan", "PlanDraft", "PlanEditError",
    "PlanEntry", "PlanError", "PlanSource", "Readiness", "ReadinessMetrics", "RunnerStateStore",
    "StaleRevisionError", "StepExecutor", "StepOutcome", "StepReadiness", "StepSpec", "check_plan",
    "compute_readiness", "default_state_path", "downstream_of", "drafts_dir", "execution_history",
    "handoff_rows", "known_app_names", "layers", "list_all_plans", "list_plans", "read_plan_text",
    "render_graph", "templates_dir",
]
