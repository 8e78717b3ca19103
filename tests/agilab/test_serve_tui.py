"""ORCHESTRATE's Service section drives an AGILab app (agilab:flight_telemetry_project) as it drives a native
one: START from the page, the status line and worker-loop table show it running and healthy, the HEALTH
gate passes, the log pane fills while it starts and while it runs (the supervisor's log, worker loops
included), STOP from the command palette, and afterwards no supervisor, Dask scheduler or worker is left.

Real AGILab (pinned), real Dask, real processes; nothing is mocked.
"""

from __future__ import annotations

import time
from functools import partial
from pathlib import Path

from textual.widgets import Static

from engine.events import LogLines
from tests.cluster_tui.cluster_tui_helpers import settle, wait_until
from tui.app import make_app
from tui.messages import EngineEventMessage
from tui.orchestrate.service_panel import COLUMNS, ServiceSection
from tui.widgets.log_pane import LogPane

from .agilab_env import cli, processes_left, processes_under
from .conftest import FLIGHT

WORKERS = 2  # AGILab's flight app settings: {"127.0.0.1": 2}
_wait = partial(wait_until, timeout=240.0)  # the bound these tests had; AGILab starts Dask per service


def _rows(section: ServiceSection) -> list[dict[str, str]]:
    table = section.query_one("#service-health")
    return [dict(zip(COLUMNS, (str(c) for c in table.get_row(key)), strict=True)) for key in table.rows]


def _text(section: ServiceSection, selector: str) -> str:
    return str(section.query_one(selector, Static).content)


def _is_service(line: str) -> bool:
    return "dask scheduler" in line or "dask worker" in line or "AGI_serve_" in line


def _service_processes(home: Path) -> list[str]:
    return [line for line in processes_under(home) if _is_service(line)]


def _wait_gone(home: Path, wait: float = 20.0) -> list[str]:
    return processes_left(home, wait, keep=_is_service)


def _local_flight_engine(home: Path):
    """An engine on ``home`` with the AGILab flight app active and its service run locally, one process."""
    from engine.facade import Engine
    from engine.workspace import Workspace

    engine = Engine(Workspace(home))
    engine.set_active_app(FLIGHT)
    settings = engine.settings(FLIGHT)
    settings.update_cluster(pool=False, cython=False, rapids=False, cluster_enabled=False)
    settings.save()
    return engine


