"""A small tracker facade for snippets and workers: MLflow by default, a no-op backend otherwise.

This module is shipped to every host, so it imports neither ``engine`` nor ``tui`` and imports
MLflow only on the first logging call.  When ``MLFLOW_RUN_ID`` is set (the engine sets it for
every pipeline stage) everything is logged into that run of the store named by
``MLFLOW_TRACKING_URI``; otherwise MLflow's active run is used, started on demand.
``AGILAB_TRACKING=none`` or a missing MLflow switches to the no-op backend.

Usage::

    from workers.tracking import tracker
    tracker.log_metric("accuracy", 0.94)
"""

from __future__ import annotations

import importlib.util
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

TRACKING_ENV = "AGILAB_TRACKING"
RUN_ID_ENV = "MLFLOW_RUN_ID"
TRACKING_URI_ENV = "MLFLOW_TRACKING_URI"


def _mlflow_importable() -> bool:
    return importlib.util.find_spec("mlflow") is not None


def default_backend() -> str:
    """``none`` when tracking is switched off or MLflow is absent, else ``mlflow``."""
    wanted = os.environ.get(TRACKING_ENV, "").strip().lower()
    if wanted in {"none", "off", "0", "false"}:
        return "none"
    return "mlflow" if _mlflow_importable() else "none"


class Tracker:
    """Logs params, metrics, tags and artifacts into the current AGILab run (or nowhere)."""

    def __init__(self, backend: str | None = None, *, run_id: str | None = None,
                 tracking_uri: str | None = None):
        self._backend = backend
        self._run_id = run_id
        self._tracking_uri = tracking_uri
        self._client: Any = None

    @property
    def backend(self) -> str:
        """The backend in use, resolved from the environment on first access."""
        if self._backend is None:
            self._backend = default_backend()
        return self._backend

    @property
    def enabled(self) -> bool:
        return self.backend == "mlflow"

    @property
    def run_id(self) -> str | None:
        """The run logged into: the explicit one, ``MLFLOW_RUN_ID``, or MLflow's active run."""
        if self._run_id:
            return self._run_id
        from_env = os.environ.get(RUN_ID_ENV)
        if from_env:
            return from_env
        if not self.enabled:
            return None
        import mlflow

        active = mlflow.active_run() or mlflow.start_run()
        return str(active.info.run_id)

    def _mlflow_client(self) -> Any:
        if self._client is None:
            from mlflow.tracking import MlflowClient

            self._client = MlflowClient(self._tracking_uri or os.environ.get(TRACKING_URI_ENV) or None)
        return self._client

    # --- the facade -------------------------------------------------------------------------
    def log_param(self, name: str, value: Any) -> None:
        """Record one parameter."""
        if self.enabled:
            self._mlflow_client().log_param(self.run_id, name, value)

    def log_params(self, params: Mapping[str, Any]) -> None:
        """Record several parameters."""
        for name, value in params.items():
            self.log_param(name, value)

    def log_metric(self, name: str, value: float, step: int | None = None) -> None:
        """Record one metric value, optionally at a step."""
        if self.enabled:
            self._mlflow_client().log_metric(self.run_id, name, float(value), step=step or 0)

    def log_metrics(self, metrics: Mapping[str, float], step: int | None = None) -> None:
        """Record several metric values at the same step."""
        for name, value in metrics.items():
            self.log_metric(name, value, step=step)

    def set_tag(self, name: str, value: Any) -> None:
        """Set one tag on the run."""
        if self.enabled:
            self._mlflow_client().set_tag(self.run_id, name, str(value))

    def set_tags(self, tags: Mapping[str, Any]) -> None:
        """Set several tags on the run."""
        for name, value in tags.items():
            self.set_tag(name, value)

    def log_artifact(self, path: str | os.PathLike[str], artifact_path: str | None = None) -> None:
        """Copy a local file or folder into the run's artifacts."""
        if not self.enabled:
            return
        local = Path(path)
        if not local.exists():
            raise FileNotFoundError(f"cannot log artifact {local}: no such file")
        client = self._mlflow_client()
        if local.is_dir():
            client.log_artifacts(self.run_id, str(local), artifact_path)
        else:
            client.log_artifact(self.run_id, str(local), artifact_path)

    def log_text(self, text: str, artifact_file: str) -> None:
        """Store ``text`` as the artifact ``artifact_file`` (a relative path such as ``notes/a.txt``)."""
        if not self.enabled:
            return
        relative = Path(artifact_file)
        with tempfile.TemporaryDirectory(prefix="agilab_text_") as tmp:
            local = Path(tmp) / relative.name
            local.write_text(text, encoding="utf-8")
            parent = str(relative.parent) if str(relative.parent) not in {"", "."} else None
            self._mlflow_client().log_artifact(self.run_id, str(local), parent)


tracker = Tracker()
"""The process-wide tracker; its backend and run are read from the environment when first used."""

__all__ = ["Tracker", "default_backend", "tracker"]
