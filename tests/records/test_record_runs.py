"""Real flight runs leave records; compare names what changed; each record is an MLflow run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from records_helpers import FLIGHT, mlflow_client, record_of, run_ok

from engine.facade import Engine
from engine.records.mlflow_sync import PARENT_TAG

pytestmark = pytest.mark.slow


def test_two_runs_with_different_args_are_two_records_compared_and_tracked(engine: Engine):
    request = engine.request_from_settings(FLIGHT, mode=0)
    first = run_ok(engine, engine.run(FLIGHT, request)).result
    second = run_ok(engine, engine.run(FLIGHT, request, overrides={"nfile": 3})).result
    assert first["run_id"] != second["run_id"]
    for result in (first, second):
        folder = Path(result["record_dir"])
        assert folder.parent.parent == engine.workspace.log_dir(engine.app(FLIGHT))
        assert {"run.log", "run_manifest.json", "run_spec.json", "distribution_tree.json"} <= {
            p.name for p in folder.iterdir()}

    runs = engine.runs(FLIGHT)
    ids = [r.run_id for r in runs]
    assert ids.index(second["run_id"]) < ids.index(first["run_id"])  # newest first
    newer = runs[ids.index(second["run_id"])]
    assert newer.status == "completed" and newer.kind == "run" and newer.mode == 0 and newer.token == "____"
    assert newer.args["nfile"] == 3 and "nfile" in newer.changed_args
    assert newer.metrics["row_count"] == 3 * 1200

    diff = engine.compare_runs(first["run_id"], second["run_id"])
    assert diff["args"] == [{"key": "nfile", "a": 0, "b": 3}]
    rows = {m["name"]: m for m in diff["metrics"]}
    assert rows["row_count"]["a"] == 7200 and rows["row_count"]["b"] == 3600
    assert rows["row_count"]["delta"] == -3600 and rows["row_count"]["pct"] == -50.0
    assert {"seconds", "mean_speed_m"} <= set(rows)
    assert len(diff["inputs"]["removed"]) == 3 and not diff["inputs"]["changed"]
    assert len(diff["outputs"]["removed"]) == 3 and "reduce_summary.json" in {
        c["name"] for c in diff["outputs"]["changed"]}
    assert diff["env"] == []

    # The override was recorded, not saved.
    assert engine.settings(FLIGHT).args["nfile"] == 0
    rec = record_of(engine, second["run_id"])
    assert rec["extra"]["overrides"] == {"nfile": 3}

    assert engine.wait_tracking(180)
    client = mlflow_client(engine)
    for result, nfile, rows_expected in ((first, "0", 7200), (second, "3", 3600)):
        tracking = record_of(engine, result["run_id"])["tracking"]
        assert tracking["status"] == "ok", tracking
        run = client.get_run(tracking["mlflow_run_id"])
        assert run.data.params["nfile"] == nfile and run.data.params["mode"] == "0"
        assert json.loads(run.data.params["hosts"]) == {"127.0.0.1": 2}
        assert run.data.metrics["row_count"] == rows_expected and run.data.metrics["seconds"] > 0
        assert run.data.tags["agilab.run_record_id"] == result["run_id"]
        assert run.data.tags["agilab.kind"] == "run" and run.data.tags["agilab.mode_token"] == "____"
        assert run.data.tags["agilab.status"] == "completed" and len(run.data.tags["agilab.app_fingerprint"]) == 64
        assert client.get_experiment(run.info.experiment_id).name == FLIGHT
        artifacts = {a.path for a in client.list_artifacts(run.info.run_id, "record")}
        assert {"record/run_manifest.json", "record/run.log", "record/distribution_tree.json"} <= artifacts


def test_record_holds_the_whole_log_and_the_facts_of_the_run(engine: Engine):
    result = run_ok(engine, engine.run(FLIGHT, engine.request_from_settings(FLIGHT, mode=0))).result
    folder = Path(result["record_dir"])
    log = (folder / "run.log").read_text()
    assert f"run {FLIGHT} in mode" in log and "implementation:" in log and len(log.splitlines()) >= 2
    log_dir = engine.workspace.log_dir(engine.app(FLIGHT))
    # The latest-run mirrors at AGILab's paths are this run's.
    assert (log_dir / "run.log").read_text() == log
    mirror = json.loads((log_dir / "run_manifest.json").read_text())
    assert mirror["run_id"] == result["run_id"] and mirror["status"] == "pass"
    manifest = engine.run_record(result["run_id"])
    assert manifest["kind"] == "agilab.run_manifest" and manifest["schema_version"] == 1
    assert {"command", "environment", "timing", "artifacts", "validations", "created_at"} <= set(manifest)
    rec = manifest["record"]
    assert rec["status"] == "completed" and rec["error"] is None and rec["seconds"] > 0
    assert rec["args"]["output_format"] == "parquet" and rec["hosts"] == {"127.0.0.1": 2}
    assert rec["slots"] == ["127.0.0.1-0", "127.0.0.1-1"]
    assert "worker/flight_telemetry_worker.py" in rec["app_fingerprint"]["files"]
    assert "manager/flight_telemetry.py" in rec["app_fingerprint"]["files"]
    assert rec["worker_environment"]["packages"]["pandas"]
    assert len(rec["inputs"]) == 6 and all(i["fingerprint"].startswith("b2:") for i in rec["inputs"])
    parquet = [o for o in rec["outputs"] if o["name"].endswith(".parquet")]
    assert len(parquet) == 6 and all(o["rows"] == 1200 and len(o["sha256"]) == 64 for o in parquet)
    assert rec["reduce"]["aircraft_count"] == 6 and rec["metrics"]["aircraft_count"] == 6
    plan = json.loads((folder / "distribution_tree.json").read_text())
    assert plan["worker_slots"] == rec["slots"]
    assert json.loads((folder / "run_spec.json").read_text())["plan"] == plan


def test_benchmark_is_a_parent_record_with_one_nested_mlflow_run_per_mode(engine: Engine):
    result = run_ok(engine, engine.benchmark(FLIGHT, [0, 1, 2])).result
    parent = record_of(engine, result["run_id"])
    assert parent["kind"] == "benchmark" and parent["status"] == "completed"
    assert len(parent["children"]) == 3 and set(parent["metrics"]) >= {"seconds_mode_0", "seconds_mode_1",
                                                                         "seconds_mode_2"}
    children = {record_of(engine, c)["mode"]: record_of(engine, c) for c in parent["children"]}
    assert set(children) == {0, 1, 2}
    assert all(c["kind"] == "benchmark-mode" and c["parent_id"] == result["run_id"] for c in children.values())
    # benchmark.json stays at AGILab's path and is kept in the record too
    log_dir = engine.workspace.log_dir(engine.app(FLIGHT))
    assert json.loads((log_dir / "benchmark.json").read_text()) == parent["extra"]["benchmark"]
    assert (Path(result["record_dir"]) / "benchmark.json").is_file()

    assert engine.wait_tracking(180)
    client = mlflow_client(engine)
    parent_tracking = record_of(engine, result["run_id"])["tracking"]
    assert parent_tracking["status"] == "ok", parent_tracking
    parent_run = client.get_run(parent_tracking["mlflow_run_id"])
    assert parent_run.data.tags["agilab.kind"] == "benchmark"
    nested = client.search_runs([parent_run.info.experiment_id],
                                filter_string=f"tags.`{PARENT_TAG}` = '{parent_run.info.run_id}'")
    assert sorted(r.data.params["mode"] for r in nested) == ["0", "1", "2"]
    assert {r.data.tags["agilab.mode_token"] for r in nested} == {"____", "___p", "__c_"}
    assert all(r.data.metrics["row_count"] == 7200 for r in nested)
