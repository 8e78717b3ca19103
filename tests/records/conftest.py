"""Fixtures for run-record tests: one installed workspace (the flight app) shared by the session.

Installing takes seconds to tens of seconds (uv, cached), so every test here runs real executions in
the same workspace; each test tells its own records apart by the run ids its operations return.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "engine"))

from engine_test_helpers import run_op  # noqa: E402
from records_helpers import FLIGHT, run_ok  # noqa: E402

from engine.events import OperationFinished  # noqa: E402
from engine.facade import Engine  # noqa: E402
from engine.workspace import Workspace  # noqa: E402


@pytest.fixture(scope="session")
def records_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("records_home")
    engine = Engine(Workspace(home))
    _, last = run_op(engine.install(FLIGHT, modes_enabled=3))
    assert isinstance(last, OperationFinished), getattr(last, "error", last)
    return home


@pytest.fixture()
def engine(records_home: Path, monkeypatch: pytest.MonkeyPatch) -> Engine:
    """The shared workspace with the flight app's settings reset to its seed."""
    monkeypatch.setenv("AGILAB_TUI_HOME", str(records_home))
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    shutil.rmtree(records_home / "settings", ignore_errors=True)
    return Engine(Workspace(records_home))


@pytest.fixture()
def dataset_copy(engine: Engine, tmp_path: Path) -> Path:
    """A private copy of the flight dataset (generated once by a first run when missing)."""
    source = engine.workspace.data_dir / "flight_telemetry" / "dataset"
    if not any(source.glob("*.csv")):
        finished = run_ok(engine, engine.run(FLIGHT, engine.request_from_settings(FLIGHT, mode=0)))
        assert finished.result["run_id"]
    target = tmp_path / "dataset"
    # Without the generator's marker the copy is user data: the app never regenerates it.
    shutil.copytree(source, target, ignore=shutil.ignore_patterns(".agilab_generated*"))
    return target


