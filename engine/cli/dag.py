"""``dag`` CLI group: check a multi-app DAG plan, show its order and readiness, run ready steps, show status."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from ..errors import AgilabError
from ..workspace import Workspace


def register(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``dag check|plan|run-ready|status|preview-next|retry|rerun-from|reset|promote`` to a parent's subparsers."""
    parser = subparsers.add_parser("dag", help="multi-app DAG plans (agilab.multi_app_dag.v1)")
    group = parser.add_subparsers(dest="dag_command", required=True)

    def add(name: str, handler: Any, help_text: str, *, state: bool = True) -> argparse.ArgumentParser:
        sub = group.add_parser(name, help=help_text)
        sub.add_argument("plan", metavar="PATH", help="the plan JSON file")
        if state:
            sub.add_argument("--state", metavar="FILE", help="runner_state.json (default: under the workspace "
                                                             "log/execute/multi_app_dag/<dag_id>/)")
        sub.add_argument("--json", action="store_true", help="machine-readable output")
        # SUPPRESS keeps a --home given to the top-level parser when it is not repeated here.
        sub.add_argument("--home", default=argparse.SUPPRESS, help="workspace root (AGILAB_TUI_HOME)")
        sub.set_defaults(handler=handler)
        return sub

    check = add("check", run_check, "check a plan and list every issue with its location", state=False)
    check.add_argument("--any-app", action="store_true", help="do not require steps to use known apps")
    add("plan", run_plan, "execution order, readiness and graph of a plan")
    run = add("run-ready", run_ready, "really run every runnable step (independent branches concurrently)")
    run.add_argument("--slots", type=int, default=2, help="steps run at once (default 2)")
    run.add_argument("--all", action="store_true", help="keep going as steps unlock, until nothing is runnable")
    run.add_argument("--backend", choices=("local", "distributed"), default="local", help="stage backend")
    run.add_argument("--scheduler", help="Dask scheduler host:port for the distributed backend")
    run.add_argument("--workers", help='workers for app steps, as JSON: \'{"10.0.0.2": 2}\'')
    run.add_argument("--workers-data-path", help="data path on the workers (default: the workspace data share)")
    run.add_argument("--dry-run", action="store_true", help="print the per-stage requests and stop")
    add("status", run_status, "run status, step states and execution history")
    add("preview-next", run_preview_next, "mark the next ready step completed as a preview (no app runs)")
    retry = add("retry", run_retry, "run a failed step again")
    retry.add_argument("step", help="step id")
    rerun = add("rerun-from", run_rerun_from, "reset a step and everything downstream of it")
    rerun.add_argument("step", help="step id")
    add("reset", run_reset, "start the runner state over (files on disk are kept)")
    promote = add("promote", run_promote, "copy a draft or custom-path plan into an app's dag_templates/ so it "
                  "can run for real", state=False)
    promote.add_argument("app", metavar="APP", help="the app whose dag_templates/ receives the plan")
    promote.add_argument("--force", action="store_true", help="replace a different template of the same name")
    return parser


def _workspace(args: argparse.Namespace) -> Workspace:
    return Workspace(getattr(args, "home", None))


def _emit(args: argparse.Namespace, payload: dict[str, Any], lines: list[str]) -> None:
    if args.json:
        print(json.dumps(payload, indent=2, default=str))
    else:
        print("\n".join(lines))


def run_check(args: argparse.Namespace) -> int:
    """Check a plan; exit 1 when it has errors."""
    from ..dag import check_plan, known_app_names, read_plan_text

    apps = None if args.any_app else known_app_names(_workspace(args))
    result = check_plan(read_plan_text(args.plan), apps, source=str(args.plan))
    lines = [f"{args.plan}: {'ok' if result.ok else 'FAILED'} — {result.node_count} steps, {result.edge_count} "
             f"edges, {result.app_count} apps, {result.cross_app_edge_count} cross-app edges"]
    lines += [f"  {issue}" for issue in result.issues]
    if result.execution_order:
        lines.append("order: " + " → ".join(result.execution_order))
    _emit(args, result.to_dict(), lines)
    return 0 if result.ok else 1


def _open(args: argparse.Namespace, *, executor: Any = None) -> Any:
    from ..dag import DagRunner

    return DagRunner.open(args.plan, _workspace(args), state_path=args.state, executor=executor)


def _readonly_view(args: argparse.Namespace) -> tuple[Any, Any, dict[str, Any] | None]:
    """Check, readiness and the state (when one exists) without creating or changing any file."""
    from ..dag import (
        PlanError,
        RunnerStateStore,
        check_plan,
        compute_readiness,
        default_state_path,
        known_app_names,
        read_plan_text,
    )
    from ..dag.readiness import facts_from_state

    workspace = _workspace(args)
    check = check_plan(read_plan_text(args.plan), known_app_names(workspace), source=str(args.plan))
    if not check.ok:
        raise PlanError(str(args.plan), check)
    state_path = Path(args.state) if args.state else default_state_path(workspace, check.data["dag_id"])
    state = RunnerStateStore(state_path).load()
    facts, durations = facts_from_state(state) if state else ({}, {})
    return check, compute_readiness(check, facts, durations), state


def _execution(args: argparse.Namespace, check: Any) -> tuple[str, str]:
    """``("real" | "preview", line)``: conservative execution, said before anything runs."""
    from ..dag.runner import preview_only_reason

    reason = preview_only_reason(_workspace(args), args.plan, check)
    return ("preview", f"preview only: {reason}") if reason else ("real", "runs for real: a controlled app template")


