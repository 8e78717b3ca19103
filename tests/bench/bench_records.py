"""Run-record benchmark: what a record costs on a mode-0 flight run, and listing 1,000 records.

Run: python tests/bench/bench_records.py [--repeat N]
Figures, not assertions: targets are printed beside the measurements.

Overhead: whole run time (operation start to its result, in one engine process) with records on
and off (``AGILAB_TUI_RECORDS=0``, the internal switch: only the latest-run mirrors are written),
runs interleaved, median of N each. MLflow logging happens after the run in a background thread;
its own time is printed separately and it is waited for outside the timed window.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from engine.events import OperationFinished  # noqa: E402
from engine.facade import Engine  # noqa: E402
from engine.records import RecordWriter, list_runs, load_manifest, wait_pending  # noqa: E402
from engine.workspace import Workspace  # noqa: E402

FLIGHT = "flight_telemetry_project"


async def _timed(op) -> tuple[float, dict]:
    started = time.perf_counter()
    async with op:
        async for event in op.events():
            last = event
    seconds = time.perf_counter() - started
    if not isinstance(last, OperationFinished):
        raise SystemExit(f"run failed: {getattr(last, 'error', last)}")
    return seconds, last.result


def one_run(engine: Engine, records: bool, tracking: bool) -> tuple[float, dict]:
    os.environ["AGILAB_TUI_RECORDS"] = "1" if records else "0"
    os.environ["AGILAB_TRACKING"] = "mlflow" if tracking else "none"
    result = asyncio.run(_timed(engine.run(FLIGHT, engine.request_from_settings(FLIGHT, mode=0))))
    wait_pending(300)  # outside the timed window: tracking never delays the run's result
    return result


def bench_overhead(repeat: int) -> None:
    home = Path(tempfile.mkdtemp(prefix="agilab_bench_records_"))
    try:
        engine = Engine(Workspace(home))
        asyncio.run(engine.install(FLIGHT, modes_enabled=0).wait())
        one_run(engine, True, True)  # warm-up: data generation, MLflow store creation, OS caches
        one_run(engine, False, False)
        times: dict[str, list[float]] = {"off": [], "records": [], "records+mlflow": []}
        sync: list[float] = []
        cost: list[float] = []
        for _ in range(repeat):
            times["off"].append(one_run(engine, False, False)[0])
            seconds, result = one_run(engine, True, False)
            times["records"].append(seconds)
            cost.append(result["record_seconds"] / seconds)
            seconds, result = one_run(engine, True, True)
            times["records+mlflow"].append(seconds)
            tracking = load_manifest(Path(result["record_dir"]))["record"]["tracking"]
            if tracking.get("seconds") is not None:
                sync.append(tracking["seconds"])
        base = statistics.median(times["off"])
        print(f"machine load average during the runs: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        print(f"mode-0 flight run, median of {repeat} (whole run, one engine process)")
        for name, values in times.items():
            median = statistics.median(values)
            print(f"  {name:<16} {median:7.3f} s   overhead {100 * (median - base) / base:+6.1f} %   "
                  f"(min {min(values):.3f}, max {max(values):.3f})")
        print(f"  time spent by the record writer itself: median {100 * statistics.median(cost):.1f} % of the run "
              f"(max {100 * max(cost):.1f} %)")
        print("  target: record overhead <= 5 %")
        if sync:
            print(f"  MLflow logging after the run (background thread): median {statistics.median(sync):.3f} s")
    finally:
        os.environ.pop("AGILAB_TUI_RECORDS", None)
        os.environ.pop("AGILAB_TRACKING", None)
        shutil.rmtree(home, ignore_errors=True)


async def _fake_records(log_dir: Path, count: int) -> None:
    for index in range(count):
        writer = RecordWriter(log_dir, app=FLIGHT, target="flight_telemetry", keep=count + 1)
        await writer.start()
        writer.note(mode=index % 8, token="____", args={"nfile": index % 5, "output_format": "parquet"})
        writer.log("stdout", f"run {index}")
        await writer.finish("completed", reduce={"payload": {"row_count": 7200 + index, "mean_speed_m": 225.7}})


def bench_listing(count: int) -> None:
    root = Path(tempfile.mkdtemp(prefix="agilab_bench_list_"))
    try:
        log_dir = root / "log"
        started = time.perf_counter()
        asyncio.run(_fake_records(log_dir, count))
        written = time.perf_counter() - started
        timings = []
        for _ in range(7):
            started = time.perf_counter()
            runs = list_runs(log_dir / "runs")
            timings.append(time.perf_counter() - started)
        assert len(runs) == count
        print(f"list {count} records: median {statistics.median(timings) * 1000:.1f} ms "
              f"(min {min(timings) * 1000:.1f} ms)   target <= 200 ms")
        print(f"  (writing them took {written:.1f} s, {1000 * written / count:.1f} ms per record)")
    finally:
        shutil.rmtree(root, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--records", type=int, default=1000)
    options = parser.parse_args()
    bench_listing(options.records)
    bench_overhead(options.repeat)


if __name__ == "__main__":
    main()
