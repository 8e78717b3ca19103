"""SVG snapshots of ORCHESTRATE states at 120x36 and 80x24 (review the HTML diff before --snapshot-update)."""

from __future__ import annotations

from pathlib import Path

import pytest
from states import ORCHESTRATE_STATES, State

from tui.app import make_app

SIZES = [pytest.param((120, 36), id="120x36"), pytest.param((80, 24), id="80x24")]


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("state", ORCHESTRATE_STATES, ids=[s.name for s in ORCHESTRATE_STATES])
def test_orchestrate_snapshot(state: State, size: tuple[int, int], tui_home: Path, snap_compare) -> None:
    state.prepare(tui_home)
    assert snap_compare(make_app(test_mode=True), run_before=state.drive, terminal_size=size)
