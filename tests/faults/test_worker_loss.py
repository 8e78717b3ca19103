"""Defect 3 of issue 16: losing Dask workers is logged and recorded; losing all of them fails the run in bounded time."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import psutil
import pytest
from fault_helpers import set_args

from engine.events import LogLines, OperationFailed, OperationFinished
from engine.facade import Engine
from engine.run_request import RunRequest
from engine.workspace import Workspace

pytestmark = pytest.mark.slow
COMPUTE = "execution_pandas_project"
HANG_GUARD = 240  # a run that never ends fails the test instead of hanging it


def _workers() -> list[psutil.Process]:
    return [p for p in psutil.Process().children(recursive=True)
            if "distributed.cli.dask_worker" in " ".join(p.cmdline())]


def _request(engine: Engine, out: str, **params) -> RunRequest:
    base = engine.request_from_settings(COMPUTE, mode=4)
    return RunRequest(params={**base.params, **params}, data_in="execution_pandas/loss_in", data_out=out,
                      reset_target=True, mode=4, workers={"127.0.0.1": 2})


def test_losing_every_worker_fails_the_run_within_the_loss_timeout(fault_home: Path, monkeypatch):
    monkeypatch.setenv("AGILAB_TUI_HOME", str(fault_home))
    set_args(fault_home, COMPUTE, cluster__worker_loss_timeout=5.0)
    engine = Engine(Workspace(fault_home))
    request = _request(engine, "execution_pandas/loss_all_out", n_partitions=4, rows_per_file=2000, iterations=15000)
    out_dir = fault_home / "data" / "execution_pandas" / "loss_all_out"

    async def scenario():
        op = engine.run(COMPUTE, request)
        lines: list[str] = []
        state: dict[str, float] = {}

        async def kill_both() -> None:
            while len(_workers()) < 2:
                await asyncio.sleep(0.2)
            # wait for one slot's first partition to be written: that output must be kept and listed
            while not (out_dir.is_dir() and any(p.suffix == ".parquet" for p in out_dir.iterdir())):
                await asyncio.sleep(0.1)
            for proc in _workers():
                proc.kill()
            state["killed_at"] = time.monotonic()

        async with op:
            killer = asyncio.create_task(kill_both())
            async for event in op.events():
                if isinstance(event, LogLines):
                    lines.extend(event.lines)
            killer.cancel()
        return op, event, state.get("killed_at"), lines

    op, last, killed_at, lines = asyncio.run(asyncio.wait_for(scenario(), HANG_GUARD))
    assert killed_at is not None, f"the workers were never killed; the run ended with {last}"
    failed_after = time.monotonic() - killed_at
    print(f"\nrun failed {failed_after:.1f} s after both workers were killed (worker_loss_timeout = 5 s)")
    assert isinstance(last, OperationFailed), last
    assert "every Dask worker was lost" in last.error and "worker_loss_timeout" in last.error, last.error
    assert sum(line.startswith("dask worker ") and "was lost" in line for line in lines) == 2, lines[-20:]
    assert {w["name"] for w in last.result["lost_workers"]} == {"127.0.0.1-0", "127.0.0.1-1"}
    kept = last.result["partial_outputs"]
    assert kept and all(Path(p).exists() for p in kept), kept
    assert "partial output(s) kept" in last.error


def test_losing_one_of_two_workers_completes_and_records_the_loss(fault_home: Path, monkeypatch):
    monkeypatch.setenv("AGILAB_TUI_HOME", str(fault_home))
    engine = Engine(Workspace(fault_home))
    request = _request(engine, "execution_pandas/loss_one_out", n_partitions=4, rows_per_file=2000, iterations=10000)

    async def scenario():
        op = engine.run(COMPUTE, request)
        lines: list[str] = []
        killed: list[int] = []

        async def kill_one() -> None:
            runner = []
            while len(_workers()) < 2 or not runner:
                runner = [p for p in psutil.Process().children(recursive=True)
                          if "workers.runner" in " ".join(p.cmdline())]
                await asyncio.sleep(0.2)
            await asyncio.sleep(3.0)  # the runner connects and both slots start computing
            for proc in _workers():
                if "--name 127.0.0.1-1" in " ".join(proc.cmdline()):
                    proc.kill()
                    killed.append(proc.pid)

        async with op:
            killer = asyncio.create_task(kill_one())
            async for event in op.events():
                if isinstance(event, LogLines):
                    lines.extend(event.lines)
            killer.cancel()
        return op, event, bool(killed), lines

    op, last, killed, lines = asyncio.run(asyncio.wait_for(scenario(), HANG_GUARD))
    assert killed
    assert isinstance(last, OperationFinished), getattr(last, "error", last)
    assert [w["name"] for w in op.result["lost_workers"]] == ["127.0.0.1-1"]
    assert any("dask worker 127.0.0.1-1" in line and "was lost" in line for line in lines), lines[-20:]
    assert len(op.result["outputs"]) == 4
    manifest = json.loads(Path(op.result["manifest"]).read_text())
    lost = [v for v in manifest["validations"] if v["label"] == "dask workers"]
    assert lost and "127.0.0.1-1" in lost[0]["details"][0], manifest["validations"]