def run_plan(args: argparse.Namespace) -> int:
    """Print the execution order, readiness of each step, the handoffs and the graph."""
    from ..dag import handoff_rows, render_graph

    check, readiness, state = _readonly_view(args)
    execution, note = _execution(args, check)
    lines = ["order: " + " → ".join(check.execution_order), note, _metrics_line(readiness), ""]
    lines += [_step_line(step) for step in readiness.steps.values()]
    lines += ["", *render_graph(check, readiness)]
    payload = {"execution_order": check.execution_order, "execution": execution, "execution_note": note,
               **readiness.to_dict(),
               "artifact_handoffs": handoff_rows(check, state)}
    _emit(args, payload, lines)
    return 0


def run_status(args: argparse.Namespace) -> int:
    """Print the recorded run status, each step's state and the history; exit 1 when a step failed."""
    from ..dag import execution_history

    check, readiness, state = _readonly_view(args)
    history = execution_history(state) if state else []
    run_status = state["run_status"] if state else "not started"
    execution, note = _execution(args, check)
    lines = [f"{check.data['dag_id']}: {run_status}", note, _metrics_line(readiness), ""]
    lines += [_step_line(step) for step in readiness.steps.values()]
    lines += ["", "history:"] + [f"  {h.timestamp}  {h.kind:<8} {h.action:<15} {h.unit_id:<20} {h.detail}"
                                 for h in history]
    _emit(args, {"run_status": run_status, "execution": execution, "execution_note": note, **readiness.to_dict(),
                 "history": [h.to_dict() for h in history]},
          lines)
    return 1 if readiness.metrics.failed else 0


def run_ready(args: argparse.Namespace) -> int:
    """Run every runnable step (``--all``: until nothing more unlocks); exit 1 when a step failed."""
    from ..dag import DistributedExecutor
    from .stream import drive

    executor = None
    if args.backend == "distributed":
        if not args.scheduler:
            raise AgilabError("--backend distributed needs --scheduler host:port")
        try:
            workers = json.loads(args.workers) if args.workers else None
        except json.JSONDecodeError as exc:
            raise AgilabError(f"--workers is not valid JSON: {exc.msg}") from None
        executor = DistributedExecutor(_workspace(args), args.scheduler, workers=workers,
                                       workers_data_path=args.workers_data_path)
    runner = _open(args, executor=executor)
    if args.dry_run:
        previews = runner.request_previews()
        note = runner.preview_only_reason
        lines = [json.dumps(p, indent=2) for p in previews] or ["no runnable step"]
        _emit(args, {"requests": previews, "execution": "preview" if note else "real", "execution_note": note},
              [*lines, f"preview only: {note}"] if note else lines)
        return 0
    code = drive(runner.run_ready(slots=args.slots, until_done=args.all), as_json=args.json,
                 summary=lambda result: print(f"ran {len(result['ran'])} step(s): {result['run_status']}"))
    if not args.json:
        print(_metrics_line(runner.readiness()))
    return code


def run_preview_next(args: argparse.Namespace) -> int:
    runner = _open(args)
    uid = runner.preview_next()
    _emit(args, {"previewed": uid}, [f"previewed {uid} (no app ran)" if uid else "no runnable step"])
    return 0


def run_retry(args: argparse.Namespace) -> int:
    from .stream import drive

    return drive(_open(args).retry(args.step), as_json=args.json,
                 summary=lambda result: print(f"{args.step}: {result['run_status']}"))


def run_rerun_from(args: argparse.Namespace) -> int:
    ids = _open(args).rerun_from(args.step)
    _emit(args, {"reset": ids}, [f"reset {', '.join(ids)}"])
    return 0


def run_reset(args: argparse.Namespace) -> int:
    runner = _open(args)
    runner.reset()
    _emit(args, {"state_path": str(runner.store.path)}, [f"reset {runner.store.path}"])
    return 0


def run_promote(args: argparse.Namespace) -> int:
    """Copy the plan into the app's templates (checked first); it then runs for real."""
    from ..dag.promote import promote_plan

    done = promote_plan(_workspace(args), args.plan, args.app, force=args.force)
    lines = [f"promoted {done.source} -> {done.path}" + (" (already there)" if done.unchanged else "")]
    if done.marker_added:
        lines.append("  added the controlled marker execution.runner_status = 'controlled_contract_stage_execution'")
    lines.append(f"  it now runs for real: agilab-tui dag run-ready {done.path}")
    _emit(args, {"source": str(done.source), "path": str(done.path), "app": done.app,
                 "marker_added": done.marker_added, "unchanged": done.unchanged}, lines)
    return 0


def _metrics_line(readiness: Any) -> str:
    m = readiness.metrics
    return (f"steps {m.steps}  ready {m.ready}  waiting {m.waiting}  running {m.running}  "
            f"completed {m.completed}  failed {m.failed}")


def _step_line(step: Any) -> str:
    waits = f"  waits for {', '.join(step.blocked_by_artifacts or step.waiting_on)}" if step.waiting_on else ""
    duration = f"  {step.last_duration_s:.2f}s" if step.last_duration_s is not None else ""
    return f"{step.order_index + 1:>4}. {step.id:<24} {step.app:<28} {step.status:<10}{duration}{waits}"


def main(argv: list[str] | None = None) -> int:
    """Run the ``dag`` group alone (``python -m engine.cli.dag ...``)."""
    parser = argparse.ArgumentParser(prog="agilab-tui")
    parser.add_argument("--home", help="workspace root (AGILAB_TUI_HOME)")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except AgilabError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
