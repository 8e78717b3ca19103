"""Versioned stage templates: rendering, status against the registry, explicit refresh with a diff."""

from __future__ import annotations

import ast
import dataclasses
import tomllib
from pathlib import Path

import pytest

from engine.stages import (
    LabStagesFile,
    StageError,
    StageStatus,
    apply_refresh,
    new_template_stage,
    raw_python_stage,
    refresh_from_template,
    stage_code,
    stage_status,
)
from stage_templates import TemplateError, TemplateRegistry, agi_run, default_registry, safe_actions

RUN_ARGS = {"params": {"nfile": 2, "datemin": "2021-01-01"}, "data_in": "flight/dataset",
            "data_out": "flight/results", "mode": 5}
CONTRACT = {"schema_version": 1, "kind": "agilab.generated_dataframe_actions",
            "actions": [{"action": "select_columns", "columns": ["a", "b"]},
                        {"action": "filter_rows", "column": "a", "operator": "gt", "value": 3}],
            "notes": "keep a and b"}


def _constants(code: str) -> dict[str, object]:
    tree = ast.parse(code)
    return {node.targets[0].id: ast.literal_eval(node.value) for node in tree.body
            if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)
            and node.targets[0].id.isupper()}


def test_agi_run_template_renders_compiling_snippet_with_the_payload() -> None:
    stage = new_template_stage(agi_run.TEMPLATE_ID, app="flight_telemetry_project", question="Run flights",
                               args=RUN_ARGS)
    code = stage["C"]
    compile(code, "stage.py", "exec")
    assert code.startswith("# AGILAB generated snippet\n# snippet_api: agi.snippet.v1\n")
    assert "from engine.facade import AGI, AgiEnv" in code and "from engine.run_request import RunRequest" in code
    assert _constants(code) == {"APP": "flight_telemetry_project", "RUN_PARAMS": RUN_ARGS["params"],
                                "RUN_DATA_IN": "flight/dataset", "RUN_DATA_OUT": "flight/results", "RUN_MODE": 5}
    assert "asyncio.run(" in code and "AgiEnv(app=APP)" in code and "mode=RUN_MODE" in code
    assert stage["kind"] == "template" and stage["template_version"] == agi_run.VERSION
    assert stage["args"]["params"] == RUN_ARGS["params"] and stage["Q"] == stage["question"] == "Run flights"
    assert stage_code(stage) == code


def test_agi_run_args_follow_the_run_request_contract() -> None:
    with pytest.raises(TemplateError, match="params"):
        new_template_stage(agi_run.TEMPLATE_ID, app="a_project", args={"params": {"data_in": "x"}})
    with pytest.raises(TemplateError, match="mode"):
        new_template_stage(agi_run.TEMPLATE_ID, app="a_project", args={"mode": 99})
    # AGILab's layout: an app arg directly under args is one of the run's params (issue #12)
    flat = new_template_stage(agi_run.TEMPLATE_ID, app="a_project", args={"unknown_key": 1})
    assert flat["args"]["params"] == {"unknown_key": 1}
    with pytest.raises(TemplateError, match="unknown_key given both"):
        new_template_stage(agi_run.TEMPLATE_ID, app="a_project", args={"unknown_key": 1, "params": {"unknown_key": 2}})
    with pytest.raises(TemplateError, match="app"):
        new_template_stage(agi_run.TEMPLATE_ID, app="", args={})
    staged = new_template_stage(agi_run.TEMPLATE_ID, app="a_project",
                                args={"stages": [{"name": "train", "args": {"epochs": 2}}], "mode": [0, 4]})
    constants = _constants(staged["C"])
    assert constants["RUN_STAGES_PAYLOAD"] == [{"name": "train", "args": {"epochs": 2}}]
    assert constants["RUN_MODE"] == [0, 4]
    compile(staged["C"], "stage.py", "exec")


def _registry_with(family_version: int) -> TemplateRegistry:
    registry = TemplateRegistry()
    registry.register(dataclasses.replace(agi_run.FAMILY, version=family_version))
    registry.register(safe_actions.FAMILY)
    return registry


def test_status_current_outdated_raw_and_unknown() -> None:
    stage = new_template_stage(agi_run.TEMPLATE_ID, app="flight_telemetry_project", args=RUN_ARGS)
    assert stage_status(stage).status is StageStatus.CURRENT
    newer = _registry_with(agi_run.VERSION + 1)
    state = stage_status(stage, newer)
    assert state.status is StageStatus.OUTDATED
    assert (state.saved_version, state.current_version) == (agi_run.VERSION, agi_run.VERSION + 1)
    assert stage_status(raw_python_stage("x = 1\n")).status is StageStatus.RAW_PYTHON
    assert stage_status({"C": "x = 1\n"}).status is StageStatus.RAW_PYTHON
    unknown = {**stage, "template_id": "pipeline.retired_family"}
    assert stage_status(unknown).status is StageStatus.UNKNOWN_TEMPLATE
    foreign = {"C": "x = 1\n", "template_id": agi_run.TEMPLATE_ID, "template_version": 1,
               "template_payload": {"schema": "agilab.pipeline_stage_payload.v1", "parameters": {}}}
    assert stage_status(foreign).status is StageStatus.UNKNOWN_TEMPLATE
    assert stage_code(foreign) == "x = 1\n"


