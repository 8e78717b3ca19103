"""Fixtures of the operator-experience tests: a fresh workspace in test mode, one installed workspace per module."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

DEMO_APP = "flight_telemetry_project"


@pytest.fixture
def tui_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("AGILAB_TUI_HOME", str(home))
    monkeypatch.setenv("AGILAB_TUI_TEST_MODE", "1")
    return home


@pytest.fixture(scope="module")
def installed_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One workspace per module with the demo app installed by the real engine (uv, cached)."""
    from engine.facade import Engine
    from engine.workspace import Workspace

    home = tmp_path_factory.mktemp("operator-home")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AGILAB_TUI_HOME", str(home))
        patch.setenv("AGILAB_TUI_TEST_MODE", "1")
        engine = Engine(Workspace(home))
        asyncio.run(engine.install(engine.app(DEMO_APP)).wait())
        yield home


@pytest.fixture
def shared_home(installed_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The module's installed workspace with settings and UI state reset to the app's seeds."""
    shutil.rmtree(installed_home / "settings", ignore_errors=True)
    (installed_home / "state.toml").unlink(missing_ok=True)
    monkeypatch.setenv("AGILAB_TUI_HOME", str(installed_home))
    monkeypatch.setenv("AGILAB_TUI_TEST_MODE", "1")
    return installed_home


async def _settle(pilot: Any) -> None:
    for _ in range(3):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
    for _ in range(200):  # the other pages mount after the first frame: a loaded machine takes a while
        if all(pilot.app.view(tab) is not None for tab in ("project", "workflow", "analysis")):
            break
        await pilot.pause(0.05)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


@pytest.fixture
def settle() -> Callable[[Any], Awaitable[None]]:
    return _settle
