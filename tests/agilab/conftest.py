"""AGILab itself, installed once per machine (session fixture, file lock), and a scratch HOME per session."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .agilab_env import agilab_env, cli, ensure_install, prepare_home

FLIGHT = "agilab:flight_telemetry_project"


@pytest.fixture(scope="session")
def agilab_python() -> Path:
    try:
        return ensure_install()
    except RuntimeError as exc:
        pytest.skip(f"AGILab cannot be installed here: {exc}")


@pytest.fixture(scope="session")
def agilab_home(tmp_path_factory: pytest.TempPathFactory, agilab_python: Path) -> Path:
    return prepare_home(tmp_path_factory.mktemp("agilab_user_home"), agilab_python)


@pytest.fixture(scope="session")
def agilab_workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("agilab_tui_workspace")


@pytest.fixture(scope="session")
def agilab_cli_env(agilab_home: Path, agilab_python: Path, agilab_workspace: Path) -> dict[str, str]:
    return agilab_env(agilab_home, agilab_python, agilab_workspace)


def _settings_all_files(home: Path) -> None:
    """Every trajectory file of AGILab's flight dataset, so runs compare on the whole set."""
    path = home / ".agilab" / "apps" / "flight_telemetry_project" / "app_settings.toml"
    text = path.read_text("utf-8")
    text = text.replace('files = "*"\n', 'files = "*.csv"\n').replace("nfile = 1\n", "nfile = 0\n")
    path.write_text(text)


@pytest.fixture(scope="session")
def flight_installed(agilab_cli_env: dict[str, str], agilab_home: Path) -> dict:
    """``agilab-tui install agilab:flight_telemetry_project`` once per session (AGI.install, ~30-90 s)."""
    done = cli(agilab_cli_env, "install", FLIGHT, "--modes-enabled", "5", "--json")
    payload = json.loads(done.stdout) if done.stdout.strip().startswith("{") else {"ok": False}
    if not payload.get("ok"):
        pytest.fail(f"install failed: {payload.get('error')}\n{done.stderr[-3000:]}")
    _settings_all_files(agilab_home)
    return {"payload": payload, "log": done.stderr}


@pytest.fixture
def agilab_in_process(monkeypatch: pytest.MonkeyPatch, agilab_home: Path, agilab_python: Path) -> Path:
    """This process sees the session's AGILab HOME and Python (for engine-level and Pilot tests)."""
    monkeypatch.setenv("HOME", str(agilab_home))
    monkeypatch.setenv("AGILAB_PYTHON", str(agilab_python))
    monkeypatch.setenv("UV_PYTHON_DOWNLOADS", "never")
    return agilab_home
