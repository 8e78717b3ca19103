"""ANALYSIS benchmark: a 1M-row CSV in the explorer; prints figures (targets beside them), asserts nothing.

Run: python tests/bench/bench_analysis.py [--rows N]

Measured, in a throw-away workspace (AGILAB_TUI_HOME in a temp folder):
* engine: open the table and read the first screen of rows (what the explorer does first);
* TUI: time from choosing the table in the ANALYSIS explorer to its first rows on screen (target <= 1 s);
* engine: load every row into pandas, filter, sort, column statistics, histogram (done in worker threads).
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
sys.path.insert(0, str(REPO))
APP = "flight_telemetry_project"


def write_csv(path: Path, rows: int) -> float:
    import numpy as np
    import pandas as pd

    started = time.perf_counter()
    rng = np.random.default_rng(7)
    frame = pd.DataFrame({"aircraft": rng.choice([f"AC{i:03d}" for i in range(50)], rows),
                          "time_s": np.arange(rows, dtype=np.int64), "speed": rng.normal(230.0, 25.0, rows).round(3),
                          "alt": rng.uniform(0, 12_000, rows).round(1), "lat": rng.uniform(40, 50, rows).round(5)})
    frame.to_csv(path, index=False)
    return time.perf_counter() - started


def timed(label: str, fn, target: str = ""):  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    value = fn()
    seconds = time.perf_counter() - started
    print(f"{label:<48} {seconds:8.3f} s  {target}")
    return value


async def first_rows_on_screen(csv: Path) -> tuple[float, float, str]:
    from textual.widgets import Select

    from tui.analysis.explorer import Explorer
    from tui.app import make_app

    app = make_app(test_mode=True)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        await pilot.press("4")
        for _ in range(3):
            await app.workers.wait_for_complete()
            await pilot.pause()
        explorer = app.view("analysis").query_one(Explorer)  # type: ignore[union-attr]
        select = explorer.query_one("#explorer-table", Select)
        select.clear()
        await pilot.pause()
        started = time.perf_counter()
        select.value = str(csv)
        while explorer.table.row(0) is None or explorer.table.source is None:
            await asyncio.sleep(0.005)
        await pilot.pause()  # one refresh: the rows are painted
        first = time.perf_counter() - started
        while not explorer.table.source.row_count_known or explorer.table.row_count < 2:
            await asyncio.sleep(0.01)
        await pilot.pause(0.3)
        counted = time.perf_counter() - started
        return first, counted, str(explorer.query_one("#explorer-status").content)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-analysis-") as home:
        os.environ["AGILAB_TUI_HOME"] = home
        from engine.analysis import column_stats, filter_frame, load_frame, plot_series, sort_frame
        from engine.table_source import open_table
        from engine.workspace import Workspace

        workspace = Workspace(home)
        csv = workspace.export_dir(workspace.app(APP)) / "big.csv"
        seconds = write_csv(csv, options.rows)
        print(f"{options.rows:,}-row CSV, {csv.stat().st_size / 1e6:.0f} MB (written in {seconds:.1f} s)\n")
        source = timed("engine: open + first 200 rows", lambda: open_table(csv).read_rows(0, 200), "(target <= 1 s)")
        del source
        first, counted, status = asyncio.run(first_rows_on_screen(csv))
        print(f"{'TUI: choose table -> first rows on screen':<48} {first:8.3f} s  (target <= 1 s)")
        print(f"{'TUI: background row count shown':<48} {counted:8.3f} s  {status}")
        frame = timed("engine: load all rows (pandas, pyarrow engine)", lambda: load_frame(open_table(csv)))
        subset = timed("engine: filter speed > 250 and alt < 6000",
                       lambda: filter_frame(frame, "speed > 250 and alt < 6000", csv))
        print(f"{'':<48} {len(subset):,} rows kept")
        timed("engine: sort by speed (descending)", lambda: sort_frame(frame, "speed", True, csv))
        timed("engine: column statistics of speed", lambda: column_stats(frame, "speed"))
        timed("engine: histogram series of alt", lambda: plot_series(frame, "histogram", "alt", None, csv))
        timed("engine: scatter series (thinned to 2000 points)",
              lambda: plot_series(frame, "scatter", "time_s", "speed", csv))


if __name__ == "__main__":
    main()
