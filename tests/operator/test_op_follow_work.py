"""Screens follow the work: a finished RUN shows its result in ORCHESTRATE and reaches ANALYSIS, PROJECT and
WORKFLOW without F5; the output opens in the ANALYSIS explorer with one key."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import DataTable, Select, Static, TabbedContent

from tui.analysis.explorer import Explorer
from tui.app import make_app
from tui.messages import OperationDone


def text_of(widget: Static) -> str:
    return str(widget.render())


async def test_run_result_reaches_every_page_without_f5(shared_home: Path, settle) -> None:
    messages: list[object] = []
    app = make_app(test_mode=True)
    async with app.run_test(size=(120, 36), message_hook=messages.append) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+b")
        await settle(pilot)
        analysis = app.view("analysis")
        assert analysis is not None
        assert analysis.query_one(Explorer).entries == [], "a fresh workspace has no output yet"
        await pilot.press("ctrl+r")
        await settle(pilot)
        orchestrate = app.view("orchestrate")
        status = text_of(orchestrate.query_one("#run-status", Static))
        assert status.startswith("✓") and "output file(s)" in status
        figures = text_of(orchestrate.query_one("#run-figures", Static))
        assert "row_count" in figures and "mean_speed_m" in figures and "m/s" in figures
        outputs = orchestrate.query_one("#run-outputs", DataTable)
        assert outputs.row_count >= 6
        first = [str(cell) for cell in outputs.get_row_at(0)]
        assert first[0].endswith(".parquet") and int(first[1].replace(",", "")) > 0
        # Hidden pages are told only when shown (the latest operation only).
        assert {tab: done.kind for tab, done in app._pending_done.items()} == {
            "project": "run", "workflow": "run", "analysis": "run"}

        await pilot.press("alt+4")
        await settle(pilot)
        assert app.query_one("#tabs", TabbedContent).active == "analysis"
        assert set(app._pending_done) == {"project", "workflow"}
        explorer = analysis.query_one(Explorer)
        assert len(explorer.entries) >= 6
        assert "No csv/parquet output yet" not in text_of(explorer.query_one("#explorer-status", Static))
        assert analysis.base_source is not None
        columns = {value for _, value in analysis.query_one("#plot-x", Select)._options if isinstance(value, str)}
        assert "speed_mps" in columns and "speed_m" not in columns
        assert "Open a table" not in text_of(analysis.query_one("#plot-status", Static))

        await pilot.press("alt+1")
        await settle(pilot)
        await pilot.press("alt+3")
        await settle(pilot)
        assert app._pending_done == {}
        assert sum(isinstance(m, OperationDone) and m.kind == "run" for m in messages) == 4  # ORCHESTRATE was on screen


async def test_ctrl_t_opens_the_highlighted_output_in_the_analysis_explorer(shared_home: Path, settle) -> None:
    app = make_app(test_mode=True)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+b")
        await settle(pilot)
        await pilot.press("ctrl+r")
        await settle(pilot)
        outputs = app.view("orchestrate").query_one("#run-outputs", DataTable)
        outputs.focus()
        outputs.move_cursor(row=2)
        wanted = outputs.coordinate_to_cell_key(outputs.cursor_coordinate).row_key.value
        await pilot.press("ctrl+t")
        await settle(pilot)
        assert app.query_one("#tabs", TabbedContent).active == "analysis"
        analysis = app.view("analysis")
        assert str(analysis.base_source.path) == wanted
        assert analysis.query_one("#explorer-table", Select).value == wanted
        assert analysis.query_one(Explorer).table.source.row_count > 0


async def test_verbosity_changes_what_the_run_log_shows(shared_home: Path, settle) -> None:
    from engine.facade import Engine
    from tui.widgets.log_pane import LogPane

    shown: dict[int, int] = {}
    recorded: dict[int, int] = {}
    for verbose in (0, 2):
        engine = Engine()
        settings = engine.settings("flight_telemetry_project")
        settings.update_cluster(verbose=verbose)
        settings.save()
        app = make_app(test_mode=True)
        async with app.run_test(size=(120, 36)) as pilot:
            await settle(pilot)
            await pilot.press("ctrl+b")
            await settle(pilot)
            await pilot.press("ctrl+r")
            await settle(pilot)
            assert "output file(s)" in text_of(app.view("orchestrate").query_one("#run-status", Static))
            shown[verbose] = app.view("orchestrate").query_one(LogPane).total_lines
        run_log = shared_home / "log" / "execute" / "flight_telemetry" / "run.log"
        recorded[verbose] = len(run_log.read_text().splitlines())
    assert 0 < shown[0] < shown[2], shown
    assert recorded[0] >= shown[2] - 5, "run.log keeps every line whatever the verbosity"
