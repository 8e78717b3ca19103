"""Stage editor on real ``lab_stages.toml`` files: jump, edit + save, next, remove, import, env, reload."""

from __future__ import annotations

import os
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path

from textual.widgets import Input, Select, TextArea

from tui.app import AgilabApp
from tui.workflow.dialogs import ConfirmDialog, ImportSnippetDialog
from tui.workflow.stages import StagesPanel

from .conftest import MODULE, SEED_LAB, open_workflow, press_button, settle, wait_for_screen


def stages_on_disk(path: Path) -> list[dict[str, object]]:
    return tomllib.loads(path.read_text("utf-8"))[MODULE]


async def test_jump_between_stages_edit_and_save_keeps_everything_else(
        app: AgilabApp, write_lab: Callable[[str], Path]) -> None:
    path = write_lab(SEED_LAB)
    async with app.run_test(size=(120, 36)) as pilot:
        await open_workflow(pilot)
        panel = app.query_one(StagesPanel)
        assert app.focused is panel.stage_list
        assert panel.stage_list.option_count == 3  # two stages + "new stage"
        assert app.query_one("#stage-d", Input).value == "Seed data"

        await pilot.press("down")  # the list has focus: highlighting opens the stage
        assert panel.current == 1
        assert app.query_one("#stage-d", Input).value == "Double a"
        assert app.query_one("#stage-code", TextArea).text == "df['a'] = df['a'] * 2\n"
        await pilot.press("ctrl+up")
        assert panel.current == 0 and app.query_one("#stage-d", Input).value == "Seed data"
        await pilot.press("ctrl+down")

        app.query_one("#stage-d", Input).value = "Double column a"
        app.query_one("#stage-code", TextArea).load_text("df['a'] = df['a'] * 3\n")
        await pilot.press("ctrl+s")
        await settle(pilot)

    expected = SEED_LAB.replace('D = "Double a"', 'D = "Double column a"').replace(
        "df['a'] * 2", "df['a'] * 3")
    assert path.read_text("utf-8") == expected  # only the edited values changed, comment and unknown key kept


async def test_unsaved_edits_survive_jumping_and_are_marked(app: AgilabApp, write_lab: Callable[[str], Path]) -> None:
    path = write_lab(SEED_LAB)
    async with app.run_test(size=(120, 36)) as pilot:
        await open_workflow(pilot)
        panel = app.query_one(StagesPanel)
        app.query_one("#stage-q", Input).value = "where do the numbers come from?"
        await pilot.press("ctrl+down")
        assert str(panel.stage_list.get_option_at_index(0).prompt).rstrip().splitlines()[0].endswith("*")
        await pilot.press("ctrl+up")
        assert app.query_one("#stage-q", Input).value == "where do the numbers come from?"
    assert path.read_text("utf-8") == SEED_LAB  # nothing was saved


async def test_next_saves_then_opens_a_new_stage_that_saves_as_raw_python(
        app: AgilabApp, write_lab: Callable[[str], Path]) -> None:
    path = write_lab(SEED_LAB)
    async with app.run_test(size=(120, 36)) as pilot:
        await open_workflow(pilot)
        panel = app.query_one(StagesPanel)
        app.query_one("#stage-d", Input).value = "Seed the data"
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert stages_on_disk(path)[0]["D"] == "Seed the data"
        assert panel.current == 2 and panel.info() is None  # the fresh, unsaved stage
        assert app.query_one("#stage-code", TextArea).text == ""
        assert not app.query_one("#stage-code", TextArea).read_only

        await pilot.press("ctrl+s")  # an empty new stage is not written
        await settle(pilot)
        assert len(stages_on_disk(path)) == 2

        app.query_one("#stage-d", Input).value = "Sum"
        app.query_one("#stage-code", TextArea).load_text("df = df.sum().to_frame().T\n")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert panel.current == 2 and panel.info() is not None

    stages = stages_on_disk(path)
    assert len(stages) == 3
    assert stages[2]["D"] == "Sum" and stages[2]["C"] == "df = df.sum().to_frame().T\n"
    assert stages[2]["kind"] == "raw_python"
    assert stages[0]["custom_key"] == "keep me"


async def test_remove_asks_first_and_cancel_keeps_the_file(app: AgilabApp, write_lab: Callable[[str], Path]) -> None:
    path = write_lab(SEED_LAB)
    async with app.run_test(size=(120, 36)) as pilot:
        await open_workflow(pilot)
        panel = app.query_one(StagesPanel)
        await pilot.press("ctrl+down")
        await press_button(pilot, "#stage-remove")
        await wait_for_screen(pilot, ConfirmDialog)
        await pilot.press("escape")
        await settle(pilot)
        assert path.read_text("utf-8") == SEED_LAB

        await pilot.press("ctrl+delete")
        await wait_for_screen(pilot, ConfirmDialog)
        await press_button(pilot, "#confirm")
        await settle(pilot)
        assert not isinstance(app.screen, ConfirmDialog)
        assert [s.title for s in panel.snapshot.stages] == ["Seed data"]
        assert panel.stage_list.option_count == 2

    stages = stages_on_disk(path)
    assert [s["D"] for s in stages] == ["Seed data"] and stages[0]["custom_key"] == "keep me"


