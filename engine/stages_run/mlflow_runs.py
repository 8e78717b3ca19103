"""MLflow bookkeeping for lab executions: one parent run per pipeline, one nested run per stage.

Every method blocks (SQLAlchemy, file copies), so the async runner calls them through
``asyncio.to_thread``.  MLflow itself is imported only when a recorder is created.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .lab import Lab
from .runner import engine_label, runtime_label

# MLflow run statuses for our outcome names.
_STATUS = {"completed": "FINISHED", "failed": "FAILED", "cancelled": "KILLED"}


def tracking_available() -> bool:
    """False when ``AGILAB_TRACKING=none`` or MLflow cannot be imported."""
    from workers.tracking import default_backend

    return default_backend() == "mlflow"


class LabRecorder:
    """Writes the runs of one lab execution into the store at ``tracking_uri``."""

    def __init__(self, lab: Lab, tracking_uri: str, artifact_root: Path):
        from mlflow.tracking import MlflowClient

        self.lab = lab
        self.tracking_uri = tracking_uri
        self.client = MlflowClient(tracking_uri)
        self.experiment_id = self._experiment(lab.app, artifact_root)
        self.parent_run_id: str | None = None

    def _experiment(self, name: str, artifact_root: Path) -> str:
        from mlflow.exceptions import MlflowException

        existing = self.client.get_experiment_by_name(name)
        if existing is not None:
            return str(existing.experiment_id)
        location = (artifact_root / "artifacts" / name).as_uri()
        try:
            return str(self.client.create_experiment(name, artifact_location=location))
        except MlflowException:
            # Another execution created it between our lookup and our create.
            again = self.client.get_experiment_by_name(name)
            if again is None:
                raise
            return str(again.experiment_id)

    def _run_name(self, suffix: str) -> str:
        return f"{self.lab.app}:{self.lab.module}:{suffix}"

    def start_pipeline(self, sequence: Sequence[int]) -> str:
        """Open the parent run and record the sequence and the stages file."""
        tags = {
            "agilab.component": "pipeline",
            "agilab.app": self.lab.app,
            "agilab.lab": self.lab.module,
            "agilab.stages_file": str(self.lab.source_file),
            "agilab.tracking_uri": self.tracking_uri,
        }
        run = self.client.create_run(self.experiment_id, run_name=self._run_name("pipeline"), tags=tags)
        run_id = str(run.info.run_id)
        self.client.log_param(run_id, "sequence", json.dumps(list(sequence)))
        self.client.log_param(run_id, "stage_count", len(sequence))
        if self.lab.source_file.is_file():
            self.client.log_artifact(run_id, str(self.lab.source_file))
        self.parent_run_id = run_id
        return run_id

    def start_stage(self, index: int, stage: Mapping[str, Any]) -> str:
        """Open the run of one stage, nested under the pipeline run when there is one."""
        tags = {
            "agilab.component": "pipeline-stage" if self.parent_run_id else "stage",
            "agilab.app": self.lab.app,
            "agilab.lab": self.lab.module,
            "agilab.stage_index": str(index),
            "agilab.engine": engine_label(stage),
            "agilab.runtime": runtime_label(stage),
            "agilab.status": "running",
        }
        if self.parent_run_id:
            tags["mlflow.parentRunId"] = self.parent_run_id
        run = self.client.create_run(self.experiment_id, run_name=self._run_name(f"stage_{index}"), tags=tags)
        run_id = str(run.info.run_id)
        params = {
            "description": stage.get("D", ""),
            "question": stage.get("Q", ""),
            "model": stage.get("M", ""),
            "engine": engine_label(stage),
            "runtime": runtime_label(stage),
        }
        for name, value in params.items():
            # MLflow caps param values; long prompts are truncated here and kept whole in the toml.
            self.client.log_param(run_id, name, str(value or "")[:6000])
        return run_id

    def finish_stage(self, run_id: str, index: int, status: str, artifacts: Sequence[Path]) -> None:
        """Attach the stage's files under ``stage_N/`` and close its run with ``status``."""
        for path in artifacts:
            if path.is_file():
                self.client.log_artifact(run_id, str(path), f"stage_{index}")
        self.client.set_tag(run_id, "agilab.status", status)
        self.client.set_terminated(run_id, _STATUS.get(status, "FAILED"))

    def finish_pipeline(self, status: str) -> None:
        """Close the parent run with ``status``."""
        if self.parent_run_id:
            self.client.set_tag(self.parent_run_id, "agilab.status", status)
            self.client.set_terminated(self.parent_run_id, _STATUS.get(status, "FAILED"))

    def child_env(self, stage_run_id: str) -> dict[str, str]:
        """Environment that lets the stage's own tracker calls land in its nested run."""
        env = {"MLFLOW_TRACKING_URI": self.tracking_uri, "MLFLOW_RUN_ID": stage_run_id}
        if self.parent_run_id:
            env["AGILAB_PIPELINE_RUN_ID"] = self.parent_run_id
        # Keep a user's explicit off switch visible to the child as well.
        if os.environ.get("AGILAB_TRACKING"):
            env["AGILAB_TRACKING"] = os.environ["AGILAB_TRACKING"]
        return env
