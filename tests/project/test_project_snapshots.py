"""SVG snapshots of the PROJECT page (health cards, file editor) at 120x36 and 80x24."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from project_helpers import settle

from tui.app import make_app

SIZES = [pytest.param((120, 36), id="120x36"), pytest.param((80, 24), id="80x24")]


async def _health(pilot: Any) -> None:
    await settle(pilot)  # a key pressed before the first refresh can be lost
    await pilot.press("1")
    await settle(pilot)
    assert pilot.app.query_one("#tabs").active == "project"


async def _editor(pilot: Any) -> None:
    await _health(pilot)
    await pilot.press("ctrl+t")
    await settle(pilot)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("drive", [_health, _editor], ids=["health", "editor"])
def test_project_snapshot(drive: Any, size: tuple[int, int], home: Path, snap_compare: Any) -> None:
    assert snap_compare(make_app(test_mode=True), run_before=drive, terminal_size=size)
