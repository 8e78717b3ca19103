"""Fixtures for the TUI tests: a fresh workspace per test, and one installed workspace per module.

Every test runs the real engine on the bundled demo apps; AGILAB_TUI_HOME points at a tmp folder so a
developer's own workspace never changes results, and test mode hides clocks and tmp paths.
"""

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
    """A fresh, empty workspace for one test."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("AGILAB_TUI_HOME", str(home))
    monkeypatch.setenv("AGILAB_TUI_TEST_MODE", "1")
    return home


def install_app(home: Path, app_name: str) -> None:
    """Install an app's worker environment with the real engine (uv; cached after the first time)."""
    from engine.facade import Engine
    from engine.workspace import Workspace

    engine = Engine(Workspace(home))
    asyncio.run(engine.install(engine.app(app_name)).wait())


@pytest.fixture(scope="module")
def installed_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One workspace per module with the demo app installed (install takes seconds to tens of seconds)."""
    home = tmp_path_factory.mktemp("installed-home")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AGILAB_TUI_HOME", str(home))
        patch.setenv("AGILAB_TUI_TEST_MODE", "1")
        install_app(home, DEMO_APP)
        yield home


@pytest.fixture
def shared_home(installed_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The module's installed workspace with settings and UI state reset to the app's seeds."""
    shutil.rmtree(installed_home / "settings", ignore_errors=True)
    (installed_home / "state.toml").unlink(missing_ok=True)
    # The root conftest points every test at a fresh home; this test wants the shared one.
    monkeypatch.setenv("AGILAB_TUI_HOME", str(installed_home))
    monkeypatch.setenv("AGILAB_TUI_TEST_MODE", "1")
    return installed_home


async def _settle(pilot: Any) -> None:
    for _ in range(3):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


@pytest.fixture
def settle() -> Callable[[Any], Awaitable[None]]:
    """``await settle(pilot)``: wait for every worker (engine calls, operations), then for their messages."""
    return _settle
