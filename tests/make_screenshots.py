"""Regenerate ``screenshots/``: every page at rest plus the main ORCHESTRATE states, at 120x36.

Run ``python tests/make_screenshots.py`` (or name the states to shoot: ``... analysis analysis_runs``).
Each shot uses a fresh tmp workspace, the real engine and
test mode (no clocks, durations or tmp paths), the same states as ``tests/tui/test_snapshots.py``.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
OUT = REPO_ROOT / "screenshots"
sys.path[:0] = [str(REPO_ROOT), str(REPO_ROOT / "tests" / "tui"), str(REPO_ROOT / "tests" / "analysis_runs")]

from states import ORCHESTRATE_STATES, State, drive_tab, no_prep  # noqa: E402

PAGE_STATES = tuple(State(tab, no_prep, drive_tab(tab)) for tab in ("project", "orchestrate", "workflow", "analysis"))


def _prep_records(home: Path) -> None:
    from runs_helpers import write_fixed_records

    from engine.workspace import Workspace

    write_fixed_records(Workspace(home))


async def _drive_runs(pilot, compare: bool = False) -> None:  # noqa: ANN001
    from runs_helpers import settle

    await drive_tab("analysis")(pilot)
    view = pilot.app.view("analysis")
    view.show_section("records")
    table = view.query_one("#records-table")
    table.focus()
    await settle(pilot)
    if compare:  # the oldest run as A, the one with more points per aircraft as B
        for row, key in ((3, "b"), (2, "c")):
            table.move_cursor(row=row)
            await settle(pilot)
            await pilot.press(key)
            await settle(pilot)


# ANALYSIS Runs on fixed run records (tests/analysis_runs/runs_helpers.py), so every number is stable.
ANALYSIS_STATES = (State("analysis_runs", _prep_records, _drive_runs),
                   State("analysis_compare", _prep_records, lambda pilot: _drive_runs(pilot, compare=True)))


async def shoot(state: State, size: tuple[int, int] = (120, 36)) -> Path:
    from tui.app import make_app

    with tempfile.TemporaryDirectory(prefix="agilab-shot-") as tmp:
        home = Path(tmp) / "home"
        home.mkdir()
        os.environ["AGILAB_TUI_HOME"] = str(home)
        state.prepare(home)
        app = make_app(test_mode=True)
        async with app.run_test(size=size) as pilot:
            await state.drive(pilot)
            await pilot.pause()
            path = Path(app.save_screenshot(filename=f"{state.name}.svg", path=str(OUT)))
    return path


async def main() -> None:
    OUT.mkdir(exist_ok=True)
    # orchestrate_rest would duplicate orchestrate.svg.
    wanted = set(sys.argv[1:])  # state names (e.g. analysis analysis_runs); none: every state
    for state in (*PAGE_STATES, *ANALYSIS_STATES, *(s for s in ORCHESTRATE_STATES if s.name != "orchestrate_rest")):
        if not wanted or state.name in wanted:
            print(await shoot(state))


if __name__ == "__main__":
    asyncio.run(main())
