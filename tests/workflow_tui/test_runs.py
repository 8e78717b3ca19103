"""Stage and pipeline runs from the page: real subprocesses, real lab_out.csv, real MLflow store."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import psutil
import pytest
from textual.widgets import DataTable, Input, SelectionList, Static, TextArea

from tui.app import AgilabApp
from tui.widgets.log_pane import LogPane
from tui.workflow.pipeline import PipelinePanel
from tui.workflow.results import NOTHING_YET, ResultsPane
from tui.workflow.stages import StagesPanel

from .conftest import SEED_LAB, open_workflow, press_button, settle, wait_for


def log_text(pane: LogPane) -> str:
    return "\n".join(str(line) for line in pane.log.lines)


def stage_processes() -> list[psutil.Process]:
    """Children of this test process running a stage snippet."""
    found = []
    for child in psutil.Process(os.getpid()).children(recursive=True):
        try:
            if any("lab_snippet.py" in part for part in child.cmdline()):
                found.append(child)
        except (psutil.NoSuchProcess, psutil.ZombieProcess):
            continue
    return found


async def test_run_stage_then_preview_shows_the_dataframe(app: AgilabApp, write_lab: Callable[[str], Path],
                                                         lab_file: Path) -> None:
    write_lab(SEED_LAB)
    async with app.run_test(size=(120, 36)) as pilot:
        await open_workflow(pilot)
        results = app.query_one(ResultsPane)
        assert results.current == "preview"
        assert str(app.query_one("#preview-empty", Static).render()) == NOTHING_YET

        await pilot.press("ctrl+r")
        await settle(pilot)
        await wait_for(pilot, lambda: app.query_one("#preview-table", DataTable).row_count == 3)
        table = app.query_one("#preview-table", DataTable)
        assert [str(c.label) for c in table.columns.values()] == ["a", "b"]
        assert [table.get_row_at(i) for i in range(3)] == [["1", "x"], ["2", "y"], ["3", "z"]]
        assert results.current == "preview"
        assert "lab_out.csv · 2 columns · 3 rows" in str(results.preview.border_title)
        assert "finished" in str(results.log.border_title)
        assert "wrote 3 rows x 2 columns" in log_text(results.log)
        assert "$AGILAB_TUI_HOME" in log_text(results.log)  # tmp paths are redacted in test mode

        # Stage 2 edits df; Run saves the modified code first, then runs it.
        await pilot.press("ctrl+down")
        app.query_one("#stage-code", TextArea).load_text("df['a'] = df['a'] * 10\n")
        await pilot.press("ctrl+r")
        await settle(pilot)
        await wait_for(pilot, lambda: app.query_one("#preview-table", DataTable).get_row_at(0) == ["10", "x"])
    assert "df['a'] * 10" in lab_file.read_text("utf-8")
    assert pd.read_csv(lab_file.parent / "lab_out.csv")["a"].tolist() == [10, 20, 30]


async def test_a_failing_stage_says_why_and_keeps_the_log(app: AgilabApp, write_lab: Callable[[str], Path]) -> None:
    write_lab(SEED_LAB.replace("df['a'] = df['a'] * 2", "raise ValueError('no column named zz')"))
    async with app.run_test(size=(120, 36)) as pilot:
        await open_workflow(pilot)
        await pilot.press("ctrl+down", "ctrl+r")
        await settle(pilot)
        results = app.query_one(ResultsPane)
        await wait_for(pilot, lambda: "failed" in str(results.log.border_title))
        assert results.current == "stage-log"
        assert "no column named zz" in str(results.log.border_title)
        assert "ValueError: no column named zz" in log_text(results.log)


async def test_cancel_stops_a_hanging_stage(app: AgilabApp, write_lab: Callable[[str], Path]) -> None:
    hanging = SEED_LAB.replace("df['a'] = df['a'] * 2", "import time\\nprint('sleeping', flush=True)\\ntime.sleep(600)")
    write_lab(hanging)
    async with app.run_test(size=(120, 36)) as pilot:
        view = await open_workflow(pilot)
        panel = app.query_one(StagesPanel)
        await pilot.press("ctrl+down", "ctrl+r")
        results = app.query_one(ResultsPane)
        await wait_for(pilot, lambda: "sleeping" in log_text(results.log))
        running = stage_processes()
        assert running, "the stage subprocess should be running"
        assert view.running and panel.query_one("#stage-cancel").display  # type: ignore[attr-defined]

        await pilot.press("escape")  # focus is on the stage list, so escape reaches Cancel
        await settle(pilot)
        await wait_for(pilot, lambda: panel.operation is None)
        assert "cancelled" in str(results.log.border_title)
        gone, alive = psutil.wait_procs(running, timeout=10)
        assert not alive, f"still running: {alive}"
        assert not view.running  # type: ignore[attr-defined]
        assert panel.query_one("#stage-run").disabled is False


@pytest.mark.slow
async def test_run_pipeline_with_progress_and_mlflow_runs(app: AgilabApp, write_lab: Callable[[str], Path],
                                                           lab_file: Path, isolated_home: Path) -> None:
    write_lab(SEED_LAB)
    async with app.run_test(size=(120, 36)) as pilot:
        view = await open_workflow(pilot)
        view.show_subtab("pipeline")  # type: ignore[attr-defined]
        await settle(pilot)
        selection = app.query_one("#pipeline-stages", SelectionList)
        assert sorted(selection.selected) == [0, 1]

        await press_button(pilot, "#btn-run-pipeline")
        await settle(pilot)
        panel = app.query_one(PipelinePanel)
        await wait_for(pilot, lambda: panel.operation is None, rounds=1200)
        status = str(app.query_one("#pipeline-status #op-text", Static).render())
        assert status == "pipeline finished · 2 stage(s) completed"
        pipeline_log = log_text(app.query_one("#pipeline-log", LogPane))
        assert "stage 0: pid" in pipeline_log and "stage 1: pid" in pipeline_log  # the engine counts from 0
        # The Stages preview follows the pipeline's last dataframe.
        await wait_for(pilot, lambda: app.query_one("#preview-table", DataTable).row_count == 3)
        assert app.query_one("#preview-table", DataTable).get_row_at(0) == ["2", "x"]

        # Unchecking stage 2 and saving the order writes the lab's run sequence.
        selection.focus()
        selection.deselect(1)
        await pilot.press("ctrl+s")
        await settle(pilot)
    assert "flight_telemetry__sequence = [0]" in lab_file.read_text("utf-8")

    from mlflow.tracking import MlflowClient

    from engine.workspace import Workspace

    client = MlflowClient(Workspace(isolated_home).mlflow_tracking_uri())
    runs = [run for experiment in client.search_experiments() for run in client.search_runs([experiment.experiment_id])]
    parents = [r for r in runs if "mlflow.parentRunId" not in r.data.tags]
    children = [r for r in runs if "mlflow.parentRunId" in r.data.tags]
    assert len(parents) == 1 and len(children) == 2
    assert {c.data.tags["mlflow.parentRunId"] for c in children} == {parents[0].info.run_id}
    assert all(r.info.status == "FINISHED" for r in runs)


async def test_an_invalid_environment_blocks_the_run(app: AgilabApp, write_lab: Callable[[str], Path],
                                                      tmp_path: Path, lab_file: Path) -> None:
    write_lab(SEED_LAB)
    async with app.run_test(size=(120, 36)) as pilot:
        await open_workflow(pilot)
        app.query_one("#env-select").value = "venv"  # type: ignore[attr-defined]
        await pilot.pause()
        app.query_one("#stage-env", Input).value = str(tmp_path / "missing_venv")
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert app.query_one(StagesPanel).operation is None
        assert app.query_one("#stage-env", Input).has_class("-invalid")
    assert lab_file.read_text("utf-8") == SEED_LAB
    assert not (lab_file.parent / "lab_out.csv").exists()
