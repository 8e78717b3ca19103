"""The ANALYSIS Runs view driven by keys through Pilot, on run records read by the real engine.

The records are fixed manifests written through the engine's record store (see runs_helpers), so
every assertion can name exact ids, args, rows and deltas; the real-run tests are in test_runs_real.py.
"""

from __future__ import annotations

import os
from pathlib import Path

from runs_helpers import record_dir, settle, write_fixed_records
from textual.widgets import DataTable, Input, Static

from engine.records import load_manifest
from engine.workspace import Workspace
from tui.analysis.compare import CompareScreen
from tui.analysis.explorer import Explorer
from tui.analysis.records import RecordsPanel
from tui.app import make_app
from tui.help import HelpScreen
from tui.widgets.dialogs import PromptScreen

OLDEST, CHANGED, FAILED, RERUN = ("20261201T100000-0a1b2c", "20261201T101500-3d4e5f", "20261201T103000-6a7b8c",
                                  "20261201T104500-9d0e1f")


async def _open_runs(pilot) -> RecordsPanel:
    await settle(pilot)
    await pilot.press("4")
    await settle(pilot)
    view = pilot.app.view("analysis")
    view.show_section("records")
    view.query_one("#records-table").focus()
    await settle(pilot)
    return view.query_one(RecordsPanel)


def _text(widget, selector: str, width: int = 120) -> str:
    """What a Static shows, as plain text (rich tables rendered at ``width``)."""
    from rich.console import Console

    console = Console(width=width, record=True, file=open(os.devnull, "w"))  # noqa: SIM115
    console.print(widget.query_one(selector, Static).content)
    return console.export_text()


def _row(panel: RecordsPanel, run_id: str) -> list[str]:
    table = panel.query_one("#records-table", DataTable)
    return [str(cell) for cell in table.get_row(run_id)]


async def _goto(pilot, panel: RecordsPanel, run_id: str) -> None:
    table = panel.query_one("#records-table", DataTable)
    table.move_cursor(row=[r.run_id for r in panel.runs].index(run_id))
    await settle(pilot)


async def test_runs_table_lists_every_record_newest_first_with_changed_args(home: Path) -> None:
    write_fixed_records(Workspace(home))
    app = make_app(test_mode=True)
    async with app.run_test(size=(120, 36)) as pilot:
        panel = await _open_runs(pilot)
        table = panel.query_one("#records-table", DataTable)
        assert [r.run_id for r in panel.runs] == [RERUN, FAILED, CHANGED, OLDEST]
        assert [str(c.label) for c in table.columns.values()] == [
            "", "run", "when (UTC)", "kind", "mode", "status", "s", "mean_speed_m", "row_count", "changed args"]
        assert _row(panel, CHANGED) == ["  ", "3d4e5f", "12-01 10:15:00", "run", "0", "completed", "4.50", "229.5",
                                        "14,400", "synthetic_points"]
        assert _row(panel, FAILED)[5:7] == ["failed", "0.50"] and _row(panel, FAILED)[-1] == "nfile"
        assert _row(panel, RERUN)[0] == " *"  # pinned
        # the highlighted (newest) record's manifest is shown below the table
        assert "rerun of" in _text(panel, "#records-body") and OLDEST in _text(panel, "#records-body")

        await pilot.press("down")
        await settle(pilot)
        body = _text(panel, "#records-body")
        assert "FileNotFoundError: flight_telemetry/dataset/C3.csv" in body and "failed" in body


