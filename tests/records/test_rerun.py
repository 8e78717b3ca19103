"""Rerun reproduces a recorded run and checks its outputs hash by hash."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from records_helpers import FLIGHT, record_of, run_failed, run_ok

from engine.facade import Engine
from engine.records import RecordError
from engine.records.store import load_manifest, write_manifest

pytestmark = pytest.mark.slow


def _private_run(engine: Engine, dataset: Path, out: Path) -> dict:
    request = engine.request_from_settings(FLIGHT, mode=0)
    overrides = {"data_in": str(dataset), "data_out": str(out)}
    return run_ok(engine, engine.run(FLIGHT, request, overrides=overrides)).result


def test_rerun_of_a_run_is_identical(engine: Engine, dataset_copy: Path, tmp_path: Path):
    original = _private_run(engine, dataset_copy, tmp_path / "out")
    result = run_ok(engine, engine.rerun(original["run_id"])).result
    assert result["identical"] is True and result["differences"] == []
    assert result["new_run_id"] != original["run_id"] and result["forced"] is False
    rerun = record_of(engine, result["new_run_id"])
    assert rerun["kind"] == "rerun" and rerun["rerun_of"] == original["run_id"]
    assert rerun["args"] == record_of(engine, original["run_id"])["args"]
    assert rerun["reproduction"]["identical"] is True
    assert len(result["outputs"]["same"]) == 7  # 6 parquet files and the merged reduce summary


def test_rerun_after_an_input_changed_names_the_output_that_differs(engine: Engine, dataset_copy: Path,
                                                                   tmp_path: Path):
    original = _private_run(engine, dataset_copy, tmp_path / "out")
    path = dataset_copy / "flight_003.csv"
    rows = list(csv.reader(path.open()))
    rows[10][4] = f"{float(rows[10][4]) + 0.5:.6f}"  # one latitude moves: aircraft AC003 flies differently
    with path.open("w", newline="") as handle:
        csv.writer(handle).writerows(rows)
    result = run_ok(engine, engine.rerun(original["run_id"])).result  # a changed input never blocks a rerun
    assert result["identical"] is False
    assert result["differences"] == ["flight_003_AC003.parquet", "reduce_summary.json"]
    assert [c["path"] for c in result["inputs"]["changed"]] == [str(path)]


def test_rerun_is_refused_when_sources_or_environment_changed_unless_forced(engine: Engine, dataset_copy: Path,
                                                                           tmp_path: Path):
    original = _private_run(engine, dataset_copy, tmp_path / "out")
    folder = engine.run_record_dir(original["run_id"])
    manifest = load_manifest(folder)
    # The record says the run used other worker code and another pandas than today's.
    manifest["record"]["app_fingerprint"]["files"]["worker/flight_telemetry_worker.py"] = "0" * 64
    manifest["record"]["worker_environment"]["packages"]["pandas"] = "0.0.1"
    write_manifest(folder, manifest)

    refused = run_failed(engine, engine.rerun(original["run_id"]))
    assert "worker/flight_telemetry_worker.py was modified" in refused.error
    assert "worker package pandas: 0.0.1 ->" in refused.error and "force" in refused.error
    assert len(refused.result["changes"]) == 2
    assert len(engine.runs(FLIGHT)) == len([r for r in engine.runs(FLIGHT)])  # nothing half-recorded
    assert not any(r.rerun_of == original["run_id"] for r in engine.runs(FLIGHT))

    forced = run_ok(engine, engine.rerun(original["run_id"], force=True)).result
    assert forced["forced"] is True and forced["identical"] is True
    assert record_of(engine, forced["new_run_id"])["reproduction"]["changes"] == refused.result["changes"]


def test_rerun_refuses_unknown_ids_and_non_runs(engine: Engine):
    with pytest.raises(RecordError, match="not a run id"):
        engine.rerun("nope")
    with pytest.raises(RecordError, match="no run record 20000101T000000-abcdef"):
        engine.rerun("20000101T000000-abcdef")
    bench = run_ok(engine, engine.benchmark(FLIGHT, [0])).result
    with pytest.raises(RecordError, match="benchmark record"):
        engine.rerun(bench["run_id"])
    assert json.loads((Path(bench["record_dir"]) / "run_manifest.json").read_text())["record"]["children"]
