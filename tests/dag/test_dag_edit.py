"""Editing a plan without raw JSON, saving drafts safely, and listing plans per source."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from engine.dag import PlanDraft, PlanEditError, PlanSource, drafts_dir, list_all_plans, list_plans
from engine.errors import AgilabError, FileChangedError, SettingsError

from .conftest import APPS


def _draft() -> PlanDraft:
    draft = PlanDraft.new("edited-plan", label="Edited")
    draft.add_step("make", APPS[0], command=["python", "-c", "print(1)"])
    draft.add_step("use", APPS[1], entrypoint="execution_pandas_project.run")
    draft.add_created("make", "number", kind="file", path="e/number.txt")
    draft.add_created("use", "report", kind="file", path="e/report.txt")
    draft.add_use("use", "number", handoff="number for the report")
    return draft


def test_edits_build_a_plan_that_checks_clean() -> None:
    draft = _draft()
    draft.set_meta(controlled=True)
    result = draft.check(APPS)
    assert result.ok, [str(i) for i in result.issues]
    assert result.execution_order == ["make", "use"]
    assert draft.data["edges"] == [{"from": "make", "to": "use", "artifact": "number",
                                    "handoff": "number for the report"}]
    assert draft.data["nodes"][1]["consumes"] == [{"id": "number", "kind": "file", "path": "e/number.txt"}]
    assert json.loads(draft.to_json()) == draft.data
    assert draft.data["execution"]["runner_status"] == "controlled_contract_stage_execution"


@pytest.mark.parametrize(("edit", "words"), [
    (lambda d: d.add_step("make", APPS[0]), "already used"),
    (lambda d: d.add_step("bad id", APPS[0]), "not valid"),
    (lambda d: d.add_step("x", APPS[0], command="rm -rf /"), "shell string"),
    (lambda d: d.add_created("use", "number"), "already created by step 'make'"),
    (lambda d: d.add_created("ghost", "a"), "no step 'ghost'"),
    (lambda d: d.add_use("use", "nothing"), "no step creates"),
    (lambda d: d.add_use("make", "number"), "cannot use the artifact it creates"),
    (lambda d: d.add_use("make", "report"), "dependency cycle: make -> use -> make"),
    (lambda d: d.remove_use("make", "number"), "does not use"),
])
def test_bad_edits_raise_and_change_nothing(edit: Any, words: str) -> None:
    draft = _draft()
    before = draft.to_json()
    with pytest.raises(PlanEditError, match=words):
        edit(draft)
    assert draft.to_json() == before


def test_removing_a_step_drops_its_edges_and_the_uses_of_its_artifacts() -> None:
    draft = _draft()
    dropped = draft.remove_step("make")
    assert draft.step_ids == ["use"]
    assert draft.data["edges"] == [] and draft.data["nodes"][0]["consumes"] == []
    assert dropped[0] == "step make" and any("number" in d for d in dropped)
    assert draft.check(APPS).ok


def test_removing_a_created_artifact_removes_its_uses() -> None:
    draft = _draft()
    draft.remove_created("make", "number")
    assert draft.data["nodes"][0]["produces"] == []
    assert draft.data["nodes"][1]["consumes"] == [] and draft.data["edges"] == []


def test_save_as_workspace_plan_is_listed_and_never_clobbers(workspace: Any, tmp_path: Path) -> None:
    app = workspace.app(APPS[0])
    draft = _draft()
    path = draft.save_workspace(workspace, app)
    assert path == drafts_dir(workspace, app) / "edited-plan.json"
    assert path.parent == workspace.export_dir(app) / ".agilab" / "multi_app_dags"
    assert path.read_text() == draft.to_json()
    [entry] = list_plans(workspace, PlanSource.WORKSPACE_DRAFTS, app=app)
    assert (entry.dag_id, entry.label, entry.app) == ("edited-plan", "Edited", APPS[0])

    draft.add_step("later", APPS[2])
    draft.save_workspace(workspace, app)  # its own unchanged file: saved again
    assert "later" in path.read_text()

    other = _draft()
    with pytest.raises(AgilabError, match="already exists"):
        other.save_workspace(workspace, app)
    reopened = PlanDraft.load(path)
    path.write_text(path.read_text().replace("Edited", "Changed elsewhere"))
    changed = path.read_text()
    reopened.set_meta(label="mine")
    with pytest.raises(FileChangedError):
        reopened.save_workspace(workspace, app)
    assert path.read_text() == changed
    assert sorted(p.name for p in path.parent.iterdir() if not p.name.endswith(".lock")) == ["edited-plan.json"]


def test_export_generated_json(tmp_path: Path) -> None:
    draft = _draft()
    target = draft.export(tmp_path / "out" / "plan.json")
    assert json.loads(target.read_text()) == draft.data


def test_loading_broken_json_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{\n  "dag_id": "x",\n  oops\n}')
    with pytest.raises(SettingsError, match=r"broken\.json, line 3"):
        PlanDraft.load(path)


def test_sources_list_templates_samples_drafts_and_custom_paths(workspace: Any, tmp_path: Path) -> None:
    good = tmp_path / "custom.json"
    good.write_text(_draft().to_json())
    (tmp_path / "broken.json").write_text("{nope")
    custom = list_plans(workspace, PlanSource.CUSTOM_PATH, custom_path=tmp_path)
    assert [(e.path.name, e.dag_id, bool(e.error)) for e in custom] == [("broken.json", "", True),
                                                                         ("custom.json", "edited-plan", False)]
    assert "line 1" in custom[0].error
    assert list_plans(workspace, PlanSource.CUSTOM_PATH, custom_path=good)[0].dag_id == "edited-plan"
    assert list_plans(workspace, PlanSource.CUSTOM_PATH, custom_path=tmp_path / "nope.json")[0].error
    everything = list_all_plans(workspace)
    assert {e.app for e in everything[PlanSource.APP_TEMPLATES]} >= {"flight_telemetry_project"}
    assert {e.dag_id for e in everything[PlanSource.SAMPLE_LIBRARY]} >= {"command-diamond"}
    assert everything[PlanSource.WORKSPACE_DRAFTS] == []