async def test_import_orchestrate_run_snippet_and_a_file_as_read_only_stages(
        app: AgilabApp, write_lab: Callable[[str], Path], tmp_path: Path) -> None:
    path = write_lab(SEED_LAB)
    snippet = tmp_path / "my_step.py"
    snippet.write_text("print('hello from a file')\n", encoding="utf-8")
    async with app.run_test(size=(120, 36)) as pilot:
        await open_workflow(pilot)
        panel = app.query_one(StagesPanel)
        await pilot.press("ctrl+o")
        await wait_for_screen(pilot, ImportSnippetDialog)
        await press_button(pilot, "#run-snippet")
        await settle(pilot)
        assert panel.current == 2
        info = panel.info()
        assert info is not None and info.locked
        code = app.query_one("#stage-code", TextArea)
        assert code.read_only and "AGI.run" in code.text
        assert "read-only" in str(code.border_title)
        assert "locked" in str(panel.stage_list.get_option_at_index(2).prompt)

        await pilot.press("ctrl+o")
        await wait_for_screen(pilot, ImportSnippetDialog)
        app.screen.query_one("#snippet-path", Input).value = str(snippet)
        await press_button(pilot, "#import-file")
        await settle(pilot)
        assert panel.current == 3 and app.query_one("#stage-code", TextArea).text == "print('hello from a file')\n"

        # D stays editable on a locked stage; its code does not change.
        app.query_one("#stage-d", Input).value = "Say hello"
        await pilot.press("ctrl+s")
        await settle(pilot)

    stages = stages_on_disk(path)
    assert stages[2]["_orchestrate_locked_stage"] is True
    assert stages[2]["_orchestrate_snippet_source"] == "ORCHESTRATE run snippet"
    assert "AGI.run" in str(stages[2]["C"])
    assert stages[3]["_orchestrate_snippet_source"] == str(snippet.resolve())
    assert stages[3]["D"] == "Say hello" and stages[3]["C"] == "print('hello from a file')\n"


async def test_execution_environment_must_hold_a_python(app: AgilabApp, write_lab: Callable[[str], Path],
                                                          tmp_path: Path) -> None:
    path = write_lab(SEED_LAB)
    not_a_venv = tmp_path / "empty_dir"
    not_a_venv.mkdir()
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    os.symlink(sys.executable, venv / "bin" / "python")
    async with app.run_test(size=(120, 36)) as pilot:
        await open_workflow(pilot)
        app.query_one("#env-select", Select).value = "venv"
        await pilot.pause()
        env_input = app.query_one("#stage-env", Input)
        assert env_input.display
        env_input.value = str(not_a_venv)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert path.read_text("utf-8") == SEED_LAB
        assert env_input.has_class("-invalid")

        env_input.value = str(venv)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not env_input.has_class("-invalid")
    assert stages_on_disk(path)[0]["E"] == str(venv)


async def test_file_changed_on_disk_offers_a_reload(app: AgilabApp, write_lab: Callable[[str], Path]) -> None:
    path = write_lab(SEED_LAB)
    async with app.run_test(size=(120, 36)) as pilot:
        await open_workflow(pilot)
        panel = app.query_one(StagesPanel)
        changed_elsewhere = SEED_LAB.replace('D = "Seed data"', 'D = "Seed data (edited in vim)"')
        path.write_text(changed_elsewhere, encoding="utf-8")

        app.query_one("#stage-d", Input).value = "My edit"
        await pilot.press("ctrl+s")
        await settle(pilot)
        await wait_for_screen(pilot, ConfirmDialog)
        assert "changed on disk" in str(app.screen.query_one(".dialog-body").render())
        assert path.read_text("utf-8") == changed_elsewhere  # nothing overwritten

        await press_button(pilot, "#confirm")
        await settle(pilot)
        assert app.query_one("#stage-d", Input).value == "Seed data (edited in vim)"
        assert panel.snapshot.stages[0].title == "Seed data (edited in vim)"

        app.query_one("#stage-q", Input).value = "after the reload"
        await pilot.press("ctrl+s")
        await settle(pilot)
    stages = stages_on_disk(path)
    assert stages[0]["D"] == "Seed data (edited in vim)" and stages[0]["Q"] == "after the reload"
