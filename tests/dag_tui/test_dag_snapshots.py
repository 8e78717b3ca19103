"""SVG snapshots of the DAG panel with a partly ready plan, at 120x36 and 80x24 (review the HTML diff first)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Select

from tui.workflow.dag.panel import DagPanel
from tui.workflow.dag.table import DagTable

SIZES = [pytest.param((120, 36), id="120x36"), pytest.param((80, 24), id="80x24")]


async def _settle(pilot: Any) -> None:
    """Wait until no worker has run for a few rounds: each engine reply may start the next call."""
    quiet = 0
    for _ in range(100):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        quiet = quiet + 1 if not any(w.is_running for w in pilot.app.workers) else 0
        if quiet >= 3:
            return


async def _partly_ready(pilot: Any) -> None:
    """The command diamond after a preview of its first step: one completed, two ready, one waiting."""
    await _settle(pilot)
    pilot.app.query_one("#dag-source", Select).value = "sample_library"
    await _settle(pilot)
    table = pilot.app.query_one(DagTable)
    table.focus()
    await pilot.press("ctrl+n")
    await _settle(pilot)
    # DataTable widens columns for updated cells on its next Idle; on a loaded machine the snapshot could
    # come first and show "preview only (no app ran)" clipped to the header's width.
    for _ in range(100):
        if not table._updated_cells and not table._require_update_dimensions:
            break
        await pilot.pause(0.02)


@pytest.mark.parametrize("size", SIZES)
def test_readiness_table_partly_ready(size: tuple[int, int], isolated_home: Path, snap_compare: Any, panel_app: Any) -> None:
    assert snap_compare(panel_app(DagPanel, isolated_home), run_before=_partly_ready, terminal_size=size)
