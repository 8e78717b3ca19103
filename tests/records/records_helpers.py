"""Helpers shared by the run-record tests."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "engine"))

from engine_test_helpers import run_op  # noqa: E402

from engine.events import OperationFailed, OperationFinished  # noqa: E402

FLIGHT = "flight_telemetry_project"


def run_ok(engine: Any, op: Any) -> OperationFinished:
    _, last = run_op(op)
    assert isinstance(last, OperationFinished), getattr(last, "error", last)
    return last


def run_failed(engine: Any, op: Any) -> OperationFailed:
    _, last = run_op(op)
    assert isinstance(last, OperationFailed), f"expected a failure, got {last}"
    return last


def mlflow_client(engine: Any) -> Any:
    from mlflow.tracking import MlflowClient

    return MlflowClient(tracking_uri=engine.workspace.mlflow_tracking_uri())


def record_of(engine: Any, run_id: str) -> dict[str, Any]:
    return engine.run_record(run_id)["record"]