async def test_marking_a_and_b_opens_the_side_by_side_comparison(home: Path) -> None:
    write_fixed_records(Workspace(home))
    app = make_app(test_mode=True)
    async with app.run_test(size=(80, 24)) as pilot:
        panel = await _open_runs(pilot)
        await _goto(pilot, panel, OLDEST)
        await pilot.press("b")
        await settle(pilot)
        assert _row(panel, OLDEST)[0] == "A " and "marked A" in _text(panel, "#records-verdict")
        await _goto(pilot, panel, CHANGED)
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, CompareScreen)
        comparison = app.screen.comparison
        assert comparison["args"] == [{"key": "synthetic_points", "a": 1200, "b": 2400}]
        rows = {m["name"]: m for m in comparison["metrics"]}
        assert rows["row_count"]["delta"] == 7200.0 and rows["row_count"]["pct"] == 100.0
        body = _text(app.screen, "#compare-body")
        for shown in ("synthetic_points", "1,200", "2,400", "+100.0 %", "-0.8 %", "pandas", "2.2.3", "2.2.2",
                      "reduce_summary_worker_0.json", "flight_summary.parquet", "+ only in B"):
            assert shown in body, shown
        await pilot.press("escape")
        assert not isinstance(app.screen, CompareScreen)

        # d compares with the previous run of the same kind (the failed run with the one before it)
        await _goto(pilot, panel, FAILED)
        await pilot.press("d")
        await settle(pilot)
        assert isinstance(app.screen, CompareScreen)
        assert app.screen.comparison["args"] == [{"key": "nfile", "a": 0, "b": 3}]
        assert [o["name"] for o in app.screen.comparison["outputs"]["removed"]] == [
            "flight_summary.parquet", "reduce_summary_worker_0.json"]
        assert "only in A" in _text(app.screen, "#compare-body")


async def test_pin_plot_and_open_output(home: Path) -> None:
    workspace = Workspace(home)
    write_fixed_records(workspace)
    app = make_app(test_mode=True)
    async with app.run_test(size=(120, 36)) as pilot:
        panel = await _open_runs(pilot)
        await _goto(pilot, panel, OLDEST)
        await pilot.press("p")
        await settle(pilot)
        assert load_manifest(record_dir(workspace, OLDEST))["record"]["pinned"] is True
        assert _row(panel, OLDEST)[0] == " *" and "pinned" in _text(panel, "#records-verdict")
        await pilot.press("p")
        await settle(pilot)
        assert load_manifest(record_dir(workspace, OLDEST))["record"]["pinned"] is False

        await pilot.press("g")
        assert isinstance(app.screen, PromptScreen)
        assert app.screen.choices == ["mean_speed_m", "row_count", "seconds"]
        app.screen.query_one(Input).value = "seconds"
        await pilot.press("enter")
        await settle(pilot)
        assert panel.query_one("#records-lower").current == "records-chart"
        assert "seconds: min 0.5, max 4.5" in _text(panel, "#records-verdict")
        await pilot.press("g")
        assert panel.query_one("#records-lower").current == "records-detail"

        # the output no longer holds what the run wrote (its sha256 is made up): opened, and said so
        import pandas as pd

        output = workspace.data_dir / "flight_telemetry/dataframe/flight_summary.parquet"
        output.parent.mkdir(parents=True, exist_ok=True)
        pd.DataFrame({"aircraft": ["A1", "B2"], "speed_m": [230.0, 232.5]}).to_parquet(output, index=False)
        await pilot.press("o")
        await settle(pilot)
        view = app.view("analysis")
        assert view.current_section() == "explorer"
        assert view.base_source is not None and str(view.base_source.path) == str(output)
        assert view.query_one(Explorer).table.row_count == 2
        assert "changed since this run" in _text(panel, "#records-verdict")


async def test_palette_and_help_list_every_runs_action(home: Path) -> None:
    write_fixed_records(Workspace(home))
    app = make_app(test_mode=True)
    async with app.run_test(size=(120, 36)) as pilot:
        await _open_runs(pilot)
        titles = {c.title for c in app.view("analysis").palette_commands()}
        for title in ("runs: show", "runs: rerun", "runs: force rerun", "runs: cancel rerun", "runs: mark A",
                      "runs: mark B and compare", "runs: compare with previous", "runs: pin or unpin",
                      "runs: open output", "runs: plot metric", "runs: refresh"):
            assert title in titles, title
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        ids = {b.id for b in app.screen._page}
        assert {"analysis.runs-rerun", "analysis.runs-diff", "analysis.runs-open", "analysis.runs-pin",
                "analysis.runs-plot", "analysis.runs-cancel", "analysis.baseline", "analysis.candidate"} <= ids
