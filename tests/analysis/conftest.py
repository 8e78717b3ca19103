"""ANALYSIS tests: real files in the active app's folders and a real MLflow sqlite store in the test's workspace."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.workspace import Workspace


@pytest.fixture
def home(isolated_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("AGILAB_TUI_TEST_MODE", "1")
    return isolated_home


@pytest.fixture
def workspace(home: Path) -> Workspace:
    return Workspace(home)
