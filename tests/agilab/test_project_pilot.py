"""PROJECT lists AGILab apps and adds a folder of AGILab projects from the command palette's action."""

from __future__ import annotations

import shutil
from pathlib import Path

from textual.widgets import Input, OptionList, Static

from tui.app import make_app
from tui.widgets.dialogs import PromptScreen

from .conftest import FLIGHT


async def _settle(pilot) -> None:
    for _ in range(3):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


def _apps(app) -> list[str]:
    options = app.query_one("#project-apps", OptionList)
    return [str(options.get_option_at_index(i).id) for i in range(options.option_count)]


async def test_project_lists_agilab_apps_and_adds_a_folder(agilab_in_process: Path, agilab_python: Path,
                                                           isolated_home: Path, tmp_path: Path, monkeypatch) -> None:
    from engine.workspace import Workspace

    monkeypatch.setenv("AGILAB_TUI_TEST_MODE", "1")
    flight = next(a for a in Workspace(isolated_home).apps() if a.name == FLIGHT)
    folder = tmp_path / "team_apps"
    shutil.copytree(flight.path / "src", folder / "radar_project" / "src",
                    ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    app = make_app(test_mode=True)
    async with app.run_test(size=(120, 36)) as pilot:
        await _settle(pilot)
        await pilot.press("1")
        await _settle(pilot)
        assert FLIGHT in _apps(app) and "flight_telemetry_project" in _apps(app)
        app.view("project").action_add_agilab_apps()
        await pilot.pause()
        assert isinstance(app.screen, PromptScreen)
        app.screen.query_one(Input).value = str(folder)
        await pilot.press("enter")
        await _settle(pilot)
        assert "agilab:radar_project" in _apps(app)
        assert "AGILab apps added: agilab:radar_project" in str(app.query_one("#project-message", Static).content)
    assert str(folder) in Workspace(isolated_home).read_state()["agilab_apps_paths"]
