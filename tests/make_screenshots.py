"""Regenerate ``screenshots/``: every page at rest plus the main ORCHESTRATE states, at 120x36.

Run ``python tests/make_screenshots.py``. Each shot uses a fresh tmp workspace, the real engine and
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
sys.path[:0] = [str(REPO_ROOT), str(REPO_ROOT / "tests" / "tui")]

from states import ORCHESTRATE_STATES, State, drive_tab, no_prep  # noqa: E402

PAGE_STATES = tuple(State(tab, no_prep, drive_tab(tab)) for tab in ("project", "orchestrate", "workflow", "analysis"))


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
    for state in (*PAGE_STATES, *(s for s in ORCHESTRATE_STATES if s.name != "orchestrate_rest")):
        print(await shoot(state))


if __name__ == "__main__":
    asyncio.run(main())
