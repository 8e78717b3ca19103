"""Project workflow graph: the lab's stage order and dependencies drawn as text, read-only.

Stages may carry ``id`` (or ``stage_id``) and ``deps`` (or ``depends_on`` / ``dependencies``), as AGILab's
run controls read them; the default id is ``stage_N``. When no stage declares dependencies the graph is
the sequential order. Stages are grouped in waves: a stage sits one wave after its latest dependency.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from tui.workflow.lab import LabSnapshot, StageInfo
from tui.workflow.panel import LabPanel

_DEP_KEYS = ("deps", "depends_on", "dependencies")


@dataclass(frozen=True)
class GraphNode:
    index: int
    stage_id: str
    deps: tuple[str, ...]


def stage_id(index: int, stage: Mapping[str, Any]) -> str:
    return str(stage.get("id") or stage.get("stage_id") or f"stage_{index + 1}")


def _declared(stage: Mapping[str, Any]) -> list[str] | None:
    for key in _DEP_KEYS:
        value = stage.get(key)
        if value is not None:
            return [str(v) for v in (value if isinstance(value, list | tuple) else [value])]
    return None


def graph_nodes(stages: Sequence[Mapping[str, Any]]) -> tuple[list[GraphNode], bool]:
    """Nodes with their dependencies, and whether any dependency was declared (else: sequential)."""
    ids = [stage_id(i, s) for i, s in enumerate(stages)]
    declared = [_declared(s) for s in stages]
    explicit = any(d is not None for d in declared)
    nodes = []
    for index, deps in enumerate(declared):
        if not explicit:
            deps = [ids[index - 1]] if index else []
        nodes.append(GraphNode(index, ids[index], tuple(deps or ())))
    return nodes, explicit


def waves(nodes: Sequence[GraphNode]) -> tuple[list[list[GraphNode]], list[str]]:
    """Kahn layering; returns the waves and the ids left over by a cycle or an unknown dependency."""
    level: dict[str, int] = {}
    remaining = list(nodes)
    while remaining:
        placed = [n for n in remaining if all(d in level for d in n.deps)]
        if not placed:
            break
        for node in placed:
            level[node.stage_id] = 1 + max((level[d] for d in node.deps), default=0)
        remaining = [n for n in remaining if n.stage_id not in level]
    layers: list[list[GraphNode]] = [[] for _ in range(max(level.values(), default=0))]
    for node in nodes:
        if node.stage_id in level:
            layers[level[node.stage_id] - 1].append(node)
    return layers, [n.stage_id for n in remaining]


def draw_graph(snapshot: LabSnapshot) -> str:
    """The whole graph view as plain text."""
    infos: Sequence[StageInfo] = snapshot.stages
    if not infos:
        return f"Project workflow · {snapshot.path.name}\n\nNo stages yet: add one on the Stages sub-tab."
    nodes, explicit = graph_nodes([info.stage for info in infos])
    layers, stuck = waves(nodes)
    order = "declared dependencies" if explicit else "sequential order (no stage declares deps)"
    lines = [f"Project workflow · {snapshot.path.name} · {len(infos)} stages · {order}",
             "Read-only: edit stages on the Stages sub-tab, or id/deps keys in HISTORY.", ""]
    known = {node.stage_id for node in nodes}
    for number, layer in enumerate(layers, start=1):
        if number > 1:
            lines.append("    │")
            lines.append("    ▼")
        for node in layer:
            info = infos[node.index]
            needs = f"  ← {', '.join(node.deps)}" if node.deps and explicit else ""
            lines.append(f"wave {number}: [{node.index + 1}] {node.stage_id} · {info.title} ({info.badge}){needs}")
    for node in nodes:
        missing = [d for d in node.deps if d not in known]
        if missing:
            lines.append(f"! [{node.index + 1}] {node.stage_id} depends on unknown {', '.join(missing)}")
    if stuck:
        lines.append(f"! not placed (cycle or unknown dependency): {', '.join(stuck)}")
    return "\n".join(lines)


class GraphView(LabPanel):
    """Scrollable text graph of the current lab."""

    DEFAULT_CSS = """
    GraphView {
        height: 1fr;
        #graph-scroll { height: 1fr; border: round $panel; &:focus { border: round $primary; } }
        #graph-text { width: auto; padding: 0 1; }
    }
    """

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="graph-scroll", can_focus=True) as scroll:
            scroll.border_title = "Project workflow graph"
            yield Static("Loading…", id="graph-text", markup=False)

    def show_lab(self, snapshot: LabSnapshot) -> None:
        super().show_lab(snapshot)
        self.query_one("#graph-text", Static).update(draw_graph(snapshot))
