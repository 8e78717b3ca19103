"""Template stages on the page: outdated badge, refresh with a diff preview, and the one-shot converter."""

from __future__ import annotations

import tomllib
from pathlib import Path

from textual.widgets import TextArea

from engine.stages import LabStagesFile, new_template_stage, raw_python_stage
from stage_templates import agi_run
from tui.app import AgilabApp
from tui.workflow.dialogs import DiffDialog
from tui.workflow.stages import StagesPanel

from .conftest import MODULE, open_workflow, press_button, settle, wait_for_screen

APP = "flight_telemetry_project"
RUN_ARGS = {"data_in": "flight_telemetry/dataset", "data_out": "flight_telemetry/dataframe", "mode": 0}


def write_outdated_lab(path: Path) -> None:
    """A custom stage, then an AGI.run template stage saved by an older template version."""
    lab = LabStagesFile.load(path)
    lab.add_stage(MODULE, raw_python_stage("print('custom')\n", description="Custom step"))
    stage = new_template_stage(agi_run.TEMPLATE_ID, app=APP, question="Run the flights", args=RUN_ARGS,
                               description="Run flights")
    stage.update({"template_version": 0, "C": "# rendered by template v0\nprint('old')\n"})
    lab.add_stage(MODULE, stage)
    lab.save()


async def test_outdated_template_shows_badge_and_refreshes_after_a_diff(app: AgilabApp, lab_file: Path) -> None:
    write_outdated_lab(lab_file)
    before = lab_file.read_text("utf-8")
    async with app.run_test(size=(120, 36)) as pilot:
        await open_workflow(pilot)
        panel = app.query_one(StagesPanel)
        await pilot.press("ctrl+down")
        info = panel.info()
        assert info is not None and info.status == "outdated"
        assert "outdated" in str(panel.stage_list.get_option_at_index(1).prompt)
        code = app.query_one("#stage-code", TextArea)
        assert code.read_only and "template outdated" in str(code.border_title)
        assert code.text == "# rendered by template v0\nprint('old')\n"  # outdated stages run their saved code
        assert panel.query_one("#stage-refresh").display

        await pilot.press("ctrl+t")
        await wait_for_screen(pilot, DiffDialog)
        diff = app.screen.diff_text  # type: ignore[attr-defined]
        assert "-template_version = 0" in diff and f"+template_version = {agi_run.VERSION}" in diff
        assert "-print('old')" in diff
        await pilot.press("escape")
        await settle(pilot)
        assert lab_file.read_text("utf-8") == before  # cancel writes nothing

        await press_button(pilot, "#stage-refresh")
        await wait_for_screen(pilot, DiffDialog)
        await press_button(pilot, "#apply")
        await settle(pilot)
        info = panel.info()
        assert info is not None and info.status == "current"
        assert "current" in str(panel.stage_list.get_option_at_index(1).prompt)
        assert "AGI.run" in app.query_one("#stage-code", TextArea).text

    stages = tomllib.loads(lab_file.read_text("utf-8"))[MODULE]
    assert stages[1]["template_version"] == agi_run.VERSION and "AGI.run" in stages[1]["C"]
    assert {k: stages[1]["args"][k] for k in RUN_ARGS} == RUN_ARGS
    assert stages[0]["C"] == "print('custom')\n"


async def test_converter_previews_then_turns_generated_snippets_into_templates(app: AgilabApp,
                                                                              lab_file: Path) -> None:
    # A generated AGI.run snippet saved as plain code, as older labs hold them. ORCHESTRATE's own run snippet
    # is not used: it also passes workflow_share_root, which the converter does not recognise.
    snippet = new_template_stage(agi_run.TEMPLATE_ID, app=APP, args=RUN_ARGS)["C"]
    lab = LabStagesFile.load(lab_file)
    lab.add_stage(MODULE, raw_python_stage(snippet, description="Generated run"))
    lab.add_stage(MODULE, raw_python_stage("df = df.head()\n", description="Hand written"))
    lab.save()
    before = lab_file.read_text("utf-8")
    async with app.run_test(size=(120, 36)) as pilot:
        await open_workflow(pilot)
        panel = app.query_one(StagesPanel)
        assert [s.badge for s in panel.snapshot.stages] == ["raw", "raw"]

        await press_button(pilot, "#stage-convert")
        await wait_for_screen(pilot, DiffDialog)
        summary = str(app.screen.query_one(".dialog-body").render())
        assert "1 stage(s) would become template stages" in summary
        assert f"stage 1: Generated run → {agi_run.TEMPLATE_ID}" in summary
        assert "Hand written" not in summary
        assert '+template_id = "pipeline.agi_run.single_action"' in app.screen.diff_text  # type: ignore[attr-defined]
        await press_button(pilot, "#cancel")
        await settle(pilot)
        assert lab_file.read_text("utf-8") == before

        panel.action_convert()  # the palette's "template: convert snippets"
        await wait_for_screen(pilot, DiffDialog)
        await press_button(pilot, "#apply")
        await settle(pilot)
        assert [s.badge for s in panel.snapshot.stages] == ["current", "raw"]

    stages = tomllib.loads(lab_file.read_text("utf-8"))[MODULE]
    assert stages[0]["kind"] == "template" and stages[0]["template_id"] == agi_run.TEMPLATE_ID
    assert stages[1]["C"] == "df = df.head()\n" and stages[1].get("kind") == "raw_python"
