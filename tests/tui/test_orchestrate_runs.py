"""ORCHESTRATE against an installed workspace: install, run, cancel, distribute, benchmark, notebook, data."""

from __future__ import annotations

import asyncio
import csv
import json
from pathlib import Path

import psutil
import pytest
from textual.widgets import Button, SelectionList, Static, Tree
from tui_helpers import new_app

from engine.events import LogLines, OperationFailed, OperationFinished, OperationStarted
from tui.messages import EngineEventMessage
from tui.orchestrate.benchmark_panel import BenchmarkPanel
from tui.orchestrate.snippet_panel import SnippetPanel
from tui.orchestrate.workplan import SlotChoice
from tui.widgets.log_pane import LogPane
from tui.widgets.virtual_table import VirtualTable

pytestmark = pytest.mark.slow
TARGET = "flight_telemetry"


def runner_children() -> list[psutil.Process]:
    """Worker processes (``workers.runner``) started by this test process and still alive."""
    alive = []
    for child in psutil.Process().children(recursive=True):
        try:
            if "workers.runner" in " ".join(child.cmdline()) and child.status() != psutil.STATUS_ZOMBIE:
                alive.append(child)
        except psutil.NoSuchProcess:
            pass
    return alive


async def test_install_streams_logs_and_enables_run_then_run_writes_outputs(shared_home: Path, settle) -> None:
    messages: list[object] = []
    app = new_app()
    async with app.run_test(size=(120, 36), message_hook=messages.append) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+b")
        await settle(pilot)
        events = [m.event for m in messages if isinstance(m, EngineEventMessage)]
        assert isinstance(events[0], OperationStarted) and isinstance(events[-1], OperationFinished)
        assert any(isinstance(e, LogLines) for e in events)
        assert app.query_one(LogPane).total_lines > 0
        assert "installed" in str(app.query_one("#install-status", Static).render())
        assert not app.query_one("#btn-run", Button).disabled
        messages.clear()
        await pilot.press("ctrl+r")
        await settle(pilot)
        final = [m.event for m in messages if isinstance(m, EngineEventMessage)][-1]
        assert isinstance(final, OperationFinished)
        assert final.result["outputs"] and all(Path(p).exists() for p in final.result["outputs"])
        assert "output file(s)" in str(app.query_one("#run-status", Static).render())
        assert (shared_home / "log" / "execute" / TARGET / "run_manifest.json").exists()
        assert not app.view("orchestrate").running and app.operations == {}


async def test_cancel_kills_the_run_processes(shared_home: Path, settle) -> None:
    from engine.facade import Engine

    # A heavy argument set so the run is still going when Escape arrives.
    Engine().save_args("flight_telemetry_project", {"synthetic_aircraft": 60, "synthetic_points": 400_000})
    messages: list[object] = []
    app = new_app()
    async with app.run_test(size=(120, 36), message_hook=messages.append) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+r")
        for _ in range(600):  # wait (bounded) until the worker process is up
            await asyncio.sleep(0.05)
            if runner_children():
                break
        assert runner_children(), "the run never started a worker process"
        assert app.query_one("#btn-cancel", Button).disabled is False
        await pilot.press("escape")
        await settle(pilot)
        final = [m.event for m in messages if isinstance(m, EngineEventMessage)][-1]
        assert isinstance(final, OperationFailed) and final.cancelled
        assert runner_children() == []
        assert "cancelled" in str(app.query_one("#run-status", Static).render())
        assert app.query_one("#btn-cancel", Button).disabled


async def test_distribute_shows_the_tree_and_a_reassigned_plan_is_saved(shared_home: Path, settle) -> None:
    app = new_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+g")
        await settle(pilot)
        tree = app.query_one("#workplan-tree", Tree)
        slots = list(tree.root.children)
        assert [len(slot.children) for slot in slots] == [3, 3]
        assert "KB" in str(slots[0].label)
        # Move the first partition of slot 0 to slot 1 from the keyboard.
        tree.focus()
        tree.move_cursor(slots[0].children[0])
        await pilot.press("m")
        await pilot.pause()
        assert isinstance(app.screen, SlotChoice)
        await pilot.press("down", "enter")
        await pilot.pause()
        assert [len(slot.children) for slot in tree.root.children] == [2, 4]
        await pilot.press("ctrl+s")
        await settle(pilot)
        saved = json.loads((shared_home / "wenv" / f"{TARGET}_worker" / "distribution_tree.json").read_text())
        assert [len(chunks) for chunks in saved["work_plan"]] == [2, 4]
        assert "plan saved" in str(app.query_one("#distribute-status", Static).render())


async def test_benchmark_runs_the_chosen_modes_and_shows_the_table(shared_home: Path, settle) -> None:
    app = new_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        modes = app.query_one("#benchmark-modes", SelectionList)
        assert sorted(modes.selected) == [0, 1]
        app.query_one("#btn-benchmark", Button).press()
        await settle(pilot)
        bench = json.loads((shared_home / "log" / "execute" / TARGET / "benchmark.json").read_text())
        assert set(bench) == {"0", "1"}
        table = app.query_one(BenchmarkPanel).query_one("#bench-table")
        assert table.row_count == 2
        chart = str(app.query_one("#bench-chart", Static).render())
        # Test mode shows the measured seconds too: the slowest mode's bar is the full width.
        slowest = max(bench.values(), key=lambda entry: entry["seconds"])
        assert f"{slowest['seconds']:.2f} s" in chart and "█" * 30 in chart


async def test_snippets_copy_and_export_and_notebook_export(shared_home: Path, settle) -> None:
    app = new_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        panel = app.query_one("#snippet-run", SnippetPanel)
        panel.focus()
        await pilot.press("c")
        assert app.clipboard == panel.code and "AGI.run" in panel.code
        await pilot.press("e")
        await settle(pilot)
        exported = shared_home / "log" / "execute" / TARGET / f"AGI_run_{TARGET}.py"
        assert exported.read_text() == panel.code
        app.query_one("#btn-notebook", Button).press()
        await settle(pilot)
        found = list(shared_home.rglob("*_orchestrate.ipynb"))
        assert found, "no notebook written"
        cells = json.loads(found[0].read_text())["cells"]
        assert any("AGI.run" in "".join(cell["source"]) for cell in cells)
        assert found[0].name in str(app.query_one("#notebook-status", Static).render())


async def test_load_data_previews_the_output_and_exports_chosen_columns(shared_home: Path, settle) -> None:
    from engine.facade import Engine

    engine = Engine()
    if engine.latest_output("flight_telemetry_project") is None:
        await engine.run("flight_telemetry_project").wait()
    app = new_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+l")
        await settle(pilot)
        table = app.query_one("#data-table", VirtualTable)
        assert table.row_count > 0 and "aircraft" in table.columns
        assert table.row(0) is not None
        columns = app.query_one("#data-columns", SelectionList)
        columns.focus()
        await pilot.press("n")
        assert columns.selected == []
        assert app.query_one("#btn-export-csv", Button).disabled
        columns.select("aircraft")
        columns.select("speed_mps")
        await pilot.pause()
        app.query_one("#btn-export-csv", Button).press()
        await settle(pilot)
        with open(shared_home / "export" / TARGET / "export.csv", newline="") as handle:
            rows = list(csv.reader(handle))
        assert rows[0] == ["aircraft", "speed_mps"]
        assert len(rows) - 1 == table.row_count
        await pilot.press("a")
        assert len(columns.selected) == len(table.columns)
