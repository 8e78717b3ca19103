"""The shell (tabs, keys, palette, help, status line) and the controls that only write settings."""

from __future__ import annotations

from pathlib import Path

import tomlkit
from textual.widgets import Input, Select, Static, Switch, TabbedContent
from tui_helpers import broken_app, new_app

from tui.help import HelpScreen
from tui.widgets.args_form import ArgsForm
from tui.widgets.status_line import StatusLine


def settings_of(home: Path, app: str = "flight_telemetry_project") -> dict:
    return tomlkit.parse((home / "settings" / app / "app_settings.toml").read_text()).unwrap()


async def test_tabs_switch_with_digits_and_palette_lists_every_page(tui_home: Path, settle) -> None:
    app = new_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        tabs = app.query_one("#tabs", TabbedContent)
        assert tabs.active == "orchestrate"
        for key, tab in (("3", "workflow"), ("1", "project"), ("4", "analysis"), ("2", "orchestrate")):
            await pilot.press(key)
            await pilot.pause()
            assert tabs.active == tab
        titles = [command.title for command in app.get_system_commands(app.screen)]
        for tab in ("project", "orchestrate", "workflow", "analysis"):
            assert f"go: {tab}" in titles
        for title in ("run: install", "run: start", "run: cancel", "distribute: check", "args: save",
                      "notebook: export", "data: export csv", "snippet: copy run"):
            assert title in titles
        assert all(": " in title for title in titles if title[0].islower())


async def test_digits_typed_into_an_input_stay_in_the_input(tui_home: Path, settle) -> None:
    app = new_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        scheduler = app.query_one("#set-scheduler", Input)
        scheduler.focus()
        scheduler.value = ""
        await pilot.press("1", "2", "3")
        assert scheduler.value == "123"
        assert app.query_one("#tabs", TabbedContent).active == "orchestrate"


async def test_f1_lists_the_keys_of_the_current_page(tui_home: Path, settle) -> None:
    app = new_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        ids = {binding.id for binding in app.screen._page}
        assert {"orchestrate.run", "orchestrate.install", "orchestrate.cancel", "log.follow",
                "snippet.copy", "workplan.move"} <= ids
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_switches_write_cluster_settings_and_update_mode(tui_home: Path, settle) -> None:
    app = new_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        app.query_one("#set-pool", Switch).focus()
        await pilot.press("enter")
        await settle(pilot)
        assert settings_of(tui_home)["cluster"]["pool"] is True
        assert "1: pool" in str(app.query_one("#mode-label", Static).render())
        assert app.query_one(StatusLine).mode_label == "1: pool"
        assert "mode = 1" in app.query_one("#snippet-run").code.replace("RUN_MODE", "mode")


async def test_worker_map_and_scheduler_errors_show_inline_and_write_nothing(tui_home: Path, settle) -> None:
    app = new_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        workers = app.query_one("#set-workers", Input)
        workers.value = "127.0.0.1=two"
        await pilot.pause()
        assert "slots must be a whole number" in str(app.query_one("#err-workers", Static).render())
        assert settings_of(tui_home)["cluster"]["workers"] == {"127.0.0.1": 2}
        workers.value = "127.0.0.1=1, 10.0.0.7=3"
        await settle(pilot)
        assert str(app.query_one("#err-workers", Static).render()) == ""
        assert settings_of(tui_home)["cluster"]["workers"] == {"127.0.0.1": 1, "10.0.0.7": 3}
        scheduler = app.query_one("#set-scheduler", Input)
        scheduler.value = "127.0.0.1:99999"
        await pilot.pause()
        assert "port" in str(app.query_one("#err-scheduler", Static).render())
        assert settings_of(tui_home)["cluster"]["scheduler"] == "127.0.0.1:8786"
        app.query_one("#set-verbose", Select).value = 3
        await settle(pilot)
        assert settings_of(tui_home)["cluster"]["verbose"] == 3


async def test_args_form_is_generated_from_the_model_and_validates(tui_home: Path, settle) -> None:
    from engine.manager_env import install_manager_env_op
    from engine.workspace import Workspace

    workspace = Workspace(tui_home)  # the form comes from the schema the app's manager env returns
    await install_manager_env_op(workspace, workspace.app("flight_telemetry_project")).wait()
    app = new_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        form = app.query_one(ArgsForm)
        assert isinstance(form.query_one("#arg-reset_target"), Switch)
        assert isinstance(form.query_one("#arg-output_format"), Select)
        assert isinstance(form.query_one("#arg-nfile"), Input)
        points = form.query_one("#arg-synthetic_points", Input)
        points.value = "1"
        await pilot.pause()
        assert "greater than or equal to 2" in str(form.query_one("#arg-err-synthetic_points", Static).render())
        form.action_save()
        await settle(pilot)
        assert settings_of(tui_home)["args"]["synthetic_points"] == 1200
        points.value = "600"
        form.query_one("#arg-output_format", Select).value = "csv"
        await pilot.pause()
        app.query_one("#btn-save-args").press()
        await settle(pilot)
        args = settings_of(tui_home)["args"]
        assert args["synthetic_points"] == 600 and args["output_format"] == "csv"
        assert "✓ saved" in str(app.query_one("#args-status", Static).render())


async def test_failed_install_keeps_run_disabled_with_the_reason(tui_home: Path, settle) -> None:
    from engine.facade import Engine

    Engine().set_active_app(broken_app(tui_home))
    app = new_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+b")
        await settle(pilot)
        assert app.query_one("#btn-run").disabled
        status = str(app.query_one("#install-status", Static).render())
        assert "install failed" in status and "worker package folder not found" in status
        assert "install failed" in str(app.query_one("#run-status", Static).render())
        # The args section says why it has no form (the manager env comes with a successful INSTALL).
        args_status = str(app.query_one("#args .status-text", Static).render())
        assert "manager environment is not installed" in args_status and "run INSTALL first" in args_status


async def test_a_page_asked_for_while_the_app_shuts_down_is_none(tui_home: Path, settle) -> None:
    # A TabActivated handled after the screens are gone asked for a page and raised IndexError at exit.
    app = new_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        assert app.view("orchestrate") is not None
    assert not app.screen_stack
    assert app.view("orchestrate") is None


async def test_a_page_key_right_after_a_focus_move_is_not_pulled_back_by_the_late_focus_message(
        tui_home: Path, settle) -> None:
    """Startup focuses ORCHESTRATE's section list, and its pane tells the tabs so in a message of its own;
    alt+1 handled before that message came showed PROJECT for a moment, then ORCHESTRATE again for good
    (seen in tmux, on a cold start). The late message must not take the page back."""
    app = new_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        tabs = app.query_one("#tabs", TabbedContent)
        await pilot.press("alt+3")
        await pilot.pause()
        assert tabs.active == "workflow"
        for target in ("orchestrate", "project", "analysis"):
            # A focus move and the key in one step, as when both wait in the queues at the same time.
            other = next(widget for widget in app.query_one("#workflow").query("*")
                         if widget.focusable and widget.display and widget is not app.focused)
            app.set_focus(other)
            app.action_go_tab(target)
            await pilot.pause()
            await pilot.pause()
            assert tabs.active == target
            assert tabs.query_one("ContentSwitcher").current == target
            assert app.focused is not None and app.query_one(f"#{target}") in app.focused.ancestors
            await pilot.press("alt+3")
            await pilot.pause()
