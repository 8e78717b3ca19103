"""Fixtures for fault tests: one installed workspace (real uv env, real Cython) for the run-kill tests."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fault_helpers import REPO_ROOT  # noqa: E402

sys.path.insert(0, str(REPO_ROOT / "tests" / "engine"))

from engine_test_helpers import run_op  # noqa: E402

from engine.events import OperationFinished  # noqa: E402
from engine.facade import Engine  # noqa: E402
from engine.workspace import Workspace  # noqa: E402

COMPUTE = "execution_pandas_project"


@pytest.fixture(scope="session")
def fault_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace with the compute app installed (pool + cython bits)."""
    home = tmp_path_factory.mktemp("fault_home")
    _, last = run_op(Engine(Workspace(home)).install(COMPUTE, modes_enabled=3))
    assert isinstance(last, OperationFinished), getattr(last, "error", last)
    return home
