"""Manifests tell the truth under faults (issue 16, defect 7) and tracking never blocks a run."""

from __future__ import annotations

import asyncio
import json
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest
from records_helpers import FLIGHT, record_of, run_failed, run_ok

from engine.events import OperationFailed, Progress
from engine.facade import Engine

pytestmark = pytest.mark.slow


def _mirror(engine: Engine) -> dict:
    return json.loads((engine.workspace.log_dir(engine.app(FLIGHT)) / "run_manifest.json").read_text())


def _hidden_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob(".*") if p.is_file())


def test_cancelled_run_is_recorded_cancelled_and_the_mirror_no_longer_claims_pass(engine: Engine, dataset_copy: Path,
                                                                                  tmp_path: Path):
    out = tmp_path / "out"
    request = engine.request_from_settings(FLIGHT, mode=0)
    overrides = {"data_in": str(dataset_copy), "data_out": str(out), "synthetic_points": 2}
    run_ok(engine, engine.run(FLIGHT, request, overrides=overrides))
    assert _mirror(engine)["status"] == "pass"
    # Make the next run slow enough to cancel mid-way: many more input files.
    for index in range(6, 60):
        shutil.copy(dataset_copy / "flight_000.csv", dataset_copy / f"flight_{index:03d}.csv")

    async def scenario() -> OperationFailed:
        op = engine.run(FLIGHT, request, overrides=overrides)
        async with op:
            async for event in op.events():
                if isinstance(event, Progress) and event.done >= 2:
                    await op.cancel()
                if isinstance(event, OperationFailed):
                    return event
        raise AssertionError("no terminal event")

    failed = asyncio.run(scenario())
    assert failed.cancelled
    mirror = _mirror(engine)
    rec = mirror["record"]
    assert rec["status"] == "cancelled" and mirror["status"] == "fail" and rec["error"]
    assert engine.runs(FLIGHT)[0].status == "cancelled"
    # Every output the manifest lists really exists (the previous run's were deleted by reset_target).
    assert all(Path(a["path"]).is_file() for a in mirror["artifacts"])
    assert all(o["partial"] for o in rec["outputs"])
    assert (Path(engine.run_record_dir(rec["run_id"])) / "run.log").read_text().strip()


def test_failed_pool_run_lists_its_kept_partial_outputs(engine: Engine, dataset_copy: Path, tmp_path: Path):
    out = tmp_path / "out"
    # The plan gives each of the 2 slots 3 files; one file of the second slot is broken.
    (dataset_copy / "flight_005.csv").write_text("date,aircraft\n2024-01-01,X\n")
    request = engine.request_from_settings(FLIGHT, mode=1)
    failed = run_failed(engine, engine.run(FLIGHT, request, overrides={"data_in": str(dataset_copy),
                                                                      "data_out": str(out)}))
    rec = engine.runs(FLIGHT)[0]
    assert rec.status == "failed" and "missing column" in rec.error and rec.error in failed.error
    manifest = engine.run_record(rec.run_id)
    kept = sorted(p.name for p in out.iterdir() if p.is_file())
    assert kept, "the first slot's outputs should have been written before the failure"
    listed = sorted(Path(o["path"]).name for o in manifest["record"]["outputs"])
    assert listed == kept
    assert all(o["partial"] and o["sha256"] for o in manifest["record"]["outputs"])
    assert {a["kind"] for a in manifest["artifacts"]} == {"partial_output"}
    assert manifest["status"] == "fail"


def test_failed_run_before_the_workers_is_recorded_with_its_reason(engine: Engine, tmp_path: Path):
    empty = tmp_path / "empty"
    empty.mkdir()
    request = engine.request_from_settings(FLIGHT, mode=0)
    failed = run_failed(engine, engine.run(FLIGHT, request, overrides={"data_in": str(empty), "files": "*.none"}))
    rec = record_of(engine, engine.runs(FLIGHT)[0].run_id)
    assert rec["status"] == "failed" and "no input file matches" in rec["error"] and rec["error"] in failed.error
    assert rec["args"]["files"] == "*.none"


@pytest.fixture()
def small_disk(tmp_path: Path):
    mount = tmp_path / "small"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=200k", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_enospc_run_leaves_no_temp_file_and_lists_what_it_kept(engine: Engine, dataset_copy: Path, small_disk: Path):
    request = engine.request_from_settings(FLIGHT, mode=0)
    failed = run_failed(engine, engine.run(FLIGHT, request, overrides={"data_in": str(dataset_copy),
                                                                      "data_out": str(small_disk / "out")}))
    assert "No space left" in failed.error and str(small_disk / "out") in failed.error
    assert _hidden_files(small_disk) == []
    rec = record_of(engine, engine.runs(FLIGHT)[0].run_id)
    assert rec["status"] == "failed"
    kept = sorted(p.name for p in (small_disk / "out").iterdir())
    assert sorted(Path(o["path"]).name for o in rec["outputs"]) == kept and kept


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_unreachable_tracking_server_never_blocks_and_the_record_says_why(engine: Engine,
                                                                         monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"http://127.0.0.1:{_closed_port()}")
    result = run_ok(engine, engine.run(FLIGHT, engine.request_from_settings(FLIGHT, mode=0))).result
    assert result["tracking"]["status"] == "pending"
    started = time.monotonic()
    assert engine.wait_tracking(120)
    waited = time.monotonic() - started
    tracking = record_of(engine, result["run_id"])["tracking"]
    assert tracking["status"] == "failed", tracking
    assert "127.0.0.1" in tracking["uri"] and tracking["reason"]
    assert _mirror(engine)["record"]["tracking"]["status"] == "failed"
    print(f"tracking failed after {waited:.2f} s: {tracking['reason']}")


def test_tracking_off_is_said_in_the_record(engine: Engine, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("AGILAB_TRACKING", "none")
    result = run_ok(engine, engine.run(FLIGHT, engine.request_from_settings(FLIGHT, mode=0))).result
    assert record_of(engine, result["run_id"])["tracking"] == {"status": "off", "reason": "AGILAB_TRACKING=none"}
