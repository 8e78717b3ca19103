"""Text the DAG panel shows: plan title, check issues, metrics line, request previews and the graph.

Pure functions of the session, so the panel's handlers stay short and each text is testable alone.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING

from rich.text import Text

if TYPE_CHECKING:
    from engine.dag import CheckResult, Readiness
    from tui.workflow.dag.session import BackendChoice, DagSession

Redact = Callable[[str], str]


def title_text(session: DagSession, redact: Redact) -> Text:
    data = session.draft.data
    text = Text()
    text.append(str(data.get("dag_id") or "plan"), style="bold")
    reason = getattr(session, "preview_reason", "")
    text.append(" · preview-only (drafts, samples, custom paths: promote to run)" if reason
                else " · controlled app template: real runs allowed", style="italic")
    if session.edited:
        text.append(" · edited, not saved", style="bold")
    where = redact(str(session.path)) if session.path else "new plan (not saved yet)"
    text.append(f"\n{where}")
    return text


def history_heading(session: DagSession, redact: Redact) -> str:
    if session.runner is None:
        return "Execution history"
    return f"Execution history ({redact(str(session.runner.store.path))})"


def issues_text(check: CheckResult, runner_error: str = "") -> tuple[Text, bool]:
    """The check result, one issue per line with its location; True when there are errors."""
    text = Text()
    if check.issues:
        for issue in check.issues:
            style = "bold" if issue.level == "error" else "italic"
            text.append(f"{issue.level:<7} {issue.location or '(plan)'}: ", style=style)
            text.append(f"{issue.message}\n")
    else:
        handoffs = check.artifact_handoffs
        cross = sum(1 for h in handoffs if h.cross_app)
        text.append(f"Check: OK — {check.node_count} steps, {check.app_count} apps, "
                    f"{len(handoffs)} handoffs ({cross} cross-app)\n")
    if runner_error:
        text.append(f"runner: {runner_error}\n", style="bold")
    text.rstrip()
    return text, not check.ok or bool(runner_error)


def metrics_text(readiness: Readiness | None, backend: BackendChoice) -> str:
    if readiness is None:
        return "Steps – · the plan cannot run until its errors are fixed"
    m = readiness.metrics
    return (f"Steps {m.steps} · Ready {m.ready} · Waiting {m.waiting} · Running {m.running} · "
            f"Completed {m.completed} · Failed {m.failed} · {backend.name}")


def request_text(backend: BackendChoice, redact: Redact) -> Text:
    """The exact per-stage request the distributed backend would send, before anything runs."""
    text = Text()
    if backend.problem:
        text.append(backend.problem + "\n", style="bold")
    if not backend.previews:
        text.append("No step is ready, so no request would be sent now.")
        return text
    for preview in backend.previews:
        text.append(f"{preview.get('unit_id')} → {preview.get('app')}\n", style="bold")
        for key in ("scheduler", "workers", "workers_data_path", "mode", "apps_path", "command", "entrypoint",
                    "cwd"):
            if key in preview and preview[key] not in (None, "", {}):
                value = preview[key]
                shown = json.dumps(value) if isinstance(value, dict | list) else str(value)
                text.append(f"  {key}: {redact(shown)}\n")
        if "request" in preview:
            text.append(f"  RunRequest: {redact(json.dumps(preview['request'], sort_keys=True))}\n")
    text.rstrip()
    return text


def graph_text(check: CheckResult, readiness: Readiness | None) -> Text:
    from engine.dag import render_graph

    if not check.ok or not check.execution_order:
        return Text("No graph: the plan has errors or no steps.")
    return Text("\n".join(render_graph(check, readiness)), no_wrap=True)
