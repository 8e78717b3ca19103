"""Plan checks: every malformed plan gives located issues, all of them at once, and changes no file."""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from engine.cli.dag import main as dag_main
from engine.dag import Plan, check_plan, known_app_names, list_plans
from engine.dag.sources import PlanSource

from .conftest import APPS, node, plan, save_plan, two_step_plan


def _files(*roots: Path) -> dict[str, str]:
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest()
            for root in roots for p in sorted(root.rglob("*")) if p.is_file()}


def _mutated(change: Any) -> dict[str, Any]:
    data = copy.deepcopy(two_step_plan())
    change(data)
    return data


BROKEN_JSON = [
    ("truncated", '{"schema": "agilab.multi_app_dag.v1", "nodes": [', "line 1, column"),
    ("trailing comma", '{\n  "schema": "agilab.multi_app_dag.v1",\n}', "line 3, column 1"),
    ("single quotes", "{'schema': 'agilab.multi_app_dag.v1'}", "line 1, column 2"),
    ("empty file", "", "line 1, column 1"),
    ("top-level list", "[]", "$"),
]

SCHEMA_CASES = [
    ("missing schema", lambda d: d.pop("schema"), "schema"),
    ("wrong schema", lambda d: d.update(schema="agilab.multi_app_dag.v2"), "schema"),
    ("missing dag_id", lambda d: d.pop("dag_id"), "dag_id"),
    ("empty nodes", lambda d: d.update(nodes=[]), "nodes"),
    ("nodes not a list", lambda d: d.update(nodes="make"), "nodes"),
    ("node not an object", lambda d: d["nodes"].__setitem__(1, "double"), "nodes[1]"),
    ("id with a space", lambda d: d["nodes"][1].update(id="bad id!"), "nodes[1].id"),
    ("id starting with a dash", lambda d: d["nodes"][0].update(id="-make"), "nodes[0].id"),
    ("missing app", lambda d: d["nodes"][1].pop("app"), "nodes[1].app"),
    ("shell string command", lambda d: d["nodes"][0]["execution"].update(command="echo hi > x"),
     "nodes[0].execution.command"),
    ("non-string argv item", lambda d: d["nodes"][0]["execution"].update(command=["python", 3]),
     "nodes[0].execution.command[1]"),
    ("artifact without id", lambda d: d["nodes"][0]["produces"][0].pop("id"), "nodes[0].produces[0].id"),
    ("consumes not a list", lambda d: d["nodes"][1].update(consumes={"id": "number"}), "nodes[1].consumes"),
    ("params not an object", lambda d: d["nodes"][0]["execution"].update(params=[1]),
     "nodes[0].execution.params"),
    ("reset_target not a boolean", lambda d: d["nodes"][0]["execution"].update(reset_target="yes"),
     "nodes[0].execution.reset_target"),
    ("edge without to", lambda d: d["edges"][0].pop("to"), "edges[0].to"),
]

SEMANTIC_CASES = [
    ("duplicate step id", lambda d: d["nodes"][1].update(id="make"), "nodes[1].id", "duplicate step id"),
    ("unknown app", lambda d: d["nodes"][1].update(app="no_such_project"), "nodes[1].app", "unknown app"),
    ("edge to unknown step", lambda d: d["edges"][0].update(to="ghost"), "edges[0].to", "unknown step 'ghost'"),
    ("consumed never produced", lambda d: d["nodes"][1]["consumes"][0].update(id="nothing"),
     "nodes[1].consumes[0].id", "no step produces it"),
    ("two producers", lambda d: d["nodes"][1]["produces"][0].update(id="number"), "nodes[1].produces[0].id",
     "already produced by step 'make'"),
    ("edge artifact from wrong step", lambda d: d["edges"].append(
        {"from": "double", "to": "make", "artifact": "number"}), "edges[1].artifact", "not produced by step"),
    ("controlled step creating nothing", lambda d: d["nodes"][1].update(produces=[]), "nodes[1].produces",
     "at least one produced artifact"),
]


