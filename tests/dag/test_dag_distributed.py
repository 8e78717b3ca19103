"""The distributed stage backend against a real Dask LocalCluster with worker processes."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from engine.dag import DagRunner, DistributedExecutor
from engine.events import OperationFailed, OperationFinished

from .conftest import APPS, node, plan, save_plan, two_step_plan, write_step


@pytest.fixture
async def scheduler() -> Any:
    from distributed import LocalCluster

    async with LocalCluster(processes=True, n_workers=2, threads_per_worker=1, host="127.0.0.1",
                            dashboard_address=None, asynchronous=True) as cluster:
        yield cluster


@pytest.mark.slow
async def test_command_steps_run_inside_dask_workers(scheduler: Any, workspace: Any, tmp_path: Path, templates: Path) -> None:
    executor = DistributedExecutor(workspace, scheduler.scheduler_address, workers={"127.0.0.1": 2})
    runner = DagRunner.open(save_plan(templates, two_step_plan()), workspace, executor=executor)
    [preview] = runner.request_previews()
    assert preview["scheduler"] == scheduler.scheduler_address and preview["mode"] & 4
    assert preview["command"][0] == "python" and preview["workers_data_path"] == str(workspace.data_dir)

    op = runner.run_ready(until_done=True)
    result = await op.wait()
    assert result["completed"] == ["make", "double"]
    assert (workspace.data_dir / "t/double.txt").read_text() == "42"
    worker_pids = {w.process.pid for w in scheduler.workers.values()}
    for unit in runner.state["units"]:
        stage = unit["provenance"]["distributed_stage"]
        assert stage["scheduler"] == scheduler.scheduler_address
        assert stage["worker_pid"] != os.getpid()
        assert stage["worker_pid"] in worker_pids
        assert unit["provenance"]["backend"] == "distributed"
    assert runner.state["provenance"]["dispatch_mode"] == "distributed_stage"


@pytest.mark.slow
async def test_failing_command_in_a_worker_fails_the_step(scheduler: Any, workspace: Any, tmp_path: Path, templates: Path) -> None:
    data = plan([node("boom", APPS[0], ["python", "-c", "import sys; print('oops', file=sys.stderr); sys.exit(4)"],
                      [("x", "x/x.txt")]),
                 node("fine", APPS[1], write_step("x/fine.txt"), [("fine", "x/fine.txt")])])
    runner = DagRunner.open(save_plan(templates, data), workspace,
                            executor=DistributedExecutor(workspace, scheduler.scheduler_address))
    events = []
    async with runner.run_ready(slots=2) as op:
        async for event in op.events():
            events.append(event)
    assert isinstance(events[-1], OperationFailed) and not isinstance(events[-1], OperationFinished)
    assert runner.readiness().steps["boom"].status == "failed"
    assert runner.readiness().steps["fine"].status == "completed"
    assert "code 4" in next(u for u in runner.state["units"] if u["id"] == "boom")["retry"]["last_error"]
