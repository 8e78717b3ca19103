"""SVG snapshots of the Runs section and the compare screen at 120x36 and 80x24.

The records are fixed manifests (runs_helpers.write_fixed_records), so ids, times, seconds, rows and
deltas are all on screen and identical from run to run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from runs_helpers import settle, write_fixed_records

from engine.workspace import Workspace
from tui.app import make_app

SIZES = [pytest.param((120, 36), id="120x36"), pytest.param((80, 24), id="80x24")]


async def _runs(pilot: Any) -> None:
    await settle(pilot)
    await pilot.press("4")
    await settle(pilot)
    view = pilot.app.view("analysis")
    view.show_section("records")
    view.query_one("#records-table").focus()
    await settle(pilot)


async def _compare(pilot: Any) -> None:
    await _runs(pilot)
    table = pilot.app.view("analysis").query_one("#records-table")
    table.move_cursor(row=3)  # the oldest run: A
    await settle(pilot)
    await pilot.press("b")
    table.move_cursor(row=2)  # the run with more points per aircraft: B
    await settle(pilot)
    await pilot.press("c")
    await settle(pilot)


async def _plot(pilot: Any) -> None:
    await _runs(pilot)
    pilot.app.view("analysis").query_one("#records").plot_metric("seconds")
    await settle(pilot)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("drive", [_runs, _compare, _plot], ids=["runs", "compare", "plot"])
def test_runs_snapshot(drive: Any, size: tuple[int, int], home: Path, snap_compare: Any) -> None:
    write_fixed_records(Workspace(home))
    assert snap_compare(make_app(test_mode=True), run_before=drive, terminal_size=size)
