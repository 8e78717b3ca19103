"""Fixtures for the DAG panel tests: small command-step plans written under the test's workspace."""

from __future__ import annotations

import importlib.util
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from engine.dag.model import CONTROLLED_RUNNER_STATUS, PLAN_SCHEMA

_HARNESS = Path(__file__).resolve().parent.parent / "assistant_tui" / "harness.py"


def _harness() -> Any:
    # Loaded by path (shared with the assistant panel tests) so it works whether or not tests/ is a package.
    name = "_agilab_panel_harness"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, _HARNESS)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


@pytest.fixture
def panel_app() -> Callable[..., Any]:
    """``panel_app(PanelClass, home)``: the real shell with the panel alone in the WORKFLOW tab."""
    return _harness().panel_app


def step(node_id: str, app: str, code: str, produces: list[tuple[str, str]],
         consumes: list[tuple[str, str]] = ()) -> dict[str, Any]:
    """A command step running ``python -c code`` in the data share."""
    return {"id": node_id, "app": app, "purpose": f"step {node_id}",
            "execution": {"command": [sys.executable, "-c", code], "params": {}, "stages": []},
            "produces": [{"id": a, "kind": "file", "path": p} for a, p in produces],
            "consumes": [{"id": a, "kind": "file", "path": p} for a, p in consumes]}


def write_plan(folder: Path, name: str, nodes: list[dict[str, Any]], *, controlled: bool = True) -> Path:
    produced = {a["id"]: n["id"] for n in nodes for a in n["produces"]}
    edges = [{"from": produced[a["id"]], "to": n["id"], "artifact": a["id"], "handoff": ""}
             for n in nodes for a in n["consumes"]]
    execution = {"mode": "sequential_dependency_order"}
    if controlled:
        execution["runner_status"] = CONTROLLED_RUNNER_STATUS
    data = {"schema": PLAN_SCHEMA, "dag_id": name, "label": name, "description": "", "execution": execution,
            "nodes": nodes, "edges": edges}
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.json"
    path.write_text(json.dumps(data, indent=2))
    return path


OWNER = "dag_owner_project"
SAMPLES = Path(__file__).resolve().parents[2] / "engine" / "dag" / "samples"


@pytest.fixture
def owner_templates(isolated_home: Path) -> Path:
    """The active app is a workspace app whose ``dag_templates/`` holds the plans that may run for real."""
    from engine.workspace import Workspace

    folder = isolated_home / "projects" / OWNER / "dag_templates"
    (folder.parent / "src").mkdir(parents=True)
    folder.mkdir()
    Workspace(isolated_home).write_state(active_app=OWNER)
    return folder


@pytest.fixture
def diamond_template(owner_templates: Path) -> Path:
    """The sample command diamond, promoted into the active app's templates."""
    from engine.dag.promote import promote_plan
    from engine.workspace import Workspace

    return promote_plan(Workspace(owner_templates.parents[2]), SAMPLES / "multi_app_dag_command_diamond.json",
                        OWNER).path


@pytest.fixture
def failing_plan(isolated_home: Path, owner_templates: Path) -> Path:
    """``gate`` fails until ``data/flag.txt`` exists; ``report`` uses what gate writes."""
    gate = ("import pathlib, sys\n"
            "if not pathlib.Path('flag.txt').exists(): sys.exit('flag.txt is missing')\n"
            "pathlib.Path('out').mkdir(exist_ok=True); pathlib.Path('out/gate.txt').write_text('ok')")
    report = "import pathlib; pathlib.Path('out/report.txt').write_text(pathlib.Path('out/gate.txt').read_text())"
    return write_plan(owner_templates, "gate-report", [
        step("gate", "minimal_app_project", gate, [("gate_out", "out/gate.txt")]),
        step("report", "execution_pandas_project", report, [("report_out", "out/report.txt")],
             [("gate_out", "out/gate.txt")]),
    ])


@pytest.fixture
def slow_plan(isolated_home: Path, owner_templates: Path) -> Path:
    """One step that sleeps far longer than any test waits, so only a cancel ends it."""
    return write_plan(owner_templates, "sleeper", [
        step("sleeper", "minimal_app_project", "import time; time.sleep(120)", [("never", "never.txt")]),
    ])
