"""Plan checking: every issue of a multi-app DAG, each with its location, plus order and handoffs."""

from __future__ import annotations

import contextlib
import gc
import heapq
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, NamedTuple

from ..workspace import module_key
from .model import CONTROLLED_RUNNER_STATUS, Plan
from .schema import validate_structure


@dataclass(frozen=True)
class Issue:
    """One problem found in a plan; ``location`` is a JSON path such as ``nodes[2].id``."""

    level: str
    location: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return asdict(self)

    def __str__(self) -> str:
        return f"{self.level}: {self.location}: {self.message}"


class Handoff(NamedTuple):
    """An artifact passed from one step (``source``) to a later one (``target``)."""

    artifact: str
    source: str
    target: str
    source_app: str
    target_app: str
    kind: str = ""
    path: str = ""
    handoff: str = ""

    @property
    def cross_app(self) -> bool:
        return self.source_app != self.target_app

    def to_dict(self) -> dict[str, Any]:
        return {"artifact": self.artifact, "from": self.source, "to": self.target, "from_app": self.source_app,
                "to_app": self.target_app, "kind": self.kind, "path": self.path, "handoff": self.handoff,
                "cross_app": self.cross_app}


@dataclass
class CheckResult:
    """The outcome of :func:`check_plan`; ``plan`` is the typed model when the schema holds."""

    issues: list[Issue] = field(default_factory=list)
    data: dict[str, Any] | None = None
    schema_ok: bool = False
    node_count: int = 0
    edge_count: int = 0
    app_count: int = 0
    cross_app_edge_count: int = 0
    execution_order: list[str] = field(default_factory=list)
    depends_on: dict[str, list[str]] = field(default_factory=dict)
    apps: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    consumed: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    source: str = ""
    _plan: Plan | None = field(default=None, repr=False)
    _handoff_keys: dict[tuple[str, str, str], str] = field(default_factory=dict, repr=False)
    _producer: dict[str, tuple[str, int, int, dict[str, Any]]] = field(default_factory=dict, repr=False)
    _handoffs: list[Handoff] | None = field(default=None, repr=False)

    @property
    def artifact_handoffs(self) -> list[Handoff]:
        """Every artifact handoff (consumes and edges), built on first use."""
        if self._handoffs is None:
            apps, producer = self.apps, self._producer
            handoffs = []
            for (source_id, target_id, art_id), text in self._handoff_keys.items():
                meta = producer[art_id][3] if art_id else {}
                handoffs.append(Handoff(art_id, source_id, target_id, apps[source_id], apps[target_id],
                                        _text(meta.get("kind")), _text(meta.get("path")), text))
            self._handoffs = handoffs
        return self._handoffs

    @property
    def plan(self) -> Plan | None:
        """The typed plan, built on first use, when the plan passed the schema checks."""
        if self._plan is None and self.schema_ok and self.data is not None:
            self._plan = Plan.model_validate(self.data)
        return self._plan

    @property
    def ok(self) -> bool:
        return not any(issue.level == "error" for issue in self.issues)

    @property
    def errors(self) -> list[Issue]:
        return [issue for issue in self.issues if issue.level == "error"]

    def to_dict(self) -> dict[str, Any]:
        """AGILab's validation output shape."""
        return {"ok": self.ok, "source": self.source, "issues": [i.to_dict() for i in self.issues],
                "node_count": self.node_count, "edge_count": self.edge_count, "app_count": self.app_count,
                "cross_app_edge_count": self.cross_app_edge_count, "execution_order": list(self.execution_order),
                "artifact_handoffs": [h.to_dict() for h in self.artifact_handoffs]}


def _parse(raw: str | bytes | Mapping[str, Any], issues: list[Issue]) -> dict[str, Any] | None:
    if isinstance(raw, Mapping):
        return dict(raw)
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        issues.append(Issue("error", f"line {exc.lineno}, column {exc.colno}", f"invalid JSON: {exc.msg}"))
        return None
    except UnicodeDecodeError as exc:
        issues.append(Issue("error", "$", f"invalid JSON: not UTF-8 text ({exc.reason})"))
        return None
    except RecursionError:
        issues.append(Issue("error", "$", "invalid plan: JSON nested too deeply to read"))
        return None
    if not isinstance(data, dict):
        issues.append(Issue("error", "$", f"a plan must be a JSON object, got {type(data).__name__}"))
        return None
    return data


def _items(value: Any) -> list[Any]:
    return value if type(value) is list else []


def _text(value: Any) -> str:
    return value if type(value) is str else ""


