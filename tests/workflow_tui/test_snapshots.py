"""SVG snapshots of the WORKFLOW page at 120x36 and 80x24: at rest, after a run with preview, outdated template.

The app runs in test mode (no clock, durations or tmp paths on screen); review the HTML report before
``pytest --snapshot-update``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable

from tui.app import make_app

from .conftest import SEED_LAB, open_workflow, settle, wait_for
from .test_templates import write_outdated_lab

SIZES = pytest.mark.parametrize("size", [(120, 36), (80, 24)], ids=["120x36", "80x24"])


class TestWorkflowSnapshots:
    @SIZES
    def test_at_rest(self, snap_compare: Any, write_lab: Callable[[str], Path], size: tuple[int, int]) -> None:
        write_lab(SEED_LAB)

        async def run_before(pilot: Pilot[None]) -> None:
            await open_workflow(pilot)

        assert snap_compare(make_app(test_mode=True), run_before=run_before, terminal_size=size)

    @SIZES
    def test_after_a_run_with_preview(self, snap_compare: Any, write_lab: Callable[[str], Path],
                                      size: tuple[int, int]) -> None:
        write_lab(SEED_LAB)

        async def run_before(pilot: Pilot[None]) -> None:
            await open_workflow(pilot)
            await pilot.press("ctrl+r")  # stage 1 makes df
            await settle(pilot)
            await wait_for(pilot, lambda: pilot.app.query_one("#preview-table", DataTable).row_count == 3)
            await settle(pilot)

        assert snap_compare(make_app(test_mode=True), run_before=run_before, terminal_size=size)

    @SIZES
    def test_outdated_template_stage(self, snap_compare: Any, lab_file: Path, size: tuple[int, int]) -> None:
        write_outdated_lab(lab_file)

        async def run_before(pilot: Pilot[None]) -> None:
            await open_workflow(pilot)
            await pilot.press("ctrl+down")  # the template stage saved by an older version
            await settle(pilot)

        assert snap_compare(make_app(test_mode=True), run_before=run_before, terminal_size=size)
