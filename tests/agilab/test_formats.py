"""AGILab's stage files as AGILab writes them: the spec's template example, its template versions, every
``lab_stages.toml`` its wheels ship, DAG ``steps`` / ``<app>.<stage>`` entrypoints, and ``agilab.tracking``."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from engine.stages import LabStagesFile, preview_conversion, refresh_from_template, stage_code, stage_status
from engine.stages_run.preview import preview_stage_run
from stage_templates import TemplateError

REPO = Path(__file__).resolve().parents[2]
SPEC = REPO.parent / "shared" / "spec" / "versioned-stage-templates.txt"


def _spec_stage() -> dict:
    if not SPEC.exists():
        pytest.skip(f"{SPEC} is not in this checkout")
    text = SPEC.read_text("utf-8")
    block = text[text.index("[[pipeline]]"):text.index("In this model:")]
    return tomllib.loads(block)["pipeline"][0]


def test_spec_template_example_validates_and_renders() -> None:
    stage = _spec_stage()
    state = stage_status(stage)
    assert state.status.value == "newer" and state.saved_version == 3
    code = stage_code(stage)
    compile(code, "<spec stage>", "exec")
    assert "'time_horizon': 16" in code and "RUN_DATA_IN = 'network_sim/pipeline'" in code
    assert "# action: reference_allocator" in code


def test_newer_template_is_never_refreshed_to_an_older_version() -> None:
    stage = _spec_stage()
    with pytest.raises(TemplateError, match="never refreshed to an older version"):
        refresh_from_template(stage)
    older = {**stage, "template_version": 0, "C": "print('old')\n"}
    refresh = refresh_from_template(older)
    assert refresh.after["template_version"] == 1  # upwards only


def test_agilab_args_layout_and_task_alias() -> None:
    stage = {"kind": "template", "template_id": "pipeline.agi_run.single_action", "template_version": 1,
             "app": "flight_telemetry_project", "task": "flight_context",
             "args": {"data_in": "flight_telemetry/dataset", "nfile": 2, "files": "*.csv"}}
    code = stage_code(stage)
    assert "# action: flight_context" in code and "'nfile': 2" in code
    clash = {**stage, "args": {**stage["args"], "params": {"nfile": 3}}}
    with pytest.raises(TemplateError, match="nfile given both"):
        stage_code(clash)


def _shipped_labs(site: Path) -> list[Path]:
    return sorted([*site.glob("agilab/**/lab_stages.toml"), *site.glob("agi_app_*/**/lab_stages.toml")])


def test_every_shipped_lab_lists_previews_refresh_and_run_unchanged(agilab_python: Path, tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    from engine.cli import main

    site = next(agilab_python.parent.parent.glob("lib/python3.*/site-packages"))
    labs = _shipped_labs(site)
    assert len(labs) >= 10, labs
    before = {path: hashlib.sha256(path.read_bytes()).hexdigest() for path in labs}
    for path in labs:
        assert main(["stages", "list", str(path), "--json", "--home", str(tmp_path)]) == 0, path  # the CLI, in-process
        rows = json.loads(capsys.readouterr().out)["stages"]
        assert rows, f"{path}: no stage listed"
        lab = LabStagesFile.load(path)
        preview_conversion(lab)  # the refresh of generated snippets into templates, preview only
        for module in lab.modules():
            for index, stage in enumerate(lab.stages(module)):
                if stage_status(stage).status.value in ("current", "outdated"):
                    refresh_from_template(stage)
                run = preview_stage_run(stage, path.parent)
                assert run["status"] and isinstance(run["refused"], list)
                assert run["code"] or run["refused"], f"{path} {module}[{index}]: nothing to run, no reason"
    after = {path: hashlib.sha256(path.read_bytes()).hexdigest() for path in labs}
    assert after == before


def test_dag_steps_key_and_stage_entrypoints_are_refused_with_the_reason() -> None:
    from engine.dag.check import check_plan
    from engine.dag.executors import StepSpec

    plan = {"schema": "agilab.multi_app_dag.v1", "dag_id": "legacy",
            "execution": {"runner_status": "controlled_contract_stage_execution"},
            "nodes": [{"id": "ctx", "app": "flight_telemetry_project",
                       "execution": {"entrypoint": "flight_telemetry_project.flight_context", "steps": [{"name": "a"}]},
                       "produces": [{"id": "ctx_out", "kind": "dataframe", "path": "flight/out"}]}]}
    result = check_plan(plan)
    messages = " ".join(issue.message for issue in result.issues)
    assert "legacy key 'steps'" in messages and "controlled stage 'flight_context'" in messages
    from engine.dag.state import new_state

    unit = new_state(result)["units"][0]
    assert unit["execution_contract"]["steps"] == [{"name": "a"}]  # kept, not dropped
    with pytest.raises(Exception, match="retired name for 'stages'"):
        StepSpec.from_unit(unit).check_runnable()
    del unit["execution_contract"]["steps"]
    with pytest.raises(Exception, match="controlled stage 'flight_context'"):
        StepSpec.from_unit(unit).check_runnable()


def test_agilab_tracking_import_logs_to_our_store(tmp_path: Path) -> None:
    """A stage doing ``from agilab.tracking import tracker`` runs and lands in MLFLOW_TRACKING_DIR's store."""
    import mlflow

    from engine.stages_run.runner import runner_argv

    store = tmp_path / "mlruns_dir"
    store.mkdir()
    uri = f"sqlite:///{store / 'mlflow.db'}"
    client = mlflow.MlflowClient(uri)
    experiment = client.create_experiment("agilab-tracking")
    run = client.create_run(experiment)
    snippet = tmp_path / "stage.py"
    snippet.write_text("from agilab.tracking import tracker\ntracker.log_metric('speed_sum_m', 42.5)\n"
                       "tracker.log_param('source', 'agilab')\n")
    env = {"PATH": "/usr/bin:/bin", "MLFLOW_TRACKING_DIR": str(store), "MLFLOW_RUN_ID": run.info.run_id,
           "HOME": str(tmp_path)}
    done = subprocess.run(runner_argv(sys.executable, snippet, tmp_path / "lab_out.csv"), capture_output=True,
                          text=True, env=env, cwd=tmp_path, check=False, timeout=120)
    assert done.returncode == 0, done.stderr
    data = client.get_run(run.info.run_id).data
    assert data.metrics["speed_sum_m"] == 42.5 and data.params["source"] == "agilab"


