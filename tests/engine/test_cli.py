"""The headless CLI: streamed logs, --json output, non-zero exit on failure (real subprocesses)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-c", "import sys; from tui.__main__ import main; sys.exit(main())"]


def cli(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "AGILAB_TUI_HOME": str(home)}
    return subprocess.run([*CLI, *args], env=env, capture_output=True, text=True, timeout=600, cwd=REPO)


def test_apps_lists_bundled_apps_as_json(isolated_home: Path):
    out = cli(isolated_home, "apps", "--json")
    assert out.returncode == 0, out.stderr
    names = {row["name"] for row in json.loads(out.stdout)}
    assert {"flight_telemetry_project", "execution_pandas_project", "minimal_app_project"} <= names


def test_unknown_app_and_bad_mode_fail_with_clear_errors(isolated_home: Path):
    out = cli(isolated_home, "run", "no_such_app")
    assert out.returncode == 1 and "no app named 'no_such_app'" in out.stderr
    out = cli(isolated_home, "run", "flight_telemetry", "--mode", "17")
    assert out.returncode == 1 and "unknown mode bits" in out.stderr


def test_malformed_settings_fail_naming_the_file(isolated_home: Path):
    settings = isolated_home / "settings" / "flight_telemetry_project" / "app_settings.toml"
    settings.parent.mkdir(parents=True)
    settings.write_text("[cluster\npool = true\n")
    out = cli(isolated_home, "distribute", "flight_telemetry")
    assert out.returncode == 1 and str(settings) in out.stderr and "line 1" in out.stderr
    assert settings.read_text() == "[cluster\npool = true\n"


@pytest.mark.slow
def test_run_json_and_worker_env_holds_only_worker_dependencies(installed_home: Path):
    out = cli(installed_home, "--home", str(installed_home), "run", "flight_telemetry", "--mode", "1", "--json")
    assert out.returncode == 0, out.stderr[-2000:]
    payload = json.loads(out.stdout)
    assert payload["ok"] and payload["result"]["token"] == "___p"
    assert Path(payload["result"]["reduce_path"]).exists()
    python = installed_home / "wenv" / "flight_telemetry_worker" / ".venv" / "bin" / "python"
    probe = ("import importlib.util as u; print([m for m in ('textual','mlflow','openai','tomlkit','pydantic','pandas',"
             "'distributed','Cython') if u.find_spec(m)])")
    found = subprocess.run([str(python), "-c", probe], capture_output=True, text=True, check=True, cwd="/").stdout
    assert eval(found) == ["pandas", "distributed", "Cython"]
