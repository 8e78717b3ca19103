"""The Service panel on the real service engine: START, live health rows, HEALTH gate, hide/show, STOP."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cluster_tui_helpers import settle, wait_until

from engine.facade import Engine
from engine.service import build_config, stop_service
from engine.service.state import pid_alive, read_state
from engine.workspace import Workspace
from tui.app import make_app
from tui.orchestrate.service_panel import COLUMNS, ServiceSection

pytestmark = [pytest.mark.slow]
APP = "minimal_app"


def table_rows(section: ServiceSection) -> list[dict[str, str]]:
    table = section.query_one("#service-health")
    return [dict(zip(COLUMNS, (str(c) for c in table.get_row(key)), strict=True)) for key in table.rows]


async def test_service_start_health_rows_gate_then_stop(isolated_home: Path):
    engine = Engine(Workspace(isolated_home))
    engine.set_active_app(APP)
    settings = engine.settings(APP)
    settings.update_cluster(cluster_enabled=False, workers={"127.0.0.1": 2})
    settings.save()
    config = build_config(engine.workspace, engine.app(APP), engine.settings(APP))
    app = make_app(test_mode=True)
    try:
        async with app.run_test(size=(120, 36)) as pilot:
            await settle(pilot)
            view = app.view("orchestrate")
            view.show_section("service")
            section = view.query_one(ServiceSection)
            await settle(pilot)
            assert section.report is not None and section.report.status == "stopped"  # asked when first shown
            assert not section.polling and table_rows(section) == []

            section.query_one("#btn-service-start").focus()
            await pilot.press("s")
            await wait_until(pilot, lambda: section.pending_action == "" and section.report
                             and section.report.action == "start", "START to return")
            await pilot.pause()
            state = read_state(config.state_path)
            assert state["status"] == "running"
            rows = table_rows(section)
            assert sorted(r["worker"] for r in rows) == sorted(section.report.payload["workers_running"])
            assert len(rows) == 2 and all(r["future_state"] == "pending" for r in rows)
            assert section.polling  # shown and running: the table refreshes by itself

            polls = section.polls
            await wait_until(pilot, lambda: section.polls > polls and all(
                r["healthy"] == "✓ yes" for r in table_rows(section)), "a live refresh with healthy loops")
            assert {r["heartbeat_state"] for r in table_rows(section)} != {"missing"}

            await pilot.press("h")
            await wait_until(pilot, lambda: section.pending_action == "" and section.report.action == "health",
                             "the HEALTH gate")
            gate = str(section.query_one("#service-gate").content)
            assert gate.startswith("gate exit 0 (ok)")
            path = str(section.query_one("#service-path").content)
            assert path == "health.json: $AGILAB_TUI_HOME/data/service/minimal_app/health.json"
            assert json.loads(config.health_path.read_text())["schema"] == "agi.service.health.v1"

            view.show_section("run")  # hidden: the refresh stops
            await pilot.pause()
            assert not section.polling
            polls = section.polls
            view.show_section("service")  # shown again: asks once, then refreshes while running
            await wait_until(pilot, lambda: section.polls > polls and section.polling, "refresh after showing again")

            section.query_one("#btn-service-stop").focus()
            await pilot.press("x")
            await wait_until(pilot, lambda: section.pending_action == "" and section.report.action == "stop",
                             "STOP to return")
            await pilot.pause()
            assert section.report.status == "stopped" and not section.polling and table_rows(section) == []
            assert str(section.query_one("#service-gate").content).startswith("gate exit 4 (idle and allow_idle")
            workers = read_state(config.state_path)["local_worker_pids"]
            assert workers and not any(pid_alive(p) for p in workers)
            assert not pid_alive(state["owner_pid"])
    finally:
        await stop_service(config)