@pytest.mark.parametrize(("name", "text", "location"), BROKEN_JSON, ids=[c[0] for c in BROKEN_JSON])
def test_broken_json_is_located_and_changes_nothing(name: str, text: str, location: str, tmp_path: Path,
                                                    isolated_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "plan.json"
    path.write_text(text)
    before = _files(tmp_path, isolated_home)
    result = check_plan(text, APPS)
    assert not result.ok
    assert [i.level for i in result.issues] == ["error"]
    assert result.issues[0].location.startswith(location), result.issues
    assert dag_main(["dag", "check", str(path), "--json"]) == 1
    reported = json.loads(capsys.readouterr().out)
    assert reported["ok"] is False and reported["issues"][0]["location"].startswith(location)
    assert _files(tmp_path, isolated_home) == before


@pytest.mark.parametrize(("name", "change", "location"), SCHEMA_CASES, ids=[c[0] for c in SCHEMA_CASES])
def test_schema_errors_are_located_and_change_nothing(name: str, change: Any, location: str, tmp_path: Path,
                                                      isolated_home: Path) -> None:
    data = _mutated(change)
    path = save_plan(tmp_path, data)
    before = _files(tmp_path, isolated_home)
    result = check_plan(path.read_text(), APPS)
    assert not result.ok
    assert location in [i.location for i in result.errors], [str(i) for i in result.issues]
    assert result.plan is None
    # The typed model rejects exactly what the fast check rejects.
    with pytest.raises(ValidationError):
        Plan.model_validate(data)
    assert dag_main(["dag", "check", str(path)]) == 1
    assert _files(tmp_path, isolated_home) == before


@pytest.mark.parametrize(("name", "change", "location", "words"), SEMANTIC_CASES,
                         ids=[c[0] for c in SEMANTIC_CASES])
def test_semantic_errors_are_located(name: str, change: Any, location: str, words: str, tmp_path: Path,
                                     isolated_home: Path) -> None:
    data = _mutated(change)
    path = save_plan(tmp_path, data)
    before = _files(tmp_path, isolated_home)
    result = check_plan(path.read_text(), APPS)
    located = {i.location: i.message for i in result.errors}
    assert location in located, [str(i) for i in result.issues]
    assert words in located[location]
    assert dag_main(["dag", "check", str(path)]) == 1
    assert _files(tmp_path, isolated_home) == before


def test_every_issue_is_reported_not_only_the_first() -> None:
    data = two_step_plan()
    data["nodes"][0]["id"] = "bad id"
    data["nodes"][0]["execution"]["command"] = "rm -rf /"
    data["nodes"][1]["app"] = "ghost_project"
    data["nodes"][1]["consumes"].append({"id": "unknown_input"})
    data["edges"].append({"from": "double", "to": "nobody"})
    locations = {i.location for i in check_plan(data, APPS).errors}
    assert {"nodes[0].id", "nodes[0].execution.command", "nodes[1].app", "nodes[1].consumes[1].id",
            "edges[1].to"} <= locations


def test_cycle_is_named() -> None:
    data = plan([
        node("a", APPS[0], ["true"], [("x", "x")], [("z", "z")]),
        node("b", APPS[1], ["true"], [("y", "y")], [("x", "x")]),
        node("c", APPS[2], ["true"], [("z", "z")], [("y", "y")]),
        node("d", APPS[2], ["true"], [("w", "w")], [("z", "z")]),
    ])
    result = check_plan(data, APPS)
    cycles = [i for i in result.errors if i.message.startswith("dependency cycle")]
    assert [c.message for c in cycles] == ["dependency cycle: a -> b -> c -> a"]
    assert cycles[0].location == "nodes[0]"
    assert result.execution_order == []


def test_self_consumption_is_a_cycle() -> None:
    data = plan([node("a", APPS[0], ["true"], [("x", "x")], [("x", "x")])], edges=[])
    assert "dependency cycle: a -> a" in [i.message for i in check_plan(data, APPS).errors]


def test_valid_plan_summary_counts_and_handoffs() -> None:
    result = check_plan(json.dumps(two_step_plan()), APPS)
    assert result.ok, result.issues
    assert (result.node_count, result.edge_count, result.app_count, result.cross_app_edge_count) == (2, 1, 2, 1)
    assert result.execution_order == ["make", "double"]
    [handoff] = result.artifact_handoffs
    assert (handoff.artifact, handoff.source, handoff.target, handoff.cross_app) == ("number", "make", "double", True)
    assert result.plan is not None and result.plan.node("double").consumes[0].id == "number"


def test_order_follows_dependencies_not_file_order() -> None:
    data = two_step_plan()
    data["nodes"].reverse()
    result = check_plan(data, APPS)
    assert result.ok and result.execution_order == ["make", "double"]


def test_preview_only_steps_are_warnings_not_errors() -> None:
    data = plan([node("a", APPS[0], None, [("x", "x")], entrypoint="flight_telemetry_project.flight_context")],
                controlled=False)
    result = check_plan(data, APPS)
    assert result.ok
    assert [(i.level, i.location) for i in result.issues] == [("warning", "nodes[0].execution.entrypoint")]


def test_shipped_templates_and_samples_check_clean(workspace: Any) -> None:
    apps = known_app_names(workspace)
    templates = list_plans(workspace, PlanSource.APP_TEMPLATES)
    samples = list_plans(workspace, PlanSource.SAMPLE_LIBRARY)
    assert any(e.dag_id == "flight-to-pandas-execution" and e.controlled for e in templates)
    assert len(samples) >= 2
    for entry in templates + samples:
        result = check_plan(entry.path.read_text(), apps)
        assert result.ok and not result.errors, (entry.path, result.issues)
    flight = next(e for e in templates if e.dag_id == "flight-to-pandas-execution")
    result = check_plan(flight.path.read_text(), apps)
    assert result.cross_app_edge_count == 1
    assert result.artifact_handoffs[0].path.endswith("reduce_summary_worker_0.json")

