"""A template stage whose app argument was renamed in the app's model shows as stale in the stage list,
before anything runs, and ctrl+t previews the refresh that drops the stale argument."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import TextArea

from engine.manager_env import install_manager_env_op
from engine.projects import create_from_template
from engine.stages import LabStagesFile, new_template_stage
from engine.workspace import Workspace
from stage_templates import agi_run
from tui.app import AgilabApp
from tui.workflow.dialogs import DiffDialog
from tui.workflow.stages import StagesPanel

from .conftest import open_workflow, settle, wait_for_screen


async def test_renamed_app_argument_is_flagged_stale_with_the_refresh_offered(app: AgilabApp,
                                                                               isolated_home: Path) -> None:
    workspace = Workspace(isolated_home)
    create_from_template(workspace, "renamy")
    target = workspace.app("renamy_project")
    await install_manager_env_op(workspace, target).wait()
    lab_path = workspace.export_dir(target) / "lab_stages.toml"
    lab = LabStagesFile.load(lab_path)
    lab.add_stage(target.module, new_template_stage(agi_run.TEMPLATE_ID, app=target.name, description="Run renamy",
                                                    args={"params": {"n_items": 20}, "mode": 0}))
    lab.save()
    for path in (target.manager_dir / "app_args.py", target.manager_dir / "renamy.py"):
        path.write_text(path.read_text().replace("n_items", "item_count"))
    workspace.write_state(active_app=target.name)
    before = lab_path.read_text()

    async with app.run_test(size=(120, 36)) as pilot:
        await open_workflow(pilot)
        panel = app.query_one(StagesPanel)
        info = panel.info()
        assert info is not None and "n_items" in info.app_stale
        assert "stale" in str(panel.stage_list.get_option_at_index(0).prompt)
        assert "stale against renamy_project" in str(app.query_one("#stage-code", TextArea).border_title)
        await pilot.press("ctrl+t")
        await wait_for_screen(pilot, DiffDialog)
        diff = app.screen.diff_text  # type: ignore[attr-defined]
        assert "n_items" in diff and any(line.startswith("-") and "n_items" in line for line in diff.splitlines())
        await pilot.press("escape")
        await settle(pilot)
    assert lab_path.read_text() == before, "nothing is rewritten without the explicit refresh"
