"""DAG app steps are full app runs (manager env, runner subprocess, Dask in cluster modes, a run record),
and conservative execution: only controlled plans in an app's ``dag_templates/`` run for real."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from engine.dag import DagRunner, drafts_dir
from engine.dag.promote import promote_plan
from engine.errors import AgilabError
from engine.facade import Engine
from engine.records import list_runs
from engine.workspace import Workspace

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from dag.conftest import node, plan, save_plan, write_step  # noqa: E402

APP = "minimal_app_project"
SUMMARY = "minimal_app/dataframe/reduce_summary.json"


@pytest.fixture
def workspace(isolated_home: Path) -> Workspace:
    return Workspace(isolated_home)


@pytest.fixture
def templates(isolated_home: Path) -> Path:
    folder = isolated_home / "projects" / "dag_owner_project" / "dag_templates"
    (folder.parent / "src").mkdir(parents=True)
    folder.mkdir()
    return folder


def _app_step(step_id: str, **execution: Any) -> dict[str, Any]:
    return node(step_id, APP, None, [(f"{step_id}_summary", SUMMARY)], entrypoint=f"{APP}.run", **execution)


def _unit(runner: DagRunner, uid: str) -> dict[str, Any]:
    return next(u for u in runner.state["units"] if u["id"] == uid)


@pytest.mark.slow
async def test_an_app_step_runs_in_the_apps_mode_with_dask_workers_and_leaves_a_record(
        workspace: Workspace, templates: Path) -> None:
    engine = Engine(workspace)
    settings = engine.settings(APP)
    settings.update_cluster(cluster_enabled=True, workers={"127.0.0.1": 2})
    settings.save()
    assert engine.settings(APP).mode == 4
    await engine.install(APP).wait()

    runner = DagRunner.open(save_plan(templates, plan([_app_step("cluster_step", params={"n_items": 400})])),
                            workspace)
    lines: list[str] = []
    async with runner.run_ready() as op:
        async for event in op.events():
            lines += list(getattr(event, "lines", ()))
    assert op.error is None, "\n".join([op.error, *lines[-40:]])
    provenance = _unit(runner, "cluster_step")["provenance"]
    where = provenance["app_run"]
    assert where["mode"] == 4, "no mode in the step: the app's settings decide"
    assert where["hosts"] == {"127.0.0.1": 2} and where["scheduler"]
    assert len(where["dask_pids"]) >= 3, "a scheduler and two dask workers ran the step"
    assert provenance["run_result"]["reduce"]["payload"], "the app's reduce ran"
    record = Path(where["record_dir"]) / "run_manifest.json"
    manifest = json.loads(record.read_text())
    assert manifest["record"]["kind"] == "dag-step"
    runs = list_runs(workspace.log_dir(workspace.app(APP)) / "runs")
    assert [r.kind for r in runs] == ["dag-step"] and runs[0].run_id == where["run_id"]
    assert runs[0].args["n_items"] == 400, "the step's params reached the app"

    # The step's own mode wins over the app's settings.
    local = DagRunner.open(save_plan(templates, plan([_app_step("local_step", mode=0)], dag_id="local"), "local.json"),
                           workspace)
    await local.run_ready().wait()
    where = _unit(local, "local_step")["provenance"]["app_run"]
    assert where["mode"] == 0 and "dask_pids" not in where


async def test_drafts_and_custom_paths_are_preview_only_until_promoted(workspace: Workspace, tmp_path: Path,
                                                                       templates: Path) -> None:
    data = plan([node("make", APP, write_step("p/made.txt"), [("made", "p/made.txt")])], controlled=False)
    custom = save_plan(tmp_path, {**data, "execution": {**data["execution"],
                                                        "runner_status": "controlled_contract_stage_execution"}})
    draft_folder = drafts_dir(workspace, workspace.app(APP))
    draft_folder.mkdir(parents=True)
    draft = save_plan(draft_folder, data, "draft.json")
    for path in (custom, draft):
        runner = DagRunner.open(path, workspace, state_path=tmp_path / f"{path.stem}_state.json")
        assert "preview-only" in runner.preview_only_reason
        with pytest.raises(AgilabError, match="preview-only"):
            await runner.run_ready().wait()
        assert runner.preview_next() == "make", "previewing is still possible"
    assert not (workspace.data_dir / "p" / "made.txt").exists(), "nothing ran for real"

    promoted = promote_plan(workspace, draft, "dag_owner_project")
    assert promoted.path == templates / "draft.json" and promoted.marker_added
    other = save_plan(tmp_path, {**data, "label": "another plan"}, "draft.json")
    with pytest.raises(AgilabError, match="another template of that name"):
        promote_plan(workspace, other, "dag_owner_project")
    runner = DagRunner.open(promoted.path, workspace, state_path=tmp_path / "promoted_state.json")
    assert runner.preview_only_reason == ""
    result = await runner.run_ready().wait()
    assert result["completed"] == ["make"]
    assert (workspace.data_dir / "p" / "made.txt").read_text() == "done"
