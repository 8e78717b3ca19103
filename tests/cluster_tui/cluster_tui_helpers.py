"""Helpers shared by the cluster TUI tests (a plain module: conftest.py only re-exports fixtures)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

FLIGHT = "flight_telemetry_project"
ROW_COLUMNS = ("status", "host", "step", "seconds", "reason")


async def settle(pilot: Any) -> None:
    """Wait for every worker (engine calls, operations), then for the messages they posted."""
    for _ in range(3):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


async def wait_until(pilot: Any, predicate: Callable[[], Any], what: str, timeout: float = 180.0,
                     on_tick: Callable[[], None] | None = None) -> Any:
    """Let the app run until ``predicate()`` is truthy; the deadline only guards against a hang."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if on_tick is not None:
            on_tick()
        value = predicate()
        if value:
            return value
        await pilot.pause(0.05)
        await asyncio.sleep(0)
    raise AssertionError(f"gave up waiting for {what}")


def host_rows(app: Any) -> dict[str, dict[str, str]]:
    """The Hosts table as shown: host -> {status, host, step, seconds, reason}."""
    table = app.view("orchestrate").query_one("#host-table")
    rows = {}
    for row_key in table.rows:
        cells = table.get_row(row_key)
        rows[str(row_key.value)] = dict(zip(ROW_COLUMNS, (str(c) for c in cells), strict=True))
    return rows


def configure(engine: Any, app_name: str, workers: dict[str, int], **cluster: Any) -> None:
    settings = engine.settings(app_name)
    settings.update_cluster(**cluster)
    settings.set_workers(workers)
    settings.save()
