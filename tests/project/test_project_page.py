"""PROJECT page driven by keys through Pilot, on the real engine and real files."""

from __future__ import annotations

import zipfile
from pathlib import Path

from project_helpers import settle
from textual.widgets import Input, OptionList, Static, TextArea

from engine.workspace import Workspace
from tui.app import make_app
from tui.project.editor import ProjectEditor
from tui.project.health import HealthCards
from tui.widgets.dialogs import ConfirmScreen, PromptScreen


def _message(app) -> str:  # type: ignore[no-untyped-def]
    return str(app.query_one("#project-message", Static).content)


def _apps(app) -> list[str]:  # type: ignore[no-untyped-def]
    options = app.query_one("#project-apps", OptionList)
    return [str(options.get_option_at_index(i).id) for i in range(options.option_count)]


async def _type(pilot, text: str) -> None:  # type: ignore[no-untyped-def]
    pilot.app.screen.query_one(Input).value = text
    await pilot.press("enter")
    await settle(pilot)


async def _show_project(pilot) -> None:  # type: ignore[no-untyped-def]
    await settle(pilot)  # a key pressed before the first refresh can be lost
    await pilot.press("1")
    await settle(pilot)
    assert pilot.app.query_one("#tabs").active == "project"


async def _highlight(pilot, name: str) -> None:  # type: ignore[no-untyped-def]
    options = pilot.app.query_one("#project-apps", OptionList)
    options.highlighted = _apps(pilot.app).index(name)
    options.focus()
    await pilot.pause()


async def test_select_create_rename_export_delete_import(home: Path) -> None:
    workspace = Workspace(home)
    app = make_app(test_mode=True)
    async with app.run_test(size=(120, 36)) as pilot:
        await _show_project(pilot)
        assert _apps(app)[:3] == ["execution_pandas_project", "flight_telemetry_project", "minimal_app_project"]
        await _highlight(pilot, "minimal_app_project")
        await pilot.press("enter")  # activate
        await settle(pilot)
        assert workspace.read_state()["active_app"] == "minimal_app_project"

        await pilot.press("ctrl+n")
        assert isinstance(app.screen, PromptScreen)
        await _type(pilot, "pilot_app")
        assert "Created pilot_app_project from minimal_app_project: renamed" in _message(app)
        assert workspace.active_app_name == "pilot_app_project" and "pilot_app_project" in _apps(app)

        await _highlight(pilot, "pilot_app_project")
        await pilot.press("f2")
        await _type(pilot, "pilot_two")
        assert "Renamed pilot_app_project to pilot_two_project: renamed" in _message(app)
        assert (home / "projects" / "pilot_two_project" / "src" / "pilot_two_worker").is_dir()

        await _highlight(pilot, "pilot_two_project")
        await pilot.press("f6")
        await settle(pilot)
        archive = home / "export" / "apps-zip" / "pilot_two_project.zip"
        assert zipfile.is_zipfile(archive) and "Exported pilot_two_project" in _message(app)

        await pilot.press("f7")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("enter")  # focus starts on Cancel: nothing is deleted
        await settle(pilot)
        assert (home / "projects" / "pilot_two_project").is_dir()
        await pilot.press("f7")
        await pilot.click("#confirm-yes")
        await settle(pilot)
        assert not (home / "projects" / "pilot_two_project").exists()
        assert workspace.active_app_name == "flight_telemetry_project"

        await pilot.press("f4")
        await settle(pilot)
        assert isinstance(app.screen, PromptScreen)
        app.screen.query_one("#prompt-choices", OptionList).focus()
        await pilot.press("enter")  # the listed archive
        await settle(pilot)
        assert "Imported pilot_two_project" in _message(app)
        assert workspace.active_app_name == "pilot_two_project"

        await pilot.press("f4")
        await settle(pilot)
        await _type(pilot, str(archive))
        assert isinstance(app.screen, ConfirmScreen)  # it exists now: overwrite asks first
        await pilot.click("#confirm-yes")
        await settle(pilot)
        assert "Replaced pilot_two_project" in _message(app)

    restarted = make_app(test_mode=True)  # the active app is remembered across restarts
    async with restarted.run_test(size=(120, 36)) as pilot:
        await _show_project(pilot)
        options = restarted.query_one("#project-apps", OptionList)
        assert str(options.get_option_at_index(options.highlighted or 0).prompt) == "● pilot_two_project"
        assert restarted.query_one("#status-line").app_name == "pilot_two_project"  # type: ignore[attr-defined]


