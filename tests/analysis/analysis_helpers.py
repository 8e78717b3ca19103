"""Real output files and MLflow runs for the ANALYSIS tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from engine.workspace import Workspace

APP = "flight_telemetry_project"


def write_outputs(workspace: Workspace) -> dict[str, Path]:
    """A CSV and a Parquet in data_out, an export CSV, two reduce artefacts, a manifest and a benchmark."""
    import numpy as np
    import pandas as pd

    app = workspace.app(APP)
    out = workspace.data_dir / "flight_telemetry" / "dataframe"
    out.mkdir(parents=True)
    n = 60
    frame = pd.DataFrame({"aircraft": [f"A{i % 3}" for i in range(n)], "speed": np.arange(n, dtype=float) * 2.5,
                          "alt": [(i * 37) % 100 for i in range(n)]})
    frame.to_csv(out / "A_output.csv", index=False)
    frame.to_parquet(out / "B_output.parquet", index=False)
    frame.head(5).to_csv(workspace.export_dir(app) / "export.csv", index=False)
    reduce = {"schema_version": 1, "name": "flight_reduce_summary", "reducer": "flight.v1", "partial_count": 2,
              "partial_ids": ["a", "b"], "payload": {"row_count": 100, "mean_speed_m": 10.0},
              "metadata": {"app": APP}}
    (out / "reduce_summary_worker_0.json").write_text(json.dumps(reduce), "utf-8")
    reduce["payload"] = {"row_count": 120, "mean_speed_m": 12.5}
    (out / "reduce_summary_worker_1.json").write_text(json.dumps(reduce), "utf-8")
    log = workspace.log_dir(app)
    manifest = {"schema_version": 1, "kind": "agilab.run_manifest", "run_id": "run-abc", "label": "flight mode 0",
                "status": "pass", "timing": {"duration_seconds": 1.5},
                "artifacts": [{"name": "A_output.csv", "kind": "output", "exists": True, "size_bytes": 10}],
                "validations": [{"label": "reduce", "status": "pass", "summary": "ok"}]}
    (log / "run_manifest.json").write_text(json.dumps(manifest), "utf-8")
    bench = {"0": {"mode": "____", "seconds": 2.0, "order": 2, "delta": 1.0},
             "1": {"mode": "___p", "seconds": 1.0, "order": 1, "delta": 0.0}}
    (log / "benchmark.json").write_text(json.dumps(bench), "utf-8")
    return {"csv": out / "A_output.csv", "parquet": out / "B_output.parquet", "out": out}


def make_runs(workspace: Workspace) -> dict[str, str]:
    """A parent run with two nested runs (params, metrics, an artifact) written with the real MLflow client."""
    from mlflow.tracking import MlflowClient

    client = MlflowClient(workspace.mlflow_tracking_uri())
    experiment = client.create_experiment(APP, artifact_location=(workspace.mlflow_dir / "artifacts").as_uri())
    ids: dict[str, Any] = {}
    parent = client.create_run(experiment, run_name="pipeline", start_time=1_700_000_000_000)
    ids["parent"] = parent.info.run_id
    client.log_param(ids["parent"], "profile", "default")
    for index, (name, accuracy) in enumerate((("stage_0", 0.5), ("stage_1", 0.75))):
        run = client.create_run(experiment, run_name=name, start_time=1_700_000_001_000 + index,
                                tags={"mlflow.parentRunId": ids["parent"], "agilab.stage_index": str(index)})
        client.log_metric(run.info.run_id, "accuracy", accuracy)
        client.log_param(run.info.run_id, "engine", "runpy")
        client.log_text(run.info.run_id, f"stage {index}", f"stage_{index}/stdout.txt")
        client.set_terminated(run.info.run_id)
        ids[name] = run.info.run_id
    client.set_terminated(ids["parent"])
    return ids
