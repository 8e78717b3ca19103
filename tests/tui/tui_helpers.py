"""App factories shared by the TUI tests (kept out of conftest.py so test modules can import them)."""

from __future__ import annotations

import shutil
from pathlib import Path

from tui.app import AgilabApp, make_app

DEMO_APP = "flight_telemetry_project"


def broken_app(home: Path, name: str = "broken_project") -> str:
    """A workspace app with settings but no worker package, so INSTALL fails at its first step."""
    src = home / "projects" / name / "src"
    src.mkdir(parents=True)
    seed = Path(__file__).resolve().parents[2] / "apps" / DEMO_APP / "src" / "app_settings.toml"
    shutil.copy(seed, src / "app_settings.toml")
    return name


def new_app() -> AgilabApp:
    """The real app on the real engine of the current AGILAB_TUI_HOME, in test mode."""
    return make_app(test_mode=True)
