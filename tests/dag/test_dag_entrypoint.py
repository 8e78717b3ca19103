"""``<app>.run`` steps go through the engine facade: the bundled two-app template runs for real."""

from __future__ import annotations

import json
from typing import Any

import pytest

from engine.dag import DagRunner, PlanSource, list_plans
from engine.events import LogLines
from engine.facade import Engine


@pytest.mark.slow
async def test_flight_template_runs_both_apps_and_hands_off_the_reduce_summary(workspace: Any) -> None:
    engine = Engine(workspace)
    for app in ("flight_telemetry_project", "execution_pandas_project"):
        if engine.install_status(app).reason:
            await engine.install(app).wait()
    [template] = [e for e in list_plans(workspace, PlanSource.APP_TEMPLATES) if e.dag_id == "flight-to-pandas-execution"]
    runner = DagRunner.open(template.path, workspace)
    assert runner.request_previews()[0]["request"]["data_out"] == "flight_telemetry/dataframe"

    op = runner.run_next()
    lines: list[str] = []
    async with op:
        async for event in op.events():
            if isinstance(event, LogLines):
                lines.extend(event.lines)
    assert op.error is None, op.error
    summary = workspace.data_dir / "flight_telemetry/dataframe/reduce_summary_worker_0.json"
    assert json.loads(summary.read_text())["name"] == "flight_reduce_summary"
    assert runner.readiness().runnable_ids == ["pandas_execution"]
    assert any("flight_telemetry_project" in line for line in lines)

    result = await runner.run_ready().wait()
    assert result["completed"] == ["pandas_execution"]
    assert (workspace.data_dir / "execution_pandas/dataframe/reduce_summary_worker_0.json").exists()
    flight = next(u for u in runner.state["units"] if u["id"] == "flight_context")
    assert flight["provenance"]["run_result"]["reduce_path"].endswith("reduce_summary.json")
    assert runner.state["run_status"] == "completed"
