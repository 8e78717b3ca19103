"""SVG snapshots of the ANALYSIS page (explorer, histogram, MLflow runs) at 120x36 and 80x24."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from analysis_helpers import make_runs, write_outputs
from textual.widgets import Select

from engine.workspace import Workspace
from tui.app import make_app

SIZES = [pytest.param((120, 36), id="120x36"), pytest.param((80, 24), id="80x24")]


async def settle(pilot: Any) -> None:
    for _ in range(4):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


async def _explorer(pilot: Any) -> None:
    await settle(pilot)  # a key pressed before the first refresh can be lost
    await pilot.press("4")
    await settle(pilot)
    assert pilot.app.query_one("#tabs").active == "analysis"


async def _histogram(pilot: Any) -> None:
    await _explorer(pilot)
    view = pilot.app.view("analysis")
    view.plot("histogram")
    view.query_one("#plot-x", Select).value = "speed"
    await settle(pilot)


async def _runs(pilot: Any) -> None:
    await _explorer(pilot)
    pilot.app.view("analysis").show_section("runs")
    pilot.app.view("analysis").query_one("#runs-table").focus()
    await settle(pilot)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("drive", [_explorer, _histogram, _runs], ids=["explorer", "histogram", "runs"])
def test_analysis_snapshot(drive: Any, size: tuple[int, int], home: Path, snap_compare: Any) -> None:
    workspace = Workspace(home)
    write_outputs(workspace)
    make_runs(workspace)
    assert snap_compare(make_app(test_mode=True), run_before=drive, terminal_size=size)
