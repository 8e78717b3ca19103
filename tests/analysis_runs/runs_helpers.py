"""Run records for the Runs view tests.

``write_fixed_records`` writes manifests with fixed ids, times, seconds and hashes through the
engine's record store (``write_manifest`` + ``append_index``), so a snapshot shows every number
and still compares equal from run to run. The real-run tests use the engine's own records.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from engine.records import store
from engine.workspace import Workspace

APP = "flight_telemetry_project"

ARGS = {"data_in": "flight_telemetry/dataset", "data_out": "flight_telemetry/dataframe", "files": "*.csv",
        "nfile": 0, "output_format": "parquet", "reset_target": True, "synthetic_aircraft": 6,
        "synthetic_points": 1200}
PACKAGES = {"numpy": "2.1.3", "pandas": "2.2.3", "pyarrow": "18.1.0", "python-dateutil": "2.9.0"}


def _record(workspace: Workspace, run_id: str, started: str, *, seconds: float, status: str = "completed",
            args: dict[str, Any] | None = None, metrics: dict[str, float] | None = None, mode: int = 0,
            token: str = "____", outputs: list[dict[str, Any]] | None = None, inputs: list[dict[str, Any]] | None = None,
            packages: dict[str, str] | None = None, error: str | None = None, pinned: bool = False,
            kind: str = "run", rerun_of: str | None = None) -> dict[str, Any]:
    app = workspace.app(APP)
    stamp = {"20261201T100000-0a1b2c": 1_796_119_200.0, "20261201T101500-3d4e5f": 1_796_120_100.0,
             "20261201T103000-6a7b8c": 1_796_121_000.0, "20261201T104500-9d0e1f": 1_796_121_900.0}[run_id]
    return {
        "schema_version": 1, "kind": "agilab.run_manifest", "run_id": run_id, "path_id": app.target,
        "label": f"{app.target} {kind}", "status": "pass" if status == "completed" else "fail",
        "record": {
            "schema": "agilab_tui.run_record.v1", "run_id": run_id, "app": APP, "target": app.target,
            "kind": kind, "status": status, "error": error, "parent_id": None, "rerun_of": rerun_of,
            "children": [], "pinned": pinned, "started_at": started, "started_ts": stamp,
            "finished_at": started, "seconds": seconds, "owner_pid": 1, "mode": mode, "token": token,
            "args": args or dict(ARGS), "hosts": {"127.0.0.1": 2}, "slots": 2,
            "inputs": inputs if inputs is not None else [
                {"path": str(workspace.data_dir / "flight_telemetry/dataset" / f"{name}.csv"), "size": size,
                 "mtime": 0.0, "fingerprint": f"b2:{name * 8}"} for name, size in (("A1", 61_204), ("B2", 60_998))],
            "worker_environment": {"venv": "wenv/flight_telemetry_worker/.venv", "python": "3.11.7",
                                   "packages": packages or PACKAGES, "digest": "0" * 64},
            "app_fingerprint": {"digest": "f" * 64, "files": {"manager/flight.py": "1" * 64,
                                                             "worker/flight_worker.py": "2" * 64}},
            "outputs": outputs if outputs is not None else [
                {"name": "flight_summary.parquet", "path": str(workspace.data_dir / "flight_telemetry/dataframe"
                                                               / "flight_summary.parquet"),
                 "exists": True, "size": 4_096, "sha256": "a" * 64, "rows": 6}],
            "metrics": {**(metrics if metrics is not None else {"row_count": 7_200.0, "mean_speed_m": 231.25}),
                        "seconds": seconds},
            "tracking": {"status": "done"}, "extra": {}, "files": {"log": "run.log"},
        },
    }


def write_fixed_records(workspace: Workspace) -> list[str]:
    """Four flight records, oldest first: a baseline, a changed arg, a failed run and a pinned rerun."""
    app = workspace.app(APP)
    runs_dir = store.runs_dir_of(workspace.log_dir(app))
    out = workspace.data_dir / "flight_telemetry/dataframe"
    more = {**ARGS, "synthetic_points": 2400}
    manifests = [
        _record(workspace, "20261201T100000-0a1b2c", "2026-12-01T10:00:00+00:00", seconds=2.75),
        _record(workspace, "20261201T101500-3d4e5f", "2026-12-01T10:15:00+00:00", seconds=4.5, args=more,
                metrics={"row_count": 14_400.0, "mean_speed_m": 229.5},
                packages={**PACKAGES, "pandas": "2.2.2"},
                outputs=[{"name": "flight_summary.parquet", "path": str(out / "flight_summary.parquet"),
                          "exists": True, "size": 4_352, "sha256": "b" * 64, "rows": 6},
                         {"name": "reduce_summary_worker_0.json", "path": str(out / "reduce_summary_worker_0.json"),
                          "exists": True, "size": 310, "sha256": "c" * 64, "rows": None}]),
        _record(workspace, "20261201T103000-6a7b8c", "2026-12-01T10:30:00+00:00", seconds=0.5, status="failed",
                args={**more, "nfile": 3}, metrics={}, outputs=[],
                error="worker 127.0.0.1: FileNotFoundError: flight_telemetry/dataset/C3.csv"),
        _record(workspace, "20261201T104500-9d0e1f", "2026-12-01T10:45:00+00:00", seconds=2.5, kind="rerun",
                rerun_of="20261201T100000-0a1b2c", pinned=True),
    ]
    runs_dir.mkdir(parents=True, exist_ok=True)
    for manifest in manifests:
        folder = runs_dir / manifest["run_id"]
        folder.mkdir()
        store.write_manifest(folder, manifest)
        store.append_index(runs_dir, manifest)
    return [m["run_id"] for m in manifests]


def record_dir(workspace: Workspace, run_id: str) -> Path:
    return store.runs_dir_of(workspace.log_dir(workspace.app(APP))) / run_id


async def settle(pilot: Any) -> None:
    """Wait for every worker (engine calls, operations), then for the messages they posted."""
    for _ in range(4):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
