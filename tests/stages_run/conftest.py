"""Fixtures for stage execution tests: an isolated workspace with one app and a lab builder."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from engine.stages_run import Lab, append_stages
from engine.workspace import Workspace

APP = "demo_project"


@pytest.fixture(autouse=True)
def _isolated_tracking_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """A developer's own MLflow settings must not leak into the runs under test."""
    for name in ("MLFLOW_TRACKING_URI", "MLFLOW_RUN_ID", "AGILAB_TRACKING", "MLFLOW_EXPERIMENT_NAME",
                 "MLFLOW_EXPERIMENT_ID"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    """A workspace under tmp_path holding the user app ``demo_project`` (found by the CLI too)."""
    workspace = Workspace(tmp_path / "home")
    (workspace.projects_dir / APP / "src").mkdir(parents=True)
    return workspace


@pytest.fixture
def make_lab(workspace: Workspace) -> Callable[[Sequence[Mapping[str, Any]]], Lab]:
    """Write ``stages`` into the demo app's ``lab_stages.toml`` and return its lab."""

    def build(stages: Sequence[Mapping[str, Any]]) -> Lab:
        lab = Lab.for_app(workspace, APP)
        append_stages(lab, stages, replace=True)
        return lab

    return build