def test_outdated_stage_is_never_rewritten_on_load_and_refresh_is_explicit(tmp_path: Path) -> None:
    path = tmp_path / "lab_stages.toml"
    path.write_text('# my lab\n[[flight]]\nD = "custom"\nC = "print(1)\\n"\nR = "runpy"\n')
    lab = LabStagesFile.load(path)
    stage = new_template_stage(agi_run.TEMPLATE_ID, app="flight_telemetry_project", args=RUN_ARGS)
    # Simulate a stage saved by an older registry: its code is what v1 rendered at the time.
    old_code = stage["C"].replace("print(result)\n", "print('old renderer', result)\n")
    lab.add_stage("flight", {**stage, "C": old_code, "NB_CELL_ID": "keep-me"})
    lab.save()
    saved_bytes = path.read_bytes()

    newer = _registry_with(agi_run.VERSION + 1)
    lab = LabStagesFile.load(path)
    loaded = lab.stage("flight", 1)
    assert stage_status(loaded, newer).status is StageStatus.OUTDATED
    assert stage_code(loaded, newer) == old_code  # outdated stages run their saved code
    lab.save()
    assert path.read_bytes() == saved_bytes

    refresh = refresh_from_template(loaded, newer)
    assert refresh.changed and set(refresh.changes) == {"template_version", "C"}
    assert refresh.after["template_version"] == agi_run.VERSION + 1
    assert "-template_version = 1" in refresh.diff and f"+template_version = {agi_run.VERSION + 1}" in refresh.diff
    assert "-print('old renderer', result)" in refresh.diff and "+print(result)" in refresh.diff
    assert path.read_bytes() == saved_bytes  # a preview writes nothing

    apply_refresh(lab, "flight", 1, refresh)
    lab.save()
    data = tomllib.loads(path.read_text())
    assert data["flight"][1]["template_version"] == agi_run.VERSION + 1
    assert data["flight"][1]["NB_CELL_ID"] == "keep-me" and data["flight"][0]["D"] == "custom"
    assert path.read_text().startswith("# my lab\n")
    assert stage_status(data["flight"][1], newer).status is StageStatus.CURRENT
    compile(data["flight"][1]["C"], "stage.py", "exec")


def test_apply_refresh_refuses_a_stage_changed_since_the_preview(tmp_path: Path) -> None:
    lab = LabStagesFile.load(tmp_path / "lab_stages.toml")
    lab.add_stage("m", new_template_stage(agi_run.TEMPLATE_ID, app="a_project", args={}))
    refresh = refresh_from_template(lab.stage("m", 0), _registry_with(agi_run.VERSION + 1))
    lab.update_stage("m", 0, {"args": {"mode": 4}})
    with pytest.raises(StageError, match="changed since"):
        apply_refresh(lab, "m", 0, refresh)


def test_refresh_rejects_raw_python_and_reports_args_invalid_for_the_new_version() -> None:
    with pytest.raises(TemplateError, match="cannot be refreshed"):
        refresh_from_template(raw_python_stage("x = 1\n"))
    stage = new_template_stage(agi_run.TEMPLATE_ID, app="a_project", args={"data_in": "x"})
    # (an unknown key is an app param in AGILab's layout now; an invalid value still fails)
    stage["args"] = {**stage["args"], "mode": 99}
    with pytest.raises(TemplateError, match="mode"):
        refresh_from_template(stage)


def test_current_stage_refresh_is_a_no_op() -> None:
    stage = new_template_stage(agi_run.TEMPLATE_ID, app="a_project", args=RUN_ARGS)
    refresh = refresh_from_template(stage)
    assert not refresh.changed and refresh.diff == ""


def test_registry_lists_families_and_rejects_unknown_ids() -> None:
    registry = default_registry()
    assert registry.ids() == ["dataframe.safe_actions", "pipeline.agi_run.single_action"]
    with pytest.raises(TemplateError, match="known: dataframe.safe_actions"):
        registry.require("nope")
    with pytest.raises(ValueError):
        registry.register(agi_run.FAMILY)


def test_safe_actions_contract_schema() -> None:
    family = default_registry().require(safe_actions.TEMPLATE_ID)
    family.validate_args({"contract": CONTRACT})
    with pytest.raises(TemplateError, match="schema_version"):
        family.validate_args({"contract": {**CONTRACT, "schema_version": 2}})
    with pytest.raises(TemplateError, match="kind"):
        family.validate_args({"contract": {**CONTRACT, "kind": "other"}})
    with pytest.raises(TemplateError, match="action"):
        family.validate_args({"contract": {**CONTRACT, "actions": [{"columns": ["a"]}]}})


def test_safe_actions_stage_renders_with_the_assistant_renderer() -> None:
    assistant = pytest.importorskip("engine.assistant.safe_actions")
    stage = new_template_stage(safe_actions.TEMPLATE_ID, question="keep a and b", args={"contract": CONTRACT})
    assert stage["C"] == assistant.render_pandas_code(CONTRACT)
    compile(stage["C"], "stage.py", "exec")
    assert "args" not in stage and stage["generation_mode"] == "safe_actions"
    assert stage["action_contract_sha256"] == assistant.contract_sha256(CONTRACT)
    # The assistant saves its stages itself; those read back as current templates with the same code.
    saved = assistant.stage_fields_for_contract(CONTRACT, None, "keep a and b", "")
    assert stage_status(saved).status is StageStatus.CURRENT
    assert stage_code(saved) == saved["C"]
    assert not refresh_from_template(saved).changed
    # An outdated Safe Actions stage keeps its saved code until refreshed.
    old = {**saved, "template_version": 0, "C": "df = df  # old\n"}
    assert stage_code(old) == "df = df  # old\n"
    assert refresh_from_template(old).after["C"] == saved["C"]
