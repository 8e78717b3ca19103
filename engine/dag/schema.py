"""Fast structural validation of a raw plan dict, reporting every schema issue with its JSON location.

Pydantic (:mod:`engine.dag.model`) gives the typed model; this hand-written pass mirrors it so that
checking a 10,000-step plan stays within a frame budget and lists every issue instead of the first.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..safe_paths import name_problem, relative_path_problem
from .model import NODE_ID_RE, PLAN_SCHEMA

Report = Callable[[str, str], None]
_TYPE_NAMES = {str: "a string", list: "a list", dict: "an object", bool: "true or false"}


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    return {bool: "a boolean", int: "a number", float: "a number", str: "a string", list: "a list",
            dict: "an object"}.get(type(value), type(value).__name__)


def _expect(obj: dict[str, Any], key: str, kind: type, loc: str, report: Report, *,
            required: bool = False, nullable: bool = False, non_empty: bool = False) -> Any:
    if key not in obj:
        if required:
            report(f"{loc}.{key}" if loc else key, "field required")
        return None
    value = obj[key]
    where = f"{loc}.{key}" if loc else key
    if value is None and nullable:
        return None
    if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
        report(where, f"must be {_TYPE_NAMES[kind]}, got {_type_name(value)}")
        return None
    if non_empty and not value:
        report(where, "must not be empty")
        return None
    return value


def _artifact(art: Any, loc: str, report: Report) -> None:
    if not isinstance(art, dict):
        report(loc, f"must be an object with id, kind, path, got {_type_name(art)}")
        return
    _expect(art, "id", str, loc, report, required=True, non_empty=True)
    _expect(art, "kind", str, loc, report)
    _safe_path(_expect(art, "path", str, loc, report), f"{loc}.path", report)


def _safe_path(value: str | None, where: str, report: Report) -> None:
    """Artefact and data paths resolve under the data share: they may not leave it."""
    problem = relative_path_problem(value) if value else None
    if problem:
        report(where, problem)


def _stage_names(stages: list[Any] | None, loc: str, report: Report) -> None:
    for j, stage in enumerate(stages or ()):
        name = stage.get("name") if type(stage) is dict else stage if type(stage) is str else None
        problem = name_problem(name) if type(name) is str else None
        if problem:
            report(f"{loc}.stages[{j}]" + (".name" if type(stage) is dict else ""), problem)


def _execution(ex: Any, loc: str, report: Report) -> None:
    if not isinstance(ex, dict):
        report(loc, f"must be an object, got {_type_name(ex)}")
        return
    _expect(ex, "entrypoint", str, loc, report, nullable=True)
    command = ex.get("command")
    if isinstance(command, str):
        report(f"{loc}.command", 'command must be an argv list such as ["python", "-m", "pkg.mod"], '
                                 "not a shell string")
    elif command is not None:
        if not isinstance(command, list):
            report(f"{loc}.command", f"must be a list, got {_type_name(command)}")
        elif not command:
            report(f"{loc}.command", "command must not be an empty list")
        else:
            for j, arg in enumerate(command):
                if not isinstance(arg, str):
                    report(f"{loc}.command[{j}]", f"must be a string, got {_type_name(arg)}")
    _expect(ex, "params", dict, loc, report)
    _stage_names(_expect(ex, "stages", list, loc, report), loc, report)
    _safe_path(_expect(ex, "data_in", str, loc, report, nullable=True), f"{loc}.data_in", report)
    _safe_path(_expect(ex, "data_out", str, loc, report, nullable=True), f"{loc}.data_out", report)
    _expect(ex, "reset_target", bool, loc, report, nullable=True)


def _node(node: Any, loc: str, report: Report) -> None:
    if not isinstance(node, dict):
        report(loc, f"must be an object, got {_type_name(node)}")
        return
    node_id = _expect(node, "id", str, loc, report, required=True)
    if node_id is not None and not NODE_ID_RE.match(node_id):
        report(f"{loc}.id", f"'{node_id}' is not a valid id: use letters, digits, '_', '.', '-' "
                            "and start with a letter or digit")
    _expect(node, "app", str, loc, report, required=True, non_empty=True)
    _expect(node, "purpose", str, loc, report)
    if "execution" in node:
        _execution(node["execution"], f"{loc}.execution", report)
    for key in ("produces", "consumes"):
        items = _expect(node, key, list, loc, report)
        for k, art in enumerate(items or ()):
            _artifact(art, f"{loc}.{key}[{k}]", report)


def _edge(edge: Any, loc: str, report: Report) -> None:
    if not isinstance(edge, dict):
        report(loc, f"must be an object, got {_type_name(edge)}")
        return
    _expect(edge, "from", str, loc, report, required=True, non_empty=True)
    _expect(edge, "to", str, loc, report, required=True, non_empty=True)
    _expect(edge, "artifact", str, loc, report)
    _expect(edge, "handoff", str, loc, report)


def validate_structure(data: dict[str, Any], report: Report) -> None:
    """Call ``report(location, message)`` for every schema violation in ``data``."""
    schema = _expect(data, "schema", str, "", report, required=True)
    if schema is not None and schema != PLAN_SCHEMA:
        report("schema", f"schema must be '{PLAN_SCHEMA}', got '{schema}'")
    dag_id = _expect(data, "dag_id", str, "", report, required=True, non_empty=True)
    # The id names the plan's folder under log/execute/multi_app_dag/.
    problem = name_problem(dag_id) if dag_id else None
    if problem:
        report("dag_id", problem)
    _expect(data, "label", str, "", report)
    _expect(data, "description", str, "", report)
    execution = _expect(data, "execution", dict, "", report)
    if execution is not None:
        for key in ("mode", "runner_status", "adapter"):
            _expect(execution, key, str, "execution", report)
        bindings = _expect(execution, "stage_bindings", dict, "execution", report)
        for name, value in (bindings or {}).items():
            problem = name_problem(name)
            if problem:
                report(f"execution.stage_bindings.{name}", f"stage name {problem}")
            if not isinstance(value, str):
                report(f"execution.stage_bindings.{name}", f"must be a string, got {_type_name(value)}")
    nodes = _expect(data, "nodes", list, "", report, required=True, non_empty=True)
    for i, node in enumerate(nodes or ()):
        if not _clean_node(node):
            _node(node, f"nodes[{i}]", report)
    edges = _expect(data, "edges", list, "", report)
    for e, edge in enumerate(edges or ()):
        if not _clean_edge(edge):
            _edge(edge, f"edges[{e}]", report)


# The predicates below accept exactly what the reporters above accept, in straight-line code:
# a clean 10,000-step plan then costs a few milliseconds, and only a failing item pays for the
# detailed report.
_MISSING: Any = object()
_match_id = NODE_ID_RE.match


def _clean_artifacts(items: Any) -> bool:
    if items is _MISSING:
        return True
    if type(items) is not list:
        return False
    for art in items:
        if type(art) is not dict:
            return False
        art_id = art.get("id")
        if type(art_id) is not str or not art_id:
            return False
        path = art.get("path", "")
        if type(art.get("kind", "")) is not str or type(path) is not str:
            return False
        if path and _unsafe_path(path):
            return False
    return True


def _unsafe_path(path: str) -> bool:
    # Cheap screen first: most paths have neither a leading '/', '~', a '\\' nor '..'.
    return (path[0] in "/~\\" or ".." in path or ":" in path[:2] or "\x00" in path) and \
        relative_path_problem(path) is not None


def _clean_node(node: Any) -> bool:
    if type(node) is not dict:
        return False
    node_id, app = node.get("id"), node.get("app")
    if type(node_id) is not str or type(app) is not str or not app or not _match_id(node_id):
        return False
    if type(node.get("purpose", "")) is not str:
        return False
    ex = node.get("execution", _MISSING)
    if ex is not _MISSING:
        if type(ex) is not dict:
            return False
        command = ex.get("command")
        if command is not None:
            if type(command) is not list or not command:
                return False
            for arg in command:
                if type(arg) is not str:
                    return False
        for key in ("entrypoint", "data_in", "data_out"):
            value = ex.get(key)
            if value is not None and type(value) is not str:
                return False
            if value and key != "entrypoint" and _unsafe_path(value):
                return False
        for stage in ex.get("stages", _EMPTY_LIST) if type(ex.get("stages", _EMPTY_LIST)) is list else ():
            name = stage.get("name") if type(stage) is dict else stage
            if type(name) is str and name_problem(name):
                return False
        reset = ex.get("reset_target")
        if reset is not None and type(reset) is not bool:
            return False
        if type(ex.get("params", _EMPTY_DICT)) is not dict or type(ex.get("stages", _EMPTY_LIST)) is not list:
            return False
    return _clean_artifacts(node.get("produces", _MISSING)) and _clean_artifacts(node.get("consumes", _MISSING))


def _clean_edge(edge: Any) -> bool:
    if type(edge) is not dict:
        return False
    source, target = edge.get("from"), edge.get("to")
    return (type(source) is str and bool(source) and type(target) is str and bool(target)
            and type(edge.get("artifact", "")) is str and type(edge.get("handoff", "")) is str)


_EMPTY_DICT: dict[str, Any] = {}
_EMPTY_LIST: list[Any] = []