def check_plan(raw: str | bytes | Mapping[str, Any], known_apps: Iterable[str] | None = None,
               *, source: str = "") -> CheckResult:
    """Check a plan given as JSON text or a parsed dict and return every issue found.

    Args:
        raw: the plan's JSON text (or bytes), or an already parsed dict.
        known_apps: app project names (or module keys) that steps may use; None skips that check.
        source: where the plan came from, echoed in the result.

    Returns:
        A :class:`CheckResult` whose ``issues`` lists all problems, never only the first.
    """
    with gc_paused():
        return _check(raw, known_apps, source)


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Checking allocates many small acyclic objects; collections during it only cost time."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _check(raw: str | bytes | Mapping[str, Any], known_apps: Iterable[str] | None, source: str) -> CheckResult:
    result = CheckResult(source=source)
    issues = result.issues
    data = _parse(raw, issues)
    if data is None:
        return result
    result.data = data

    def report(location: str, message: str) -> None:
        issues.append(Issue("error", location, message))

    validate_structure(data, report)
    result.schema_ok = not issues
    nodes = _items(data.get("nodes"))
    edges = _items(data.get("edges"))
    result.node_count, result.edge_count = len(nodes), len(edges)
    execution = data.get("execution")
    controlled = type(execution) is dict and execution.get("runner_status") == CONTROLLED_RUNNER_STATUS
    known_names = sorted(known_apps) if known_apps is not None else None
    known: set[str] | None = None
    if known_names is not None:
        known = set()
        for name in known_names:
            known.update((name, module_key(name), f"{module_key(name)}_project"))

    index_of: dict[str, int] = {}
    app_of: dict[str, str] = {}
    labels = result.labels
    owned: list[tuple[int, str, dict[str, Any]]] = []
    producer: dict[str, tuple[str, int, int, dict[str, Any]]] = {}
    # Straight-line code on purpose: this loop runs once per step of plans with 10,000 steps.
    for i, node in enumerate(nodes):
        if type(node) is not dict:
            continue
        node_id = node.get("id")
        if type(node_id) is not str or not node_id:
            continue
        if node_id in index_of:
            report(f"nodes[{i}].id", f"duplicate step id '{node_id}' (first used at nodes[{index_of[node_id]}])")
            continue
        index_of[node_id] = i
        app = node.get("app")
        if type(app) is not str:
            app = ""
        app_of[node_id] = app
        owned.append((i, node_id, node))
        if known is not None and app and app not in known:
            report(f"nodes[{i}].app", f"unknown app '{app}' (known: {', '.join(known_names or []) or 'none'})")
        produces = node.get("produces")
        if type(produces) is not list:
            produces = []
        if controlled and not produces:
            report(f"nodes[{i}].produces", "a controlled step must declare at least one produced artifact")
        for k, art in enumerate(produces):
            art_id = art.get("id") if type(art) is dict else None
            if type(art_id) is not str or not art_id:
                continue
            if art_id in producer:
                other, other_i, other_k, _ = producer[art_id]
                report(f"nodes[{i}].produces[{k}].id", f"artifact '{art_id}' is already produced by step "
                       f"'{other}' (nodes[{other_i}].produces[{other_k}]); one producer per artifact")
                continue
            producer[art_id] = (node_id, i, k, art)
            if controlled:
                art_path = art.get("path")
                if type(art_path) is not str or not art_path:
                    report(f"nodes[{i}].produces[{k}].path",
                           "a controlled step's artifact needs a path so the runner can verify it")
        labels[node_id] = _execution_label(node, i, issues)
    result.app_count = len({a for a in app_of.values() if a})
    result.apps = app_of

    deps: dict[str, dict[str, None]] = {node_id: {} for node_id in index_of}
    handoffs: dict[tuple[str, str, str], str] = {}
    consumed = result.consumed
    for i, node_id, node in owned:
        mine = deps[node_id]
        uses: list[tuple[str, str]] = []
        consumed[node_id] = uses
        for k, art in enumerate(_items(node.get("consumes"))):
            art_id = art.get("id") if type(art) is dict else None
            if type(art_id) is not str or not art_id:
                continue
            found = producer.get(art_id)
            if found is None:
                report(f"nodes[{i}].consumes[{k}].id", f"artifact '{art_id}' is consumed but no step produces it")
                continue
            source_id = found[0]
            mine[source_id] = None
            uses.append((art_id, source_id))
            handoffs[(source_id, node_id, art_id)] = ""
    _edge_checks(edges, index_of, app_of, producer, deps, handoffs, result)

    result.depends_on = {node_id: list(ups) for node_id, ups in deps.items()}
    result._handoff_keys, result._producer = handoffs, producer
    order, cycles = _order(result.depends_on, index_of)
    for cycle in cycles:
        report(f"nodes[{index_of[cycle[0]]}]", "dependency cycle: " + " -> ".join(cycle))
    result.execution_order = order if not cycles else []
    return result


