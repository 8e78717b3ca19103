"""ANALYSIS Runs benchmark: 1,000 run records listed in the Runs view; prints figures, asserts nothing.

Run: python tests/bench/bench_runs_view.py [--records N]

In a throw-away workspace, N record manifests are written through the engine's record store
(write_manifest + append_index, as every execution does), then measured:
* engine: ``Engine.runs(app)`` (reads the index; the engine benchmark's target is <= 0.2 s for 1,000);
* TUI: from the Runs section asking for the list to the table holding and measuring every row (a refresh);
* TUI: the comparison of two records, from the key to the compare screen on top.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(REPO), str(REPO / "tests" / "analysis_runs")]
APP = "flight_telemetry_project"


def write_records(home: Path, count: int) -> list[str]:
    from runs_helpers import ARGS, _record

    from engine.records import store
    from engine.workspace import Workspace

    workspace = Workspace(home)
    template = _record(workspace, "20261201T100000-0a1b2c", "2026-12-01T10:00:00+00:00", seconds=2.5)
    runs_dir = store.runs_dir_of(workspace.log_dir(workspace.app(APP)))
    runs_dir.mkdir(parents=True, exist_ok=True)
    ids = []
    for index in range(count):
        run_id = f"2026{1 + index // 86400 % 12:02d}01T{index // 3600 % 24:02d}{index // 60 % 60:02d}{index % 60:02d}-{index:06x}"
        rec = {**template["record"], "run_id": run_id, "started_ts": 1_796_119_200.0 + index,
               "args": {**ARGS, "nfile": index % 4}, "seconds": 2.0 + index % 7 / 10,
               "metrics": {"row_count": 1200.0 * (index % 4 or 6), "mean_speed_m": 230 + index % 5, "seconds": 2.5}}
        manifest = {**template, "run_id": run_id, "record": rec}
        folder = runs_dir / run_id
        folder.mkdir()
        store.write_manifest(folder, manifest)
        store.append_index(runs_dir, manifest)
        ids.append(run_id)
    return ids


async def measure_tui(count: int) -> tuple[float, float]:
    from tui.app import make_app

    async def settle(pilot) -> None:  # noqa: ANN001
        for _ in range(3):
            await pilot.app.workers.wait_for_complete()
            await pilot.pause()

    app = make_app(test_mode=True)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        view = app.view("analysis")
        view.show_section("records")
        panel = view.query_one("#records")
        table = panel.query_one("#records-table")
        table.focus()
        await settle(pilot)
        started = time.perf_counter()
        panel.reload()
        while True:
            await pilot.pause()
            if table.row_count == count:
                break
        await pilot.pause()  # the table measures its new rows' column widths when idle: part of the refresh
        refresh = time.perf_counter() - started
        await settle(pilot)
        started = time.perf_counter()
        await pilot.press("d")
        while type(app.screen).__name__ != "CompareScreen":
            await pilot.pause(0.01)
        compare = time.perf_counter() - started
    return refresh, compare


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=1000)
    count = parser.parse_args().records
    with tempfile.TemporaryDirectory(prefix="bench-runs-") as tmp:
        home = Path(tmp) / "home"
        home.mkdir()
        os.environ["AGILAB_TUI_HOME"] = str(home)
        started = time.perf_counter()
        write_records(home, count)
        print(f"wrote {count} records: {time.perf_counter() - started:.2f} s")
        from engine.facade import Engine
        from engine.workspace import Workspace

        engine = Engine(Workspace(home))
        started = time.perf_counter()
        listed = engine.runs(APP)
        print(f"engine.runs(): {len(listed)} records in {time.perf_counter() - started:.3f} s (target <= 0.2 s)")
        refresh, compare = asyncio.run(measure_tui(count))
        print(f"Runs view refresh, {count} rows in the table: {refresh:.3f} s")
        print(f"compare with the previous run (d) to the screen on top: {compare:.3f} s")


if __name__ == "__main__":
    main()
