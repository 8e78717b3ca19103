"""Fixtures of the Runs view tests: a fresh test-mode workspace, and one installed flight workspace per module."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

DEMO_APP = "flight_telemetry_project"


@pytest.fixture
def home(isolated_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("AGILAB_TUI_TEST_MODE", "1")
    return isolated_home


@pytest.fixture(scope="module")
def installed_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One workspace per module with the flight app installed by the real engine (uv, cached)."""
    from engine.facade import Engine
    from engine.workspace import Workspace

    home = tmp_path_factory.mktemp("runs-home")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AGILAB_TUI_HOME", str(home))
        patch.setenv("AGILAB_TUI_TEST_MODE", "1")
        engine = Engine(Workspace(home))
        asyncio.run(engine.install(engine.app(DEMO_APP)).wait())
        yield home


@pytest.fixture
def shared_home(installed_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("AGILAB_TUI_HOME", str(installed_home))
    monkeypatch.setenv("AGILAB_TUI_TEST_MODE", "1")
    return installed_home