def _edge_checks(edges: list[Any], index_of: Mapping[str, int], app_of: Mapping[str, str],
                 producer: Mapping[str, tuple[str, int, int, dict[str, Any]]], deps: dict[str, dict[str, None]],
                 handoffs: dict[tuple[str, str, str], str], result: CheckResult) -> None:
    """Edges must join known steps and name an artifact their source really produces."""
    issues = result.issues
    for e, edge in enumerate(edges):
        if type(edge) is not dict:
            continue
        ends: list[str | None] = []
        for key in ("from", "to"):
            ref = edge.get(key)
            if type(ref) is not str or not ref:
                ends.append(None)
            elif ref not in index_of:
                issues.append(Issue("error", f"edges[{e}].{key}", f"edge refers to unknown step '{ref}'"))
                ends.append(None)
            else:
                ends.append(ref)
        source_id, target_id = ends
        if source_id is None or target_id is None:
            continue
        deps[target_id][source_id] = None
        if app_of[source_id] != app_of[target_id]:
            result.cross_app_edge_count += 1
        art_id = _text(edge.get("artifact"))
        handoff_text = _text(edge.get("handoff"))
        if not art_id:
            handoffs[(source_id, target_id, "")] = handoff_text
            continue
        found = producer.get(art_id)
        if found is None or found[0] != source_id:
            by = f"step '{found[0]}'" if found else "no step"
            issues.append(Issue("error", f"edges[{e}].artifact",
                                f"artifact '{art_id}' is not produced by step '{source_id}' (produced by {by})"))
            continue
        key = (source_id, target_id, art_id)
        if key not in handoffs:
            issues.append(Issue("warning", f"edges[{e}].artifact",
                                f"step '{target_id}' does not list artifact '{art_id}' in its consumes"))
        handoffs[key] = handoff_text


def _execution_label(node: dict[str, Any], i: int, issues: list[Issue]) -> str:
    """What will execute (entrypoint, else the argv joined), warning when the step cannot really run."""
    execution = node.get("execution")
    if type(execution) is not dict:
        execution = {}
    entrypoint, command = execution.get("entrypoint"), execution.get("command")
    if "steps" in execution:
        issues.append(Issue("warning", f"nodes[{i}].execution.steps", "legacy key 'steps' (AGILab renamed it "
                            "'stages'): the step is refused at run time until it is renamed to 'stages'"))
    if type(entrypoint) is str and entrypoint:
        if not command and not entrypoint.endswith(".run"):
            app, _, stage = entrypoint.rpartition(".")
            issues.append(Issue("warning", f"nodes[{i}].execution.entrypoint", f"entrypoint '{entrypoint}' names "
                                f"AGILab's controlled stage '{stage}' of '{app}', which only AGILab's own DAG "
                                "adapters implement: the step is previewed; running it is refused (use "
                                f"'{app}.run' or a 'command')"))
        return entrypoint
    if type(command) is list and command:
        try:
            return " ".join(command)
        except TypeError:  # non-string items are already reported by the schema pass
            return " ".join(map(str, command))
    issues.append(Issue("warning", f"nodes[{i}].execution",
                        "no entrypoint or command: the step can be previewed but not run"))
    return ""


def _order(depends_on: Mapping[str, list[str]], position: Mapping[str, int]) -> tuple[list[str], list[list[str]]]:
    """Topological order (ties broken by position in the file), and the cycles that block one."""
    # Most plans are written upstream-first: then the file order already is the answer.
    if all(position[up] < position[node_id] for node_id, ups in depends_on.items() for up in ups):
        return list(depends_on), []
    downstream: dict[str, list[str]] = {node_id: [] for node_id in depends_on}
    pending = {node_id: len(ups) for node_id, ups in depends_on.items()}
    for node_id, ups in depends_on.items():
        for up in ups:
            downstream[up].append(node_id)
    heap = [(position[n], n) for n, count in pending.items() if count == 0]
    heapq.heapify(heap)
    order: list[str] = []
    while heap:
        _, node_id = heapq.heappop(heap)
        order.append(node_id)
        for nxt in downstream[node_id]:
            pending[nxt] -= 1
            if pending[nxt] == 0:
                heapq.heappush(heap, (position[nxt], nxt))
    if len(order) == len(depends_on):
        return order, []
    stuck = {n for n, count in pending.items() if count > 0}
    return order, _cycles(stuck, downstream, position)


def _cycles(stuck: set[str], downstream: Mapping[str, list[str]], position: Mapping[str, int]) -> list[list[str]]:
    """One named cycle per knot among the steps a topological sort could not order."""
    cycles: list[list[str]] = []
    covered: set[str] = set()
    for start in sorted(stuck, key=position.__getitem__):
        if start in covered:
            continue
        parent: dict[str, str] = {}
        frontier, seen, found = [start], {start}, False
        while frontier and not found:
            next_frontier: list[str] = []
            for node_id in frontier:
                for nxt in downstream[node_id]:
                    if nxt == start:
                        parent[start], found = node_id, True
                        break
                    if nxt in stuck and nxt not in seen:
                        seen.add(nxt)
                        parent[nxt] = node_id
                        next_frontier.append(nxt)
                if found:
                    break
            frontier = next_frontier
        if not found:
            continue  # downstream of a cycle, not on one
        back: list[str] = []
        node_id = parent[start]
        while node_id != start:
            back.append(node_id)
            node_id = parent[node_id]
        cycle = [start, *reversed(back), start]
        covered.update(cycle)
        cycles.append(cycle)
    return cycles