def test_stage_saved_by_agilab_s_own_registry_is_listed_and_runs_its_saved_code(agilab_python: Path,
                                                                              tmp_path: Path) -> None:
    """AGILab's registry writes ``template_payload`` + fingerprints: kept as is, run with AGILab's rendering."""
    code = ("import json\nfrom agilab.pipeline.pipeline_stage_templates import DEFAULT_PIPELINE_STAGE_TEMPLATE_REGISTRY"
            " as r\nprint(json.dumps([r.saved_stage(t) for t in ('pipeline.agi_run.single_action', "
            "'generic.configure')]))")
    done = subprocess.run([str(agilab_python), "-c", code], capture_output=True, text=True, check=True, timeout=120)
    stages = json.loads(done.stdout.strip().splitlines()[-1])
    import tomlkit

    lab_file = tmp_path / "lab_stages.toml"
    document = tomlkit.document()
    document["demo"] = stages
    document["__meta__"] = {"schema": "agilab.lab_stages.v1", "version": 1}
    lab_file.write_text(tomlkit.dumps(document))
    before = lab_file.read_bytes()
    lab = LabStagesFile.load(lab_file)
    for stage in lab.stages("demo"):
        state = stage_status(stage)
        assert state.status.value in ("unknown_template", "current", "outdated", "newer"), state
        assert state.reason
        run = preview_stage_run(stage, tmp_path)
        assert run["code"] == stage["C"] and not run["refused"]
    assert lab_file.read_bytes() == before
