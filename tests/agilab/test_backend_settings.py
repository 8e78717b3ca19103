"""Discovery, settings, args model and health cards of the AGILab backend (real AGILab Python, no runs)."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

from engine.errors import SettingsError
from engine.facade import Engine
from engine.workspace import Workspace

from .conftest import FLIGHT


def _cards(engine: Engine, mode: int | None = None) -> dict[str, object]:
    from engine.backends.agilab.health import cards

    return {card.key: card for card in cards(engine.workspace, mode=mode)}


def test_settings_follow_home_and_args_come_from_the_app_model(agilab_in_process: Path, isolated_home: Path) -> None:
    engine = Engine(Workspace(isolated_home))
    app = engine.app(FLIGHT)
    assert app.backend == "agilab" and app.target == "flight_telemetry"
    settings = engine.settings(app)
    assert settings.path == agilab_in_process / ".agilab" / "apps" / "flight_telemetry_project" / "app_settings.toml"
    reply = engine.args_schema(app)
    assert reply["model"].endswith("FlightArgs") and "nfile" in reply["schema"]["properties"]
    assert reply["values"] == settings.args
    before = settings.path.read_bytes()
    with pytest.raises(SettingsError, match=r"args\.bogus.*unknown key") as caught:
        engine.save_args(app, {**settings.args, "bogus": 1})
    assert str(settings.path) in str(caught.value)
    assert settings.path.read_bytes() == before
    saved = engine.save_args(app, {**settings.args, "nskip": 1})
    assert saved["nskip"] == 1 and "nskip = 1" in settings.path.read_text()
    engine.save_args(app, {**saved, "nskip": 0})


def test_discovery_is_cached_and_extra_folders_are_listed(agilab_in_process: Path, agilab_python: Path,
                                                           isolated_home: Path,
                                                           tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = Engine(Workspace(isolated_home))
    names = {app.name for app in engine.apps()}
    assert {FLIGHT, "agilab:minimal_app_project", "flight_telemetry_project"} <= names
    cache = json.loads((isolated_home / "cache" / "agilab_discovery.json").read_text())
    assert any(key.startswith(str(agilab_python)) for key in cache["pythons"])
    extra = tmp_path / "my_apps"
    shutil.copytree(engine.app(FLIGHT).path / "src", extra / "radar_project" / "src",
                    ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    monkeypatch.setenv("AGILAB_APPS_PATH", str(extra))
    assert "agilab:radar_project" in {app.name for app in engine.apps()}
    monkeypatch.delenv("AGILAB_APPS_PATH")
    from engine.backends.agilab.discovery import add_apps_path

    add_apps_path(engine.workspace, extra)  # the PROJECT action: remembered in the workspace settings
    assert "agilab:radar_project" in {app.name for app in engine.apps()}


def test_health_cards_say_what_is_missing_and_how_to_fix_it(agilab_in_process: Path, agilab_python: Path,
                                                            isolated_home: Path, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    engine = Engine(Workspace(isolated_home))
    ready = _cards(engine, mode=4)
    assert {k for k, c in ready.items() if c.status == "fail"} == set(), ready
    # a fresh HOME: no AGI_PYTHON_VERSION (AgiEnv then wants 3.14), no cluster share
    bare = tmp_path / "bare_home"
    bare.mkdir()
    monkeypatch.setenv("HOME", str(bare))
    cards = _cards(engine, mode=4)
    assert cards["agi_python"].status == "fail" and "3.14" in cards["agi_python"].detail
    assert "AGI_PYTHON_VERSION=3.1" in cards["agi_python"].fix
    assert cards["cluster_share"].status == "fail" and cards["cluster_share"].fix == \
        f"mkdir -p {bare / 'clustershare' / 'user'}"
    with pytest.raises(Exception, match="AGILab backend not ready: AGI_PYTHON_VERSION"):
        from engine.backends.agilab.health import blocking

        blocking(engine.workspace, mode=4)
    # this interpreter (3.11 here) has no agilab and is too old
    monkeypatch.setenv("AGILAB_PYTHON", sys.executable)
    cards = _cards(engine)
    if sys.version_info < (3, 12):
        assert cards["python"].status == "fail" and "needs >= 3.12" in cards["python"].detail
    assert cards["agilab"].status == "fail" and "agilab[examples]" in cards["agilab"].fix
    monkeypatch.setenv("AGILAB_PYTHON", str(tmp_path / "nowhere" / "python"))
    assert _cards(engine)["agilab"].detail.endswith("does not exist")
    monkeypatch.delenv("AGILAB_PYTHON")
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    missing = _cards(engine)["agilab"]
    assert missing.status == "fail" and "AGILAB_PYTHON" in missing.fix


def test_agilab_cli_health_use_python_and_add_apps(agilab_cli_env: dict[str, str], agilab_python: Path,
                                                   tmp_path: Path) -> None:
    from .agilab_env import cli

    done = cli(agilab_cli_env, "agilab", "health", "--dask", "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    assert {card["key"] for card in json.loads(done.stdout)} >= {"python", "agilab", "uv", "agi_python",
                                                                   "cluster_share"}
    env = {**agilab_cli_env, "AGILAB_TUI_HOME": str(tmp_path / "ws")}
    env.pop("AGILAB_PYTHON")
    env["PATH"] = "/usr/bin:/bin"
    assert cli(env, "agilab", "health").returncode == 1  # nothing configured: fail, with the fix printed
    assert cli(env, "agilab", "use-python", str(agilab_python)).returncode == 0
    done = cli(env, "apps", "--json")
    assert "agilab:flight_telemetry_project" in {row["name"] for row in json.loads(done.stdout)}
    empty = tmp_path / "empty"
    empty.mkdir()
    refused = cli(env, "agilab", "add-apps", str(empty))
    assert refused.returncode == 1 and "holds no AGILab project" in refused.stderr
