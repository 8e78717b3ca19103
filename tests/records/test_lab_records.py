"""WORKFLOW stage runs and pipelines leave records too; a pipeline keeps its parent/nested MLflow runs."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from engine.events import OperationFailed, OperationFinished
from engine.records import list_runs, load_manifest, wait_pending
from engine.records.mlflow_sync import PARENT_TAG
from engine.stages_run import Lab, append_stages, run_pipeline, run_stage
from engine.workspace import Workspace

APP = "demo_project"


@pytest.fixture()
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    for name in ("MLFLOW_TRACKING_URI", "MLFLOW_RUN_ID", "AGILAB_TRACKING"):
        monkeypatch.delenv(name, raising=False)
    workspace = Workspace(tmp_path / "home")
    (workspace.projects_dir / APP / "src").mkdir(parents=True)
    return workspace


def _lab(workspace: Workspace, codes: list[str]) -> Lab:
    lab = Lab.for_app(workspace, APP)
    append_stages(lab, [{"D": f"stage {i}", "Q": "", "M": "", "C": code, "R": "runpy", "E": ""}
                        for i, code in enumerate(codes)], replace=True)
    return lab


def _drain(op):
    async def go():
        async with op:
            async for event in op.events():
                last = event
        return last

    return asyncio.run(go())


MAKE_DF = "import pandas as pd\ndf = pd.DataFrame({'a': [1, 2, 3]})\nprint('made')\n"
GROW_DF = "df['b'] = df['a'] * 2\nprint('grown')\n"


def test_pipeline_record_is_logged_into_the_pipeline_parent_run(workspace: Workspace):
    lab = _lab(workspace, [MAKE_DF, GROW_DF])
    last = _drain(run_pipeline(workspace, lab))
    assert isinstance(last, OperationFinished), getattr(last, "error", last)
    runs_dir = workspace.log_dir(workspace.app(APP)) / "runs"
    [summary] = list_runs(runs_dir)
    assert summary.run_id == last.result["run_id"] and summary.kind == "pipeline" and summary.status == "completed"
    assert summary.args == {"sequence": [0, 1]}
    rec = load_manifest(summary.record_dir)["record"]
    assert [o["name"] for o in rec["outputs"]] == ["lab_out.csv"] and rec["outputs"][0]["rows"] == 3
    assert rec["inputs"][0]["path"] == str(lab.source_file)
    assert "made" in (summary.record_dir / "run.log").read_text()
    assert set(rec["metrics"]) >= {"stage_0_seconds", "stage_1_seconds", "seconds"}

    assert wait_pending(120)
    rec = load_manifest(summary.record_dir)["record"]
    assert rec["tracking"]["status"] == "ok" and rec["tracking"]["mlflow_run_id"] == last.result["mlflow_run_id"]
    from mlflow.tracking import MlflowClient

    client = MlflowClient(workspace.mlflow_tracking_uri())
    parent = client.get_run(last.result["mlflow_run_id"])
    assert parent.data.tags["agilab.run_record_id"] == summary.run_id and parent.data.tags["agilab.kind"] == "pipeline"
    assert parent.data.tags["agilab.component"] == "pipeline"  # the pipeline's own tags are kept
    nested = client.search_runs([parent.info.experiment_id],
                                filter_string=f"tags.`{PARENT_TAG}` = '{parent.info.run_id}'")
    assert sorted(r.info.run_name for r in nested) == ["demo_project:demo:stage_0", "demo_project:demo:stage_1"]


def test_failed_pipeline_and_stage_runs_are_recorded_with_the_reason(workspace: Workspace):
    lab = _lab(workspace, [MAKE_DF, "raise RuntimeError('bad stage')\n"])
    failed = _drain(run_pipeline(workspace, lab, track=False))
    assert isinstance(failed, OperationFailed)
    stage = _drain(run_stage(workspace, lab, 0))
    assert isinstance(stage, OperationFinished)
    runs = list_runs(workspace.log_dir(workspace.app(APP)) / "runs")
    assert [(r.kind, r.status) for r in runs] == [("stage", "completed"), ("pipeline", "failed")]
    assert "stage 1 failed: RuntimeError: bad stage" in runs[1].error
    assert runs[0].args == {"stage": 0}
    assert wait_pending(120)
    # The stage's edit-loop run has no MLflow run of its own: its record creates one.
    assert load_manifest(runs[0].record_dir)["record"]["tracking"]["status"] == "ok"
