"""Pipeline runs traced in a real MLflow sqlite store, read back with ``MlflowClient``."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from engine.events import LogLines, OperationFailed, OperationFinished
from engine.records import wait_pending
from engine.stages_run import run_pipeline, run_stage

from .helpers import drain, raw_stage

pytestmark = pytest.mark.slow

STAGE_0 = "import pandas as pd\ndf = pd.DataFrame({'x': [1, 2]})\nprint('stage zero done')\n"
STAGE_1 = textwrap.dedent("""\
    import os
    from workers.tracking import tracker
    df['y'] = df['x'] * 2
    tracker.log_metric('rows', len(df))
    tracker.log_param('flavour', 'vanilla')
    print('run id', os.environ['MLFLOW_RUN_ID'])
""")


def _client(workspace):
    from mlflow.tracking import MlflowClient

    return MlflowClient(workspace.mlflow_tracking_uri())


def _artifact_files(client, run_id: str, path: str | None = None) -> set[str]:
    found: set[str] = set()
    for item in client.list_artifacts(run_id, path):
        found |= _artifact_files(client, run_id, item.path) if item.is_dir else {item.path}
    return found


async def test_pipeline_has_parent_and_nested_runs_with_metadata(workspace, make_lab):
    lab = make_lab([
        raw_stage(STAGE_0, "seed", Q="make two rows", M="gpt-test"),
        raw_stage(STAGE_1, "double", Q="double x"),
    ])

    _, terminal = await drain(run_pipeline(workspace, lab))

    assert isinstance(terminal, OperationFinished), terminal
    # The pipeline's run record is logged into its parent run by the tracking thread, after the operation
    # finished: asserting before it is done sees the parent with or without the record, by timing.
    assert wait_pending(120)
    client = _client(workspace)
    experiment = client.get_experiment_by_name("demo_project")
    assert Path(experiment.artifact_location.removeprefix("file://")).is_relative_to(workspace.mlflow_dir)
    runs = client.search_runs([experiment.experiment_id])
    parent = next(r for r in runs if r.info.run_name == "demo_project:demo:pipeline")
    assert parent.info.run_id == terminal.result["mlflow_run_id"]
    assert parent.info.status == "FINISHED"
    assert parent.data.tags["agilab.component"] == "pipeline"
    assert parent.data.tags["agilab.app"] == "demo_project"
    assert parent.data.tags["agilab.lab"] == "demo"
    assert parent.data.tags["agilab.stages_file"] == str(lab.stages_file)
    assert parent.data.tags["agilab.tracking_uri"] == workspace.mlflow_tracking_uri()
    assert parent.data.params == {"sequence": "[0, 1]", "stage_count": "2"}
    assert _artifact_files(client, parent.info.run_id) == {
        "lab_stages.toml", "record/run.log", "record/run_manifest.json"}

    nested = {r.info.run_name: r for r in runs if r.data.tags.get("mlflow.parentRunId") == parent.info.run_id}
    assert set(nested) == {"demo_project:demo:stage_0", "demo_project:demo:stage_1"}
    first, second = nested["demo_project:demo:stage_0"], nested["demo_project:demo:stage_1"]
    assert first.data.tags["agilab.component"] == "pipeline-stage"
    assert first.data.tags["agilab.stage_index"] == "0"
    assert first.data.tags["agilab.engine"] == "runpy"
    assert first.data.tags["agilab.runtime"] == "default"
    assert first.data.tags["agilab.status"] == "completed"
    assert first.data.params == {"description": "seed", "question": "make two rows", "model": "gpt-test",
                                 "engine": "runpy", "runtime": "default"}
    assert _artifact_files(client, first.info.run_id) == {
        "stage_0/stdout.txt", "stage_0/run.log", "stage_0/lab_snippet.py", "stage_0/lab_out.csv"}
    stdout = Path(client.download_artifacts(first.info.run_id, "stage_0/stdout.txt")).read_text()
    assert "stage zero done" in stdout
    snippet = Path(client.download_artifacts(second.info.run_id, "stage_1/lab_snippet.py")).read_text()
    assert snippet == STAGE_1
    frame = Path(client.download_artifacts(second.info.run_id, "stage_1/lab_out.csv")).read_text()
    assert frame.splitlines() == ["x,y", "1,2", "2,4"]

    # The stage's own tracker calls landed in its nested run (MLFLOW_RUN_ID reached the subprocess).
    assert second.data.metrics == {"rows": 2.0}
    assert second.data.params["flavour"] == "vanilla"
    log = Path(client.download_artifacts(second.info.run_id, "stage_1/run.log")).read_text()
    assert f"run id {second.info.run_id}" in log


async def test_failed_stage_marks_runs_failed_and_stops(workspace, make_lab):
    lab = make_lab([
        raw_stage("print('ok')\n", "fine"),
        raw_stage("raise RuntimeError('bad input')\n", "broken"),
        raw_stage("print('unreached')\n", "later"),
    ])

    _, terminal = await drain(run_pipeline(workspace, lab))

    assert isinstance(terminal, OperationFailed)
    assert terminal.error.endswith("RuntimeError: bad input")
    client = _client(workspace)
    runs = client.search_runs([client.get_experiment_by_name("demo_project").experiment_id])
    by_name = {r.info.run_name: r for r in runs}
    assert by_name["demo_project:demo:pipeline"].info.status == "FAILED"
    assert by_name["demo_project:demo:pipeline"].data.tags["agilab.status"] == "failed"
    assert by_name["demo_project:demo:stage_1"].info.status == "FAILED"
    assert by_name["demo_project:demo:stage_1"].data.tags["agilab.status"] == "failed"
    assert "demo_project:demo:stage_2" not in by_name
    stderr_log = Path(client.download_artifacts(by_name["demo_project:demo:stage_1"].info.run_id,
                                                "stage_1/run.log")).read_text()
    assert "[stderr] RuntimeError: bad input" in stderr_log


async def test_cancelled_pipeline_closes_its_runs_as_killed(workspace, make_lab):
    lab = make_lab([raw_stage("import time\nprint('waiting', flush=True)\ntime.sleep(600)\n", "hang")])
    op = run_pipeline(workspace, lab)
    async with op:
        async for event in op.events():
            if isinstance(event, LogLines) and "waiting" in event.lines:
                await op.cancel()
            terminal = event

    assert isinstance(terminal, OperationFailed) and terminal.cancelled
    client = _client(workspace)
    runs = {r.info.run_name: r for r in client.search_runs(
        [client.get_experiment_by_name("demo_project").experiment_id])}
    assert runs["demo_project:demo:pipeline"].info.status == "KILLED"
    stage = runs["demo_project:demo:stage_0"]
    assert (stage.info.status, stage.data.tags["agilab.status"]) == ("KILLED", "cancelled")
    log = Path(client.download_artifacts(stage.info.run_id, "stage_0/run.log")).read_text()
    assert "[stdout] waiting" in log


async def test_single_stage_run_is_tracked_through_its_record(workspace, make_lab):
    lab = make_lab([raw_stage("from workers.tracking import tracker\ntracker.log_metric('m', 1)\nprint('ok')\n")])

    _, plain = await drain(run_stage(workspace, lab, 0))
    _, tracked = await drain(run_stage(workspace, lab, 0, track=True))

    assert isinstance(plain, OperationFinished) and plain.result["stages"][0]["mlflow_run_id"] is None
    assert isinstance(tracked, OperationFinished)
    assert wait_pending(120)
    client = _client(workspace)
    runs = client.search_runs([client.get_experiment_by_name("demo_project").experiment_id])
    assert len(runs) == 2
    # track=True: the stage's own run, where its tracker calls land; its run record is logged into it.
    own = next(r for r in runs if r.info.run_id == tracked.result["stages"][0]["mlflow_run_id"])
    assert (own.info.run_name, own.data.tags["agilab.component"], own.data.metrics["m"]) == (
        "demo_project:demo:stage_0", "stage", 1.0)
    assert own.data.tags["agilab.run_record_id"] == tracked.result["run_id"]
    # Every execution is an MLflow run through its record, the edit-loop run too (without the stage's metric).
    plain_run = next(r for r in runs if r.data.tags.get("agilab.run_record_id") == plain.result["run_id"])
    assert plain_run.data.tags["agilab.kind"] == "stage" and "m" not in plain_run.data.metrics
    assert plain_run.data.params["stage"] == "0" and plain_run.data.metrics["stage_0_seconds"] > 0


def test_tracker_is_a_no_op_when_tracking_is_off(tmp_path):
    script = textwrap.dedent("""\
        import json, sys
        from workers.tracking import tracker
        tracker.log_metric('a', 1.0)
        tracker.log_params({'p': 1})
        tracker.set_tag('t', 'v')
        tracker.log_text('hello', 'notes/a.txt')
        print(json.dumps([tracker.backend, tracker.run_id, 'mlflow' in sys.modules]))
    """)
    env = {"PATH": "/usr/bin:/bin", "AGILAB_TRACKING": "none", "HOME": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", script], cwd=Path(__file__).parents[2], env=env,
                         capture_output=True, text=True, check=True).stdout
    assert json.loads(out) == ["none", None, False]
