"""Helpers for DAG tests: a workspace on the test's home and small command-step plans written to disk."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from engine.dag.model import CONTROLLED_RUNNER_STATUS, PLAN_SCHEMA
from engine.workspace import Workspace

APPS = ("flight_telemetry_project", "execution_pandas_project", "minimal_app_project")


@pytest.fixture
def workspace(isolated_home: Path) -> Workspace:
    return Workspace(isolated_home)


@pytest.fixture
def templates(isolated_home: Path) -> Path:
    """The ``dag_templates/`` folder of a workspace app: only plans saved there may run for real."""
    folder = isolated_home / "projects" / "dag_owner_project" / "dag_templates"
    (folder.parent / "src").mkdir(parents=True)
    folder.mkdir()
    return folder


def write_step(path: str, text_expr: str = "'done'", *, reads: tuple[str, ...] = (), sleep: float = 0.0,
               fail_unless: str | None = None) -> list[str]:
    """Argv of a python step that optionally sleeps, reads ``reads``, and writes ``path`` (under the data share)."""
    lines = ["import pathlib, sys, time"]
    if fail_unless:
        lines.append(f"sys.exit('missing ' + {fail_unless!r}) if not pathlib.Path({fail_unless!r}).exists() else None")
    for i, name in enumerate(reads):
        lines.append(f"r{i} = pathlib.Path({name!r}).read_text()")
    if sleep:
        lines.append(f"time.sleep({sleep})")
    lines.append(f"p = pathlib.Path({path!r}); p.parent.mkdir(parents=True, exist_ok=True)")
    lines.append(f"p.write_text({text_expr})")
    lines.append("print('wrote', p)")
    return ["python", "-c", "\n".join(lines)]


def node(node_id: str, app: str, command: list[str] | None, produces: list[tuple[str, str]],
         consumes: list[tuple[str, str]] = (), **execution: Any) -> dict[str, Any]:
    ex: dict[str, Any] = {"params": {}, "stages": [], **execution}
    if command is not None:
        ex["command"] = command
    return {"id": node_id, "app": app, "purpose": f"step {node_id}", "execution": ex,
            "produces": [{"id": a, "kind": "file", "path": p} for a, p in produces],
            "consumes": [{"id": a, "kind": "file", "path": p} for a, p in consumes]}


def plan(nodes: list[dict[str, Any]], *, dag_id: str = "test-dag", controlled: bool = True,
         edges: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    execution = {"mode": "sequential_dependency_order"}
    if controlled:
        execution["runner_status"] = CONTROLLED_RUNNER_STATUS
    if edges is None:
        produced = {a["id"]: n["id"] for n in nodes for a in n["produces"]}
        edges = [{"from": produced[a["id"]], "to": n["id"], "artifact": a["id"], "handoff": ""}
                 for n in nodes for a in n["consumes"] if a["id"] in produced]
    return {"schema": PLAN_SCHEMA, "dag_id": dag_id, "label": dag_id, "description": "",
            "execution": execution, "nodes": nodes, "edges": edges}


def save_plan(folder: Path, data: dict[str, Any], name: str = "plan.json") -> Path:
    path = folder / name
    path.write_text(json.dumps(data, indent=2))
    return path


def two_step_plan() -> dict[str, Any]:
    """``make`` writes a number; ``double`` reads it and writes its double: a cross-app artifact handoff."""
    return plan([
        node("make", APPS[0], write_step("t/number.txt", "'21'"), [("number", "t/number.txt")]),
        node("double", APPS[1], write_step("t/double.txt", "str(2 * int(r0))", reads=("t/number.txt",)),
             [("double", "t/double.txt")], [("number", "t/number.txt")]),
    ])
