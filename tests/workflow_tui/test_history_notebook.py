"""HISTORY (raw TOML with validation) and notebook export / import preview / merge."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from pathlib import Path

from textual.widgets import DataTable, Input, Static, TextArea

from tui.app import AgilabApp
from tui.workflow.dialogs import ConfirmDialog
from tui.workflow.history import HistoryPanel
from tui.workflow.stages import StagesPanel

from .conftest import MODULE, SEED_LAB, open_workflow, press_button, settle, wait_for, wait_for_screen


async def test_history_refuses_malformed_toml_and_names_the_line(app: AgilabApp,
                                                                 write_lab: Callable[[str], Path]) -> None:
    path = write_lab(SEED_LAB)
    async with app.run_test(size=(120, 36)) as pilot:
        view = await open_workflow(pilot)
        view.show_subtab("history")  # type: ignore[attr-defined]
        await settle(pilot)
        editor = app.query_one("#history-editor", TextArea)
        assert editor.text == SEED_LAB
        editor.focus()
        editor.load_text(SEED_LAB.replace('version = 1', 'version = = 1'))
        await pilot.press("ctrl+s")
        await settle(pilot)
        error = str(app.query_one("#history-error", Static).render())
        assert error.startswith("Not saved:") and "line 9" in error
        assert "$AGILAB_TUI_HOME/export/flight_telemetry/lab_stages.toml" in error
        assert app.query_one(HistoryPanel).has_class("-error")

        # Valid TOML that is not a stages file is refused too.
        editor.load_text(SEED_LAB.replace("flight_telemetry = [", "flight_telemetry = [1,").replace(
            '  { D = "Seed', '  { D = "Seed', 1))
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "every stage of a module must be a table" in str(app.query_one("#history-error", Static).render())
    assert path.read_text("utf-8") == SEED_LAB  # byte for byte


async def test_history_save_rewrites_the_file_and_refreshes_the_stage_list(
        app: AgilabApp, write_lab: Callable[[str], Path]) -> None:
    path = write_lab(SEED_LAB)
    edited = SEED_LAB.replace('D = "Double a"', 'D = "Twice a (HISTORY)"')
    async with app.run_test(size=(120, 36)) as pilot:
        view = await open_workflow(pilot)
        view.show_subtab("history")  # type: ignore[attr-defined]
        await settle(pilot)
        editor = app.query_one("#history-editor", TextArea)
        editor.focus()
        editor.load_text(edited)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not app.query_one(HistoryPanel).has_class("-error")
        stages = app.query_one(StagesPanel)
        assert [s.title for s in stages.snapshot.stages] == ["Seed data", "Twice a (HISTORY)"]
        assert "Twice a (HISTORY)" in str(stages.stage_list.get_option_at_index(1).prompt)
    assert path.read_text("utf-8") == edited


async def test_notebook_export_then_import_preview_and_merge(app: AgilabApp, write_lab: Callable[[str], Path],
                                                             lab_file: Path) -> None:
    write_lab(SEED_LAB)
    notebook = lab_file.parent / "lab_stages.ipynb"
    async with app.run_test(size=(120, 36)) as pilot:
        view = await open_workflow(pilot)
        view.show_subtab("notebook")  # type: ignore[attr-defined]
        await settle(pilot)
        await press_button(pilot, "#btn-nb-export")
        await settle(pilot)
        assert notebook.is_file()
        shown = str(app.query_one("#nb-export-path", Static).render())
        assert shown == "Exported to $AGILAB_TUI_HOME/export/flight_telemetry/lab_stages.ipynb"

        app.query_one("#nb-import-path", Input).value = str(notebook)
        await press_button(pilot, "#btn-nb-preview")
        await settle(pilot)
        table = app.query_one("#nb-preview", DataTable)
        assert table.row_count == 2
        assert table.get_row_at(0)[1] == "Seed data" and table.get_row_at(1)[2] == "df['a'] = df['a'] * 2"
        assert "2 stage(s) from an AGILab supervisor export" in str(
            app.query_one("#nb-import-summary", Static).render())
        assert lab_file.read_text("utf-8") == SEED_LAB  # a preview writes nothing

        await press_button(pilot, "#btn-nb-merge")
        await wait_for_screen(pilot, ConfirmDialog)
        await press_button(pilot, "#confirm")
        await settle(pilot)
        await wait_for(pilot, lambda: len(app.query_one(StagesPanel).snapshot.stages) == 4)
        assert app.query_one("#nb-preview", DataTable).row_count == 0

    stages = tomllib.loads(lab_file.read_text("utf-8"))[MODULE]
    assert [s["D"] for s in stages] == ["Seed data", "Double a", "Seed data", "Double a"]
    assert stages[2]["NB_SOURCE_NOTEBOOK"] == str(notebook.resolve())
    assert stages[0]["custom_key"] == "keep me"


async def test_importing_a_missing_notebook_says_so(app: AgilabApp, write_lab: Callable[[str], Path],
                                                    tmp_path: Path) -> None:
    write_lab(SEED_LAB)
    async with app.run_test(size=(120, 36)) as pilot:
        view = await open_workflow(pilot)
        view.show_subtab("notebook")  # type: ignore[attr-defined]
        await settle(pilot)
        app.query_one("#nb-import-path", Input).value = str(tmp_path / "nope.ipynb")
        await press_button(pilot, "#btn-nb-preview")
        await settle(pilot)
        messages = [n.message for n in app._notifications]
        assert any("no such notebook" in m for m in messages)
        assert app.query_one("#btn-nb-merge").disabled


async def test_a_file_that_does_not_load_opens_in_history_for_repair(app: AgilabApp,
                                                                     write_lab: Callable[[str], Path]) -> None:
    broken = SEED_LAB.replace("version = 1", "version = = 1")
    path = write_lab(broken)
    async with app.run_test(size=(120, 36)) as pilot:
        view = await open_workflow(pilot)
        assert view.subtab == "history"  # type: ignore[attr-defined]
        editor = app.query_one("#history-editor", TextArea)
        assert editor.text == broken
        error = str(app.query_one("#history-error", Static).render())
        assert error.startswith("Does not load:") and "line 9" in error
        assert app.query_one(StagesPanel).snapshot is None  # no stale stages to edit meanwhile

        editor.focus()
        editor.load_text(SEED_LAB)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert [s.title for s in app.query_one(StagesPanel).snapshot.stages] == ["Seed data", "Double a"]
        assert not app.query_one(HistoryPanel).has_class("-error")
    assert path.read_text("utf-8") == SEED_LAB
