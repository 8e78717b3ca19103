"""Keys: pages switch from anywhere (alt+1..4, ctrl+pageup/pagedown), digits typed into a field stay text, F8 saves."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input, TabbedContent, TextArea

from tui.app import make_app
from tui.help import HelpScreen


async def test_alt_digits_switch_pages_from_an_input_and_leave_it_unchanged(tui_home: Path, settle) -> None:
    app = make_app(test_mode=True)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        tabs = app.query_one("#tabs", TabbedContent)
        scheduler = app.query_one("#set-scheduler", Input)
        scheduler.focus()
        await pilot.pause()
        scheduler.value = "127.0.0.1:878"
        scheduler.action_end()  # focus selects the whole text; type after it instead
        await pilot.press("4")
        await pilot.pause()
        assert tabs.active == "orchestrate" and scheduler.value == "127.0.0.1:8784"
        await pilot.press("alt+1")
        await pilot.pause()
        assert tabs.active == "project"
        assert scheduler.value == "127.0.0.1:8784"
        for key, tab in (("alt+3", "workflow"), ("alt+4", "analysis"), ("alt+2", "orchestrate")):
            await pilot.press(key)
            await pilot.pause()
            assert tabs.active == tab


async def test_digits_in_the_workflow_editor_are_text_and_alt1_leaves_the_text(tui_home: Path, settle) -> None:
    app = make_app(test_mode=True)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        tabs = app.query_one("#tabs", TabbedContent)
        assert tabs.active == "workflow"
        editor = app.view("workflow").query(TextArea).first()
        editor.focus()
        await pilot.pause()
        text = editor.text
        await pilot.press("1", "2")
        await pilot.pause()
        assert tabs.active == "workflow", "a digit typed into the editor switched the page"
        assert editor.text != text and "12" in editor.text
        typed = editor.text
        await pilot.press("alt+1")
        await pilot.pause()
        assert tabs.active == "project"
        assert editor.text == typed


async def test_ctrl_pageup_and_pagedown_step_through_the_pages(tui_home: Path, settle) -> None:
    app = make_app(test_mode=True)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        tabs = app.query_one("#tabs", TabbedContent)
        app.query_one("#set-workers", Input).focus()
        await pilot.pause()
        seen = []
        for _ in range(4):
            await pilot.press("ctrl+pagedown")
            await pilot.pause()
            seen.append(tabs.active)
        assert seen == ["workflow", "analysis", "project", "orchestrate"]
        await pilot.press("ctrl+pageup")
        await pilot.pause()
        assert tabs.active == "project"


async def test_f8_writes_an_svg_and_shows_its_path(tui_home: Path, tmp_path: Path, settle,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    shots = tmp_path / "shots"
    shots.mkdir()
    monkeypatch.chdir(shots)
    app = make_app(test_mode=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("f8")
        await pilot.pause()
        files = list(shots.glob("*.svg"))
        assert len(files) == 1
        assert files[0].read_text().lstrip().startswith("<svg") and "ORCHESTRATE" in files[0].read_text()
        messages = [n.message for n in app._notifications]
        assert any(str(files[0]) in m for m in messages), messages
        await pilot.press("f8")
        await pilot.pause()
        assert len(list(shots.glob("*.svg"))) == 2


async def test_f1_lists_the_page_switching_keys(tui_home: Path, settle) -> None:
    app = make_app(test_mode=True)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        keys = {binding.key for binding in app.screen._global}
        assert {"alt+1", "alt+2", "alt+3", "alt+4", "ctrl+pageup", "ctrl+pagedown", "f8"} <= keys
