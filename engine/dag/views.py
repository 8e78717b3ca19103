"""Plain-text views of a plan for the terminal: the layered dependency graph and the execution history."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .check import CheckResult
from .readiness import Readiness
from .state import PREVIEW_DISPATCH, REAL_EVENT_KINDS

STATUS_GLYPHS = {"runnable": "▶", "blocked": "⧗", "running": "◷", "completed": "✔", "failed": "✘"}


def layers(check: CheckResult) -> list[list[str]]:
    """Steps grouped by depth: a step sits one layer below its deepest upstream step."""
    depth: dict[str, int] = {}
    grouped: list[list[str]] = []
    for step_id in check.execution_order:
        level = max((depth[up] + 1 for up in check.depends_on.get(step_id, ()) if up in depth), default=0)
        depth[step_id] = level
        while len(grouped) <= level:
            grouped.append([])
        grouped[level].append(step_id)
    return grouped


def render_graph(check: CheckResult, readiness: Readiness | None = None, *, max_lines: int | None = None) -> list[str]:
    """The dependency graph as box-drawing text lines, one layer after another.

    Args:
        check: a checked plan without cycles.
        readiness: when given, each step shows its status glyph and status.
        max_lines: cut the drawing after this many lines, ending with a "… N more lines" line.

    Returns:
        The lines, without trailing newlines.
    """
    consumed = check.consumed
    lines: list[str] = []
    grouped = layers(check)
    id_width = min(32, max((len(s) for s in check.execution_order), default=4))
    app_width = min(32, max((len(a) for a in check.apps.values()), default=3))
    for level, step_ids in enumerate(grouped):
        lines.append(f"Layer {level + 1}")
        for n, step_id in enumerate(step_ids):
            last = n == len(step_ids) - 1
            branch, rail = ("└─", "   ") if last else ("├─", "│  ")
            status = ""
            if readiness is not None and step_id in readiness.steps:
                state = readiness.steps[step_id].status
                status = f"  {STATUS_GLYPHS.get(state, '?')} {state}"
            lines.append(f"{branch} {step_id:<{id_width}}  {check.apps.get(step_id, ''):<{app_width}}{status}")
            artifacts_by_source: dict[str, list[str]] = {}
            for art_id, source_id in consumed.get(step_id, ()):
                artifacts_by_source.setdefault(source_id, []).append(art_id)
            for up in check.depends_on.get(step_id, ()):
                via = ", ".join(artifacts_by_source.get(up, ())) or "order only"
                lines.append(f"{rail}  ◀── {up} ({via})")
        if max_lines is not None and len(lines) > max_lines:
            break
    if max_lines is not None and len(lines) > max_lines:
        hidden = len(lines) - max_lines + 1
        lines = lines[: max_lines - 1] + [f"… {hidden} more lines"]
    return lines


@dataclass(frozen=True)
class HistoryRow:
    """One line of the execution history; ``kind`` is ``preview`` or ``real`` (or ``operator`` for resets)."""

    timestamp: str
    unit_id: str
    kind: str
    action: str
    status: str
    detail: str

    def to_dict(self) -> dict[str, str]:
        return {"timestamp": self.timestamp, "unit_id": self.unit_id, "kind": self.kind, "action": self.action,
                "status": self.status, "detail": self.detail}


def execution_history(state: Mapping[str, Any]) -> list[HistoryRow]:
    """Every recorded event, oldest first, marking previews apart from real executions."""
    rows = []
    for event in state.get("events") or ():
        kind = event.get("kind", "")
        if kind == PREVIEW_DISPATCH:
            origin = "preview"
        elif kind in REAL_EVENT_KINDS:
            origin = "real"
        else:
            origin = "operator"
        rows.append(HistoryRow(event.get("timestamp", ""), event.get("unit_id", ""), origin, kind,
                               event.get("to_status", ""), event.get("detail", "")))
    return rows


def handoff_rows(check: CheckResult, state: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
    """Artifact handoffs with, when a state is given, whether each artifact is available yet."""
    status = {a["id"]: a.get("status", "pending") for a in (state or {}).get("artifacts") or ()}
    return [{**h.to_dict(), "status": status.get(h.artifact, "pending" if h.artifact else "")}
            for h in check.artifact_handoffs]
