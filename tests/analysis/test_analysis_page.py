"""ANALYSIS page driven by keys through Pilot on real output files and a real MLflow store."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from analysis_helpers import make_runs, write_outputs
from textual.widgets import DataTable, Input, OptionList, Select, Static

from engine.workspace import Workspace
from tui.analysis.evidence import EvidencePanel
from tui.analysis.explorer import Explorer
from tui.analysis.plots import PlotPanel
from tui.analysis.runs import RunsPanel
from tui.app import make_app
from tui.widgets.dialogs import PromptScreen, TextScreen


async def settle(pilot: Any) -> None:
    for _ in range(4):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


def _status(widget: Any, selector: str) -> str:
    return str(widget.query_one(selector, Static).content)


async def _open_analysis(pilot: Any) -> Any:
    await settle(pilot)
    await pilot.press("4")
    await settle(pilot)
    assert pilot.app.query_one("#tabs").active == "analysis"
    return pilot.app.view("analysis")


async def test_explorer_filter_sort_stats(home: Path) -> None:
    paths = write_outputs(Workspace(home))
    app = make_app(test_mode=True)
    async with app.run_test(size=(120, 36)) as pilot:
        view = await _open_analysis(pilot)
        explorer = view.query_one(Explorer)
        table = explorer.table
        assert table.row_count == 60 and table.columns == ["aircraft", "speed", "alt"]
        assert _status(explorer, "#explorer-status") == "A_output.csv: 60 rows × 3 columns"

        await pilot.press("slash")
        assert isinstance(app.focused, Input)
        await pilot.press(*"velocity > 1", "enter")
        await settle(pilot)
        error = _status(explorer, "#explorer-status")
        assert "no column 'velocity'" in error and "A_output.csv" in error
        assert table.row_count == 60  # the shown rows are unchanged by a refused filter

        app.focused.value = "speed >= 100"  # type: ignore[union-attr]
        await pilot.press("enter")
        await settle(pilot)
        assert table.row_count == 20 and table.row(0) == ("A1", 100.0, 80)

        table.focus()
        await pilot.press("s")
        assert isinstance(app.screen, PromptScreen)
        app.screen.query_one(Input).value = "speed"
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("s")
        app.screen.query_one(Input).value = "speed"
        await pilot.press("enter")
        await settle(pilot)
        assert table.row(0)[1] == 147.5 and "sorted by speed desc, filter: speed >= 100" in _status(explorer, "#explorer-status")

        await pilot.press("t")
        app.screen.query_one(Input).value = "alt"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TextScreen)
        stats = dict(app.screen.rows)
        assert stats["rows"] == "20" and stats["column"] == "alt"
        await pilot.press("escape")

        explorer.query_one("#explorer-table", Select).value = str(paths["parquet"])
        await settle(pilot)
        assert table.row_count == 60 and _status(explorer, "#explorer-status").startswith("B_output.parquet")


async def test_plots_benchmark_and_evidence(home: Path) -> None:
    write_outputs(Workspace(home))
    app = make_app(test_mode=True)
    async with app.run_test(size=(120, 36)) as pilot:
        view = await _open_analysis(pilot)
        view.plot("histogram")
        plots = view.query_one(PlotPanel)
        plots.query_one("#plot-x", Select).value = "speed"
        await settle(pilot)
        assert _status(plots, "#plot-status") == "histogram of speed"
        plots.query_one("#plot-y", Select).value = "alt"
        plots.choose("scatter")
        await settle(pilot)
        assert _status(plots, "#plot-status") == "alt against speed"
        plots.choose("line", x="aircraft")
        await settle(pilot)
        assert "'aircraft' is" in _status(plots, "#plot-status") and "not numeric" in _status(plots, "#plot-status")
        plots.choose("bar", x="aircraft", y="speed")
        await settle(pilot)
        assert _status(plots, "#plot-status") == "sum of speed by aircraft"
        plots.choose("line", x="alt", y="speed")
        await settle(pilot)
        assert _status(plots, "#plot-status") == "speed against alt"

        assert "fastest: ___p (1.0 s)" in str(view.query_one("#benchmark-note", Static).content)

        view.show_section("evidence")
        evidence = view.query_one(EvidencePanel)
        files = evidence.query_one("#evidence-files", OptionList)
        files.focus()
        await settle(pilot)
        assert "reduce_summary_worker_0" in str(evidence.query_one("#evidence-scroll").border_title)
        summary = dict(evidence.summary)
        assert summary["reducer"] == "flight.v1" and summary["payload row_count"] == "100"
        await pilot.press("b", "down", "c")
        await settle(pilot)
        assert evidence.query_one("#evidence-scroll").border_title == "baseline vs candidate"
        deltas = {d.key: d.change for d in evidence.deltas}
        assert deltas["payload.row_count"] == "+20 (+20.0%)" and deltas["reducer"] == "same"
        assert {"B out/reduce_summary_worker_0.json", "C out/reduce_summary_worker_1.json"} <= {
            str(files.get_option_at_index(i).prompt) for i in range(files.option_count)}


async def test_mlflow_runs_nested_and_compared(home: Path) -> None:
    ids = make_runs(Workspace(home))
    app = make_app(test_mode=True)
    async with app.run_test(size=(120, 36)) as pilot:
        view = await _open_analysis(pilot)
        view.show_section("runs")
        runs = view.query_one(RunsPanel)
        table = runs.query_one(DataTable)
        table.focus()
        await settle(pilot)
        assert [str(table.get_row_at(i)[1]) for i in range(table.row_count)] == ["pipeline", "  └ stage_0", "  └ stage_1"]
        assert "started" not in [str(c.label) for c in table.columns.values()]  # no clock in test mode
        await pilot.press("down")
        await settle(pilot)
        assert runs.query_one("#runs-detail").border_title == "run details"
        await pilot.press("b", "down", "c")
        await settle(pilot)
        assert (runs.baseline, runs.candidate) == (ids["stage_0"], ids["stage_1"])
        assert runs.query_one("#runs-detail").border_title == "baseline vs candidate run"
        titles = {c.title for c in view.palette_commands()}
        assert {"analysis: plot histogram", "analysis: plot bar", "analysis: toggle MLflow UI",
                "analysis: filter rows", "analysis: sort rows", "analysis: column statistics"} <= titles


async def test_palette_command_switches_tab_and_plots(home: Path) -> None:
    write_outputs(Workspace(home))
    app = make_app(test_mode=True)
    async with app.run_test(size=(120, 36)) as pilot:
        await _open_analysis(pilot)
        await pilot.press("1")
        await settle(pilot)
        command = next(c for c in app.get_system_commands(app.screen) if c.title == "analysis: plot histogram")
        command.callback()
        await settle(pilot)
        view = app.view("analysis")
        assert app.query_one("#tabs").active == "analysis" and view.current_section() == "plot"  # type: ignore[union-attr]
        view.query_one("#plot-x", Select).value = "alt"  # type: ignore[union-attr]
        await settle(pilot)
        assert _status(view.query_one(PlotPanel), "#plot-status") == "histogram of alt"


@pytest.mark.slow
async def test_mlflow_ui_action_shows_url_and_stops_with_the_app(home: Path) -> None:
    make_runs(Workspace(home))
    app = make_app(test_mode=True)
    async with app.run_test(size=(120, 36)) as pilot:
        view = await _open_analysis(pilot)
        view.show_section("runs")
        view.query_one("#runs-table").focus()
        await pilot.press("u")
        await settle(pilot)
        server = view.server
        assert server is not None and server.running
        line = _status(view.query_one(RunsPanel), "#runs-ui")
        assert f"http://127.0.0.1:{server.port}" in line and f"ssh -L {server.port}:127.0.0.1:{server.port}" in line
        process = server.process
    assert process is not None and process.poll() is not None  # stopped when the app exited
