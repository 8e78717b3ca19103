"""PROJECT tests: the real engine on a fresh workspace (AGILAB_TUI_HOME from the root conftest), test mode on."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.facade import Engine
from engine.workspace import Workspace


@pytest.fixture
def home(isolated_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("AGILAB_TUI_TEST_MODE", "1")
    return isolated_home


@pytest.fixture
def workspace(home: Path) -> Workspace:
    return Workspace(home)


@pytest.fixture
def engine(workspace: Workspace) -> Engine:
    return Engine(workspace)