async def test_orchestrate_starts_watches_and_stops_an_agilab_service(
        flight_installed: dict, agilab_in_process: Path, agilab_cli_env: dict[str, str], isolated_home: Path,
        monkeypatch) -> None:
    monkeypatch.setenv("AGILAB_TUI_TEST_MODE", "1")
    engine = _local_flight_engine(isolated_home)
    assert _service_processes(agilab_in_process) == [], "a service of an earlier test is still running"

    messages: list[object] = []
    app = make_app(test_mode=True)
    try:
        async with app.run_test(size=(120, 36), message_hook=messages.append) as pilot:
            await settle(pilot)
            assert app.engine.active_app().name == FLIGHT
            view = app.view("orchestrate")
            view.show_section("service")
            section = view.query_one(ServiceSection)
            # shown: it asks AGILab once whether a service runs (none does)
            asked = time.perf_counter()
            await _wait(pilot, lambda: section.report is not None, "the first STATUS")
            print(f"first STATUS (no service: a one-shot AGILab process): {time.perf_counter() - asked:.1f} s")
            assert section.report.status == "idle" and not section.polling, section.report.payload
            assert _rows(section) == []

            titles = {c.title for c in app.get_system_commands(app.screen)}
            assert {"service: start", "service: status", "service: health gate", "service: stop"} <= titles

            # START from the page (its key); the log pane fills while AGILab starts the service
            pane = app.query_one(LogPane)
            lines_while_starting = 0

            def watch_start() -> None:
                nonlocal lines_while_starting
                if view.current is not None and any(isinstance(m, EngineEventMessage) and
                                                     isinstance(m.event, LogLines) for m in messages):
                    lines_while_starting = max(lines_while_starting, pane.total_lines)

            messages.clear()
            section.query_one("#btn-service-start").focus()
            started = time.perf_counter()
            await pilot.press("s")
            assert section.pending_action == "start" and view.current is not None and view.current.kind == "serve"
            await _wait(pilot, lambda: section.pending_action == "" and section.report.action == "start",
                        "START to return", on_tick=watch_start)
            start_seconds = time.perf_counter() - started
            print(f"service START from the page: {start_seconds:.1f} s")
            report = section.report
            assert report.status == "running", (report.payload, _text(section, "#service-status"))
            assert _text(section, "#service-status").startswith("● running")
            assert lines_while_starting > 0, "the log pane stayed empty while START ran"
            assert any("Service loops started" in line for line in pane.log.lines)
            assert section.polling
            running = _service_processes(agilab_in_process)
            assert any("dask scheduler" in line for line in running), running
            assert sum("dask worker" in line for line in running) >= WORKERS, running
            assert any("AGI_serve_" in line for line in running), running  # the supervisor outlived START

            # the live refresh: every worker loop beats and shows healthy in the table and the status line
            await _wait(pilot, lambda: len(_rows(section)) == WORKERS and all(
                r["healthy"] == "✓ yes" for r in _rows(section)), "both worker loops healthy in the table")
            payload = section.report.payload
            assert payload["schema"] == "agi.service.health.v1" and payload["target"] == "flight_telemetry"
            assert payload["workers_running_count"] == payload["workers_healthy_count"] == WORKERS, payload
            assert sorted(r["worker"] for r in _rows(section)) == sorted(payload["workers_running"])
            assert f"healthy {WORKERS} · unhealthy 0" in _text(section, "#service-status")
            # ... and the service's own log (the worker loops') keeps filling the pane while it runs
            await _wait(pilot, lambda: any("entering service loop" in line for line in pane.log.lines),
                        "the worker loops' lines in the log pane", timeout=30)

            # HEALTH gate from its button
            await pilot.click("#btn-service-health")
            await _wait(pilot, lambda: section.pending_action == "" and section.report.action == "health",
                        "the HEALTH gate")
            assert _text(section, "#service-gate").startswith("gate exit 0 (ok)"), _text(section, "#service-gate")
            assert _text(section, "#service-path").endswith("service/flight_telemetry/health.json")

            # STOP from the command palette's entry
            stop = next(c for c in app.get_system_commands(app.screen) if c.title == "service: stop")
            started = time.perf_counter()
            stop.callback()
            await pilot.pause()
            assert section.pending_action == "stop"
            await _wait(pilot, lambda: section.pending_action == "" and section.report.action == "stop",
                        "STOP to return")
            stop_seconds = time.perf_counter() - started
            print(f"service STOP from the palette: {stop_seconds:.1f} s")
            assert section.report.status == "stopped", section.report.payload
            assert _text(section, "#service-status").startswith("● stopped")
            assert _rows(section) == [] and not section.polling
            assert _text(section, "#service-gate").startswith("gate exit 4 (idle and allow_idle")
            assert any("AGILab service stopped; supervisor exits" in line for line in pane.log.lines)
            kinds = [r.kind for r in engine.runs(FLIGHT)[:2]]
            assert sorted(kinds) == ["service-start", "service-stop"], kinds
            await settle(pilot)
        assert _wait_gone(agilab_in_process) == []
    finally:
        if _service_processes(agilab_in_process):  # a failed assertion must not strand the service
            cli(agilab_cli_env, "serve", FLIGHT, "stop", "--json", timeout=300)


async def test_escape_cancels_an_agilab_service_start_from_the_page(
        flight_installed: dict, agilab_in_process: Path, agilab_cli_env: dict[str, str], isolated_home: Path,
        monkeypatch) -> None:
    monkeypatch.setenv("AGILAB_TUI_TEST_MODE", "1")
    engine = _local_flight_engine(isolated_home)
    assert _service_processes(agilab_in_process) == [], "a service of an earlier test is still running"

    app = make_app(test_mode=True)
    try:
        async with app.run_test(size=(120, 36)) as pilot:
            await settle(pilot)
            view = app.view("orchestrate")
            view.show_section("service")
            section = view.query_one(ServiceSection)
            await _wait(pilot, lambda: section.report is not None, "the first STATUS")
            pane = app.query_one(LogPane)
            section.query_one("#btn-service-start").focus()
            await pilot.press("s")
            # the supervisor is up and AGILab is starting Dask: the moment a cancel must clean up
            await _wait(pilot, lambda: any("Starting worker" in line for line in pane.log.lines),
                        "AGILab starting its workers")
            assert any("AGI_serve_" in line for line in _service_processes(agilab_in_process))
            await pilot.press("escape")
            await _wait(pilot, lambda: section.pending_action == "" and view.current is None, "the cancelled START")
            assert "serve cancelled" in _text(section, "#service-status"), _text(section, "#service-status")
            assert _wait_gone(agilab_in_process) == []
            # the section still answers: nothing runs
            section.action_service("status")
            await _wait(pilot, lambda: section.pending_action == "" and section.report.action == "status",
                        "STATUS after the cancel")
            assert section.report.status == "idle", section.report.payload
            newest_start = next(r for r in engine.runs(FLIGHT) if r.kind == "service-start")  # newest first
            assert newest_start.status == "cancelled", newest_start
            await settle(pilot)
        assert _wait_gone(agilab_in_process) == []
    finally:
        if _service_processes(agilab_in_process):
            cli(agilab_cli_env, "serve", FLIGHT, "stop", "--json", timeout=300)
