"""A stage whose app argument was renamed in the app's model is flagged stale before it runs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from engine.manager_env import install_manager_env_op
from engine.projects import create_from_template
from engine.stages import LAB_FILE_NAME, LabStagesFile
from engine.stages.app_args_check import StaleStageError, refresh_against_app, stale_stages
from engine.stages.templates import new_template_stage
from engine.stages_run.execute import run_pipeline, run_stage
from engine.stages_run.lab import Lab
from engine.workspace import Workspace
from stage_templates import agi_run

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def workspace(isolated_home: Path) -> Workspace:
    return Workspace(isolated_home)


def _rename_argument(workspace: Workspace, app_name: str) -> None:
    """The app renames ``n_items`` to ``item_count`` in its Args model (and its manager)."""
    app = workspace.app(app_name)
    for path in (app.manager_dir / "app_args.py", app.manager_dir / f"{app.target}.py"):
        path.write_text(path.read_text("utf-8").replace("n_items", "item_count"), "utf-8")


def _cli(workspace: Workspace, *argv: str) -> subprocess.CompletedProcess[str]:
    assert argv[0] == "stages"
    return subprocess.run([sys.executable, "-m", "engine.cli.stages", *argv[1:], "--home", str(workspace.root)], cwd=REPO,
                          capture_output=True, text=True, timeout=300, check=False)


async def test_a_renamed_argument_flags_template_and_snippet_stages_before_anything_runs(workspace: Workspace):
    create_from_template(workspace, "renamy")
    app = workspace.app("renamy_project")
    await install_manager_env_op(workspace, app).wait()
    lab_path = workspace.export_dir(app) / LAB_FILE_NAME
    lab = LabStagesFile.load(lab_path)
    template = new_template_stage(agi_run.TEMPLATE_ID, app=app.name, description="run renamy",
                                  args={"params": {"n_items": 50, "n_partitions": 2}, "mode": 0})
    lab.add_stage(app.module, template)
    snippet = {"D": "imported snippet", "Q": "", "M": "", "R": "runpy", "E": "", "C": template["C"]}
    lab.add_stage(app.module, snippet)
    lab.save()
    stages = LabStagesFile.load(lab_path).stages(app.module)
    assert stale_stages(workspace, stages) == [], "current against the app's model"

    _rename_argument(workspace, app.name)
    issues = stale_stages(workspace, stages)
    assert [(i.index, i.source, i.unknown) for i in issues] == [(0, "template", ["n_items"]),
                                                                (1, "snippet", ["n_items"])]
    assert "renamed or removed" in issues[0].reason and "refresh" in issues[0].fix

    # Flagged before anything runs: no snippet is written, no output produced.
    lab_ref = Lab.for_app(workspace, app)
    for op in (run_stage(workspace, lab_ref, 0), run_pipeline(workspace, lab_ref, track=False)):
        with pytest.raises(Exception, match="stale against") as info:
            await op.wait()
        assert "n_items" in str(info.value)
    assert not (workspace.export_dir(app) / "lab_snippet.py").exists()
    with pytest.raises(StaleStageError):
        from engine.stages.app_args_check import ensure_current

        ensure_current(workspace, stages, [0], str(lab_path))

    listed = _cli(workspace, "stages", "list", app.name, "--json")
    assert listed.returncode == 0, listed.stderr
    rows = json.loads(listed.stdout)["stages"]
    assert [bool(r["app_args"]) for r in rows] == [True, True]
    text = _cli(workspace, "stages", "list", app.name).stdout
    assert "! stale against renamy_project" in text

    # The explicit refresh: previewed as a diff, then applied; nothing is rewritten before that.
    preview = _cli(workspace, "stages", "refresh-args", app.name, "0", "--json")
    assert json.loads(preview.stdout)["dropped"] == ["n_items"] and "-" in json.loads(preview.stdout)["diff"]
    assert LabStagesFile.load(lab_path).stages(app.module)[0] == stages[0]
    refresh = refresh_against_app(stages[0], issues[0])
    assert "n_items" not in refresh.after["C"] and "n_partitions" in refresh.after["C"]
    applied = _cli(workspace, "stages", "refresh-args", app.name, "0", "--apply")
    assert applied.returncode == 0, applied.stderr
    after = LabStagesFile.load(lab_path).stages(app.module)
    assert stale_stages(workspace, after, [0]) == []
    assert after[1] == stages[1], "the imported snippet is never rewritten"
