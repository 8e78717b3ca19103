"""WORKFLOW page tests: the real app and engine on the per-test AGILAB_TUI_HOME, with real stages files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot

from tui.app import AgilabApp, make_app

MODULE = "flight_telemetry"
"""Module key of the default active app (``flight_telemetry_project``)."""


@pytest.fixture(autouse=True)
def _isolated_tracking_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """A developer's own MLflow settings must not leak into the runs under test."""
    for name in ("MLFLOW_TRACKING_URI", "MLFLOW_RUN_ID", "AGILAB_TRACKING", "MLFLOW_EXPERIMENT_NAME",
                 "MLFLOW_EXPERIMENT_ID"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def lab_file(isolated_home: Path) -> Path:
    """Where the page reads and writes the active app's stages."""
    return isolated_home / "export" / MODULE / "lab_stages.toml"


@pytest.fixture
def write_lab(lab_file: Path) -> Callable[[str], Path]:
    def write(text: str) -> Path:
        lab_file.parent.mkdir(parents=True, exist_ok=True)
        lab_file.write_text(text, encoding="utf-8")
        return lab_file

    return write


@pytest.fixture
def app() -> AgilabApp:
    return make_app(test_mode=True)


async def settle(pilot: Pilot[None], rounds: int = 20) -> None:
    """Wait until engine calls, runs and the messages they post have all been handled."""
    app = pilot.app
    for _ in range(rounds):
        await app.workers.wait_for_complete()
        await pilot.pause()
        if not any(w.is_running for w in app.workers):
            await pilot.pause()
            if not any(w.is_running for w in app.workers):
                return


async def open_workflow(pilot: Pilot[None]) -> object:
    """Show the WORKFLOW tab and wait until its lab is loaded; returns the view."""
    from tui.workflow.screen import WorkflowView

    app = pilot.app
    await settle(pilot)  # start-up first: the App focuses its default tab once the first frame is painted
    app.action_show_tab("workflow")  # type: ignore[attr-defined]
    await pilot.pause()
    await settle(pilot)
    view = app.query_one(WorkflowView)
    assert view.lab is not None, "the lab did not load"
    return view


async def wait_for(pilot: Pilot[None], condition: Callable[[], bool], *, rounds: int = 600) -> None:
    """Let the app run until ``condition()`` holds (bounded, so a broken feature fails instead of hanging)."""
    for _ in range(rounds):
        if condition():
            return
        await pilot.pause(0.05)
    raise AssertionError("condition never became true")


SEED_LAB = """\
# the team's lab
flight_telemetry = [
  { D = "Seed data", Q = "", M = "", C = "import pandas as pd\\ndf = pd.DataFrame({'a': [1, 2, 3], 'b': ['x', 'y', 'z']})\\n", R = "runpy", E = "", custom_key = "keep me" },
  { D = "Double a", Q = "double it", M = "", C = "df['a'] = df['a'] * 2\\n", R = "runpy", E = "" },
]

[__meta__]
schema = "agilab.lab_stages.v1"
version = 1
"""
"""Two raw stages: the first makes ``df``, the second doubles column ``a``; one unknown key to keep."""


async def press_button(pilot: Pilot[None], selector: str) -> None:
    """Press a button on the current screen as a click would, then let the app react."""
    from textual.widgets import Button

    pilot.app.screen.query_one(selector, Button).press()
    await pilot.pause()
    await pilot.pause()


async def wait_for_screen(pilot: Pilot[None], screen_type: type) -> None:
    """Wait until a screen of ``screen_type`` is on top (dialogs are pushed from message handlers)."""
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, screen_type))
