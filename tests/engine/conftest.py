"""Fixtures for engine tests: one real, installed workspace shared by the slow run tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from engine_test_helpers import run_op

from engine.events import OperationFinished
from engine.facade import Engine
from engine.workspace import Workspace


@pytest.fixture(scope="session")
def installed_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace where the flight and compute apps are installed with the cython bit (real uv, real gcc)."""
    home = tmp_path_factory.mktemp("installed_home")
    engine = Engine(Workspace(home))
    for app in ("flight_telemetry_project", "execution_pandas_project"):
        _, last = run_op(engine.install(app, modes_enabled=3))
        assert isinstance(last, OperationFinished), getattr(last, "error", last)
    return home


@pytest.fixture()
def installed_engine(installed_home: Path, monkeypatch: pytest.MonkeyPatch) -> Engine:
    monkeypatch.setenv("AGILAB_TUI_HOME", str(installed_home))
    return Engine(Workspace(installed_home))
