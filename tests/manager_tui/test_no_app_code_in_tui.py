"""The TUI never imports app code: a Pilot session installs, runs and benchmarks an app, and none of the
app's modules is in ``sys.modules`` afterwards. The args form comes from the manager env's schema: before
INSTALL it is a validated TOML editor saying so, list/dict fields get a validated JSON editor."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import tomlkit
from textual.widgets import Button, Input, SelectionList, Static, TextArea

from engine.projects import create_from_template
from engine.workspace import Workspace
from tui.app import make_app
from tui.widgets.args_form import ArgsForm


async def settle(pilot) -> None:
    for _ in range(3):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


def _app_modules(*targets: str) -> list[str]:
    return sorted(m for m in sys.modules if m.split(".")[0] in {t for name in targets for t in (name, f"{name}_worker")})


def _settings(home: Path, app: str) -> dict:
    return tomlkit.parse((home / "settings" / app / "app_settings.toml").read_text()).unwrap()


def _listy_app(home: Path) -> str:
    """A template clone whose model has a list and a dict field."""
    workspace = Workspace(home)
    create_from_template(workspace, "listy")
    app = workspace.app("listy_project")
    args = app.manager_dir / "app_args.py"
    args.write_text(args.read_text().replace(
        '    n_partitions: int = Field(4, ge=1, le=1000, description="Partitions of the range")',
        '    n_partitions: int = Field(4, ge=1, le=1000, description="Partitions of the range")\n'
        '    tags: list[str] = Field(default_factory=lambda: ["a"], description="Free tags")\n'
        '    weights: dict[str, float] = Field(default_factory=dict, description="Per-tag weights")'))
    workspace.write_state(active_app=app.name)
    return app.name


async def test_install_run_and_benchmark_leave_no_app_module_in_the_tui(tmp_path: Path, monkeypatch) -> None:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("AGILAB_TUI_HOME", str(home))
    monkeypatch.setenv("AGILAB_TUI_TEST_MODE", "1")
    name = _listy_app(home)
    before = _app_modules("listy", "flight_telemetry")
    app = make_app(test_mode=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        form = app.query_one(ArgsForm)
        assert form.toml_mode, "no manager env yet: [args] as TOML"
        assert "run INSTALL first" in str(form.query_one("#args-toml-note", Static).render())
        form.query_one("#args-toml", TextArea).text = "n_items = = 3\n"
        form.action_save()
        await settle(pilot)
        assert "invalid TOML" in str(app.query_one("#args-status", Static).render())
        assert _settings(home, name)["args"]["n_items"] == 1000, "nothing written when invalid"

        await pilot.press("ctrl+b")
        await settle(pilot)
        assert "installed" in str(app.query_one("#install-status", Static).render())
        await settle(pilot)
        form = app.query_one(ArgsForm)
        assert not form.toml_mode, "after INSTALL the form comes from the manager env's schema"
        tags = form.query_one("#arg-tags", Input)
        assert json.loads(tags.value) == ["a"]
        tags.value = '["a", '
        await pilot.pause()
        assert "invalid JSON" in str(form.query_one("#arg-err-tags", Static).render())
        tags.value = '{"not": "a list"}'
        await pilot.pause()
        assert "JSON list" in str(form.query_one("#arg-err-tags", Static).render())
        tags.value = '["x", "y"]'
        form.query_one("#arg-weights", Input).value = '{"x": 0.5}'
        form.query_one("#arg-n_items", Input).value = "200"
        await pilot.pause()
        form.action_save()
        await settle(pilot)
        saved = _settings(home, name)["args"]
        assert saved["tags"] == ["x", "y"] and saved["weights"] == {"x": 0.5} and saved["n_items"] == 200

        await pilot.press("ctrl+r")
        await settle(pilot)
        assert "output file(s)" in str(app.query_one("#run-status", Static).render())
        modes = app.query_one("#benchmark-modes", SelectionList)
        modes.deselect_all()
        modes.select(0)
        modes.select(1)
        app.query_one("#btn-benchmark", Button).press()
        await settle(pilot)
        assert (home / "log" / "execute" / "listy" / "benchmark.json").exists()
    assert _app_modules("listy", "flight_telemetry") == before == []
