"""Install compiles no bytecode wholesale; the env's own interpreter writes it for what it imports.

Install speed is measured by tests/bench/bench_install.py; this checks the behaviour that makes it
fast without slowing runs: the preflight's imports leave their .pyc, the env writes .pyc even under
PYTHONDONTWRITEBYTECODE, and bytecode written in the ``.building`` folder names the final path.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from engine_test_helpers import run_op

from engine.events import OperationFinished
from engine.facade import Engine
from engine.install import worker_env
from engine.lazy_bytecode import PTH_NAME
from engine.manager_env import manager_env
from engine.modes import DASK_MODE
from engine.workspace import Workspace

FLIGHT = "flight_telemetry_project"
TAG = sysconfig.get_config_var("SOABI").split("-")[0]  # cpython-311 -> "cpython"
PYC = f"{TAG}-{sysconfig.get_python_version().replace('.', '')}.pyc"


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Workspace, object]:
    home = tmp_path_factory.mktemp("lazy_bytecode_home")
    workspace = Workspace(home)
    engine = Engine(workspace)
    _, last = run_op(engine.install(FLIGHT, modes_enabled=1 | DASK_MODE))
    assert isinstance(last, OperationFinished), getattr(last, "error", last)
    return workspace, workspace.app(FLIGHT)


def _site_packages(venv: Path) -> Path:
    return next(venv.glob("lib/python*/site-packages"))


def _child_env() -> dict[str, str]:
    return {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}  # as this environment sets it


def test_install_writes_bytecode_only_for_what_runs_import(installed):
    workspace, app = installed
    env = worker_env(workspace, app)
    site = _site_packages(env.venv)
    assert (site / PTH_NAME).read_text() == "import sys; sys.dont_write_bytecode = False\n"
    # the preflight imported pandas, pyarrow and the Dask scheduler/worker entry points
    for module in ("pandas/__pycache__/__init__", "pyarrow/__pycache__/__init__",
                   "distributed/cli/__pycache__/dask_worker", "distributed/cli/__pycache__/dask_scheduler"):
        assert (site / f"{module}.{PYC}").is_file(), module
    assert (env.src / "workers" / "__pycache__" / f"runner.{PYC}").is_file()
    # ...and not the rest: far fewer .pyc than modules (compileall wrote one per module)
    sources = sum(1 for _ in site.rglob("*.py"))
    compiled = sum(1 for _ in site.rglob("*.pyc"))
    assert 0 < compiled < sources / 2, (compiled, sources)
    manager = manager_env(workspace, app)
    assert (_site_packages(manager.venv) / PTH_NAME).is_file()
    assert any(_site_packages(manager.venv).glob(f"pydantic/__pycache__/*.{PYC}"))  # its preflight's imports


def test_the_env_writes_bytecode_despite_pythondontwritebytecode(installed):
    workspace, app = installed
    env = worker_env(workspace, app)
    probe = env.src / "bytecode_probe.py"
    probe.write_text("VALUE = 1\n")
    cached = env.src / "__pycache__" / f"bytecode_probe.{PYC}"
    try:
        done = subprocess.run([str(env.python), "-c", "import sys, bytecode_probe; print(sys.dont_write_bytecode)"],
                              env=_child_env(), capture_output=True, text=True, cwd=env.root, timeout=120)
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == "False" and cached.is_file()
        # The interpreter of this test (not the env's) keeps honouring the variable.
        plain = subprocess.run([sys.executable, "-c", "import sys; print(sys.dont_write_bytecode)"], env=_child_env(),
                               capture_output=True, text=True, timeout=60)
        assert plain.stdout.strip() == "True"
    finally:
        probe.unlink()
        cached.unlink(missing_ok=True)


def test_bytecode_written_while_building_names_the_final_path(installed):
    workspace, app = installed
    env = worker_env(workspace, app)
    code = ("import inspect, json, workers.runner as r\n"
            "fns = [v for v in vars(r).values() if inspect.isfunction(v) and v.__module__ == r.__name__]\n"
            "print(json.dumps({'cached': r.__cached__, 'file': r.__file__, 'code': fns[0].__code__.co_filename}))")
    done = subprocess.run([str(env.python), "-c", code], env=_child_env(), capture_output=True, text=True,
                          cwd=env.root, timeout=120)
    assert done.returncode == 0, done.stderr
    paths = json.loads(done.stdout)
    assert Path(paths["cached"]).is_file()  # loaded from the .pyc the preflight wrote in .building
    assert paths["code"] == paths["file"] == str(env.src / "workers" / "runner.py")
    assert ".building" not in done.stdout