async def test_bad_archive_and_bundled_delete_are_refused(home: Path, tmp_path: Path) -> None:
    bad = tmp_path / "evil.zip"
    with zipfile.ZipFile(bad, "w") as archive:
        archive.writestr("evil_project/src/app_settings.toml", "[args]\n")
        archive.writestr("evil_project/../../pwned.txt", "x")
    app = make_app(test_mode=True)
    async with app.run_test(size=(120, 36)) as pilot:
        await _show_project(pilot)
        await pilot.press("f4")
        await settle(pilot)
        await _type(pilot, str(bad))
        assert "refused: entry 'evil_project/../../pwned.txt' would be written outside" in _message(app)
        assert not list((home / "projects").iterdir())
        await _highlight(pilot, "flight_telemetry_project")
        await pilot.press("f7")
        await pilot.click("#confirm-yes")
        await settle(pilot)
        assert "bundled app and cannot be deleted" in _message(app)


async def test_health_cards_and_editor_save(home: Path) -> None:
    from engine.projects import create_from_template

    create_from_template(Workspace(home), "edit_me")
    Workspace(home).write_state(active_app="edit_me_project")
    app = make_app(test_mode=True)
    async with app.run_test(size=(120, 36)) as pilot:
        await _show_project(pilot)
        health = app.query_one(HealthCards).plain
        assert "Worker env" in health and "agilab-tui install edit_me_project" in health
        assert "Manager env" in health  # INSTALL builds both environments; neither exists yet
        assert str(home) not in health  # redacted in test mode
        assert app.query_one(HealthCards).border_subtitle == "2 failing"

        await pilot.press("ctrl+t")
        editor = app.query_one(ProjectEditor)
        editor.query_one("#editor-file").value = "manager"
        await settle(pilot)
        path = home / "projects" / "edit_me_project" / "src" / "edit_me" / "edit_me.py"
        original = path.read_text("utf-8")
        area = editor.query_one(TextArea)
        assert area.text == original and area.language == "python" and not area.read_only
        area.load_text("def broken(:\n")
        await pilot.press("ctrl+s")
        await settle(pilot)
        status = str(editor.query_one("#editor-status", Static).content)
        assert "edit_me.py, line 1: Python syntax error" in status and path.read_text("utf-8") == original
        area.load_text(original + "\nEXTRA = 1\n")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert path.read_text("utf-8").endswith("EXTRA = 1\n")
        assert "Saved $AGILAB_TUI_HOME/projects/edit_me_project" in str(editor.query_one("#editor-status", Static).content)

        area.insert("# unsaved\n", (0, 0))
        editor.query_one("#editor-file").value = "readme"
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("enter")  # Cancel: the edits stay
        await settle(pilot)
        assert area.text.startswith("# unsaved") and editor.query_one("#editor-file").value == "manager"


async def test_create_from_notebook_and_palette(home: Path, tmp_path: Path) -> None:
    import nbformat

    notebook = tmp_path / "nb.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")]), notebook)
    app = make_app(test_mode=True)
    async with app.run_test(size=(120, 36)) as pilot:
        await _show_project(pilot)
        titles = [c.title for c in app.view("project").palette_commands()]  # type: ignore[union-attr]
        assert {"project: create from template", "project: create from notebook", "project: import archive",
                "project: export archive", "project: rename", "project: delete"} <= set(titles)
        await pilot.press("f3")
        await _type(pilot, str(notebook))
        await _type(pilot, "from_nb")
        assert "Created from_nb_project from nb.ipynb: 1 WORKFLOW stage(s)" in _message(app)
        assert (home / "projects" / "from_nb_project" / "lab_stages.toml").is_file()
