"""ORCHESTRATE drives an AGILab app (agilab:flight_telemetry_project): INSTALL then RUN, the log pane
filling while each operation runs; the page code is the same as for native apps."""

from __future__ import annotations

import time
from pathlib import Path

from textual.widgets import Button, Static

from engine.events import LogLines, OperationFailed, OperationFinished
from tui.app import make_app
from tui.messages import EngineEventMessage
from tui.widgets.log_pane import LogPane

from .agilab_env import processes_under
from .conftest import FLIGHT


async def _settle(pilot) -> None:
    for _ in range(3):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


async def _run_key(pilot, messages: list, key: str, timeout: float = 400.0) -> tuple[object, int]:
    """Press ``key``; return the terminal event and the log pane's line count seen while running."""
    messages.clear()
    await pilot.press(key)
    lines_while_running = 0
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        await pilot.pause(0.2)
        events = [m.event for m in messages if isinstance(m, EngineEventMessage)]
        terminal = [e for e in events if isinstance(e, (OperationFinished, OperationFailed))]
        if terminal:
            await _settle(pilot)
            return terminal[-1], lines_while_running
        if any(isinstance(e, LogLines) for e in events):
            lines_while_running = max(lines_while_running, pilot.app.query_one(LogPane).total_lines)
    raise AssertionError(f"{key}: no terminal event within {timeout} s")


async def test_orchestrate_installs_and_runs_an_agilab_app(flight_installed: dict, agilab_in_process: Path,
                                                          isolated_home: Path, monkeypatch) -> None:
    from engine.facade import Engine
    from engine.workspace import Workspace

    monkeypatch.setenv("AGILAB_TUI_TEST_MODE", "1")
    engine = Engine(Workspace(isolated_home))
    engine.set_active_app(FLIGHT)
    settings = engine.settings(FLIGHT)
    settings.update_cluster(pool=False, cython=False, rapids=False, cluster_enabled=False)
    settings.save()

    messages: list[object] = []
    app = make_app(test_mode=True)
    async with app.run_test(size=(120, 36), message_hook=messages.append) as pilot:
        await _settle(pilot)
        assert app.engine.active_app().name == FLIGHT
        # the args form is built from AGILab's own FlightArgs model, loaded by the AGILab Python
        assert app.query_one("#arg-nfile") and app.query_one("#arg-datemin")
        final, during = await _run_key(pilot, messages, "ctrl+b")
        assert isinstance(final, OperationFinished), getattr(final, "error", final)
        assert final.result["backend"] == "agilab"
        assert during > 0, "the log pane stayed empty while INSTALL ran"
        assert "installed" in str(app.query_one("#install-status", Static).render())
        assert not app.query_one("#btn-run", Button).disabled
        final, during = await _run_key(pilot, messages, "ctrl+r")
        assert isinstance(final, OperationFinished), getattr(final, "error", final)
        assert during > 0, "the log pane stayed empty while RUN ran"
        assert final.result["token"] == "____" and final.result["outputs"]
        assert any("FlightTelemetryWorker" in line for line in app.query_one(LogPane).log.lines)
    assert processes_under(agilab_in_process) == []
