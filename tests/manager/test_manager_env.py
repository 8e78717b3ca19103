"""The app's manager runs in its own uv env, in a subprocess per call: never inside the TUI/CLI process.

Throwaway apps are cloned from the template app into the test's workspace and their manager edited:
one imports a package this test process does not have, one raises, one hangs.
"""

from __future__ import annotations

import asyncio
import importlib.util
import sys
from pathlib import Path

import psutil
import pytest

from engine.events import LogLines, OperationFailed
from engine.facade import Engine
from engine.health import app_health
from engine.install import worker_env
from engine.manager_env import install_manager_env_op, manager_env
from engine.projects import create_from_template
from engine.workspace import AppProject, Workspace


def clone(workspace: Workspace, name: str, *, imports: str = "", prepare: str = "", distribute: str = "",
          dependencies: tuple[str, ...] = ()) -> AppProject:
    """A copy of the template app whose manager gets extra imports and lines in its two methods."""
    create_from_template(workspace, name)
    app = workspace.app(f"{name}_project")
    manager = app.manager_dir / f"{name}.py"
    code = manager.read_text("utf-8")
    code = code.replace("from workers.plan import WorkPlan", f"{imports}\nfrom workers.plan import WorkPlan")
    code = code.replace("        self.data_in.mkdir(parents=True, exist_ok=True)\n",
                        f"        self.data_in.mkdir(parents=True, exist_ok=True)\n{prepare}")
    code = code.replace("        n, parts = ", f"{distribute}        n, parts = ")
    manager.write_text(code, "utf-8")
    if dependencies:
        pyproject = app.path / "pyproject.toml"
        text = pyproject.read_text("utf-8")
        listed = ", ".join(f'"{d}"' for d in dependencies)
        pyproject.write_text(text.replace('dependencies = ["pydantic>=2.7"]', f'dependencies = ["pydantic>=2.7", {listed}]'))
    return app


def own_modules(*names: str) -> list[str]:
    return sorted(m for m in sys.modules if m.split(".")[0] in names)


def manager_processes(workspace: Workspace) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        cmdline = " ".join(proc.info["cmdline"] or [])
        if "workers.manager_server" in cmdline and str(workspace.root) in cmdline:
            found.append(proc)
    return found


@pytest.fixture
def workspace(isolated_home: Path) -> Workspace:
    return Workspace(isolated_home)


@pytest.mark.slow
async def test_a_manager_importing_a_package_the_tui_lacks_installs_and_runs(workspace: Workspace) -> None:
    if importlib.util.find_spec("tabulate") is not None:
        pytest.skip("tabulate is installed in this environment: the test needs a package the TUI lacks")
    app = clone(workspace, "tabby", imports="import tabulate",
                prepare="        log(tabulate.tabulate([['items', self.args.n_items]], tablefmt='plain'))\n",
                dependencies=("tabulate",))
    engine = Engine(workspace)
    await engine.install(app).wait()
    assert manager_env(workspace, app).python.exists() and worker_env(workspace, app).python.exists()
    assert manager_env(workspace, app).root != worker_env(workspace, app).root
    lines: list[str] = []
    async with engine.run(app, engine.request_from_settings(app, mode=0)) as op:
        async for event in op.events():
            if isinstance(event, LogLines):
                lines += [f"{event.source}: {line}" for line in event.lines]
    assert op.error is None, op.error
    assert "manager: items  1000" in lines  # printed by tabulate inside the manager env
    assert len(list((workspace.data_dir / "tabby" / "dataframe").glob("*.csv"))) == 4
    cards = {card.key: card for card in app_health(workspace, app)}
    assert cards["manager"].status == "ok" and "Tabby" in cards["manager"].detail
    assert importlib.util.find_spec("tabulate") is None
    assert own_modules("tabby", "tabby_worker", "tabulate") == []


async def test_a_manager_that_raises_gives_its_traceback_and_a_clear_error(workspace: Workspace) -> None:
    app = clone(workspace, "boom", distribute="        raise RuntimeError('no partitions today')\n")
    await install_manager_env_op(workspace, app).wait()
    engine = Engine(workspace)
    lines: list[str] = []
    async with engine.get_distrib(app) as op:
        async for event in op.events():
            if isinstance(event, LogLines):
                lines += list(event.lines)
            elif isinstance(event, OperationFailed):
                error = event.error
    assert "Boom.build_distribution raised RuntimeError: no partitions today" in error
    assert any(line.startswith("Traceback") for line in lines)
    assert any("boom.py" in line and "build_distribution" in line for line in lines)
    assert not worker_env(workspace, app).plan_file.exists(), "nothing half-written"
    assert own_modules("boom") == []


async def test_a_manager_that_hangs_is_cancelled_and_leaves_no_process(workspace: Workspace) -> None:
    app = clone(workspace, "stuck", imports="import time",
                prepare="        log('manager is hanging now')\n        time.sleep(600)\n")
    await install_manager_env_op(workspace, app).wait()
    engine = Engine(workspace)
    op = engine.get_distrib(app)
    async with op:
        async for event in op.events():
            if isinstance(event, LogLines) and "manager is hanging now" in event.lines:
                assert manager_processes(workspace), "the manager runs in its own process"
                await op.cancel()
    assert op.cancelled
    await asyncio.sleep(0.2)
    assert [p.pid for p in manager_processes(workspace) if p.is_running() and p.status() != "zombie"] == []
    assert not worker_env(workspace, app).plan_file.exists()


async def test_before_install_the_manager_says_run_install_first(workspace: Workspace) -> None:
    engine = Engine(workspace)
    app = engine.app("minimal_app_project")
    op = engine.get_distrib(app)
    async with op:
        async for _ in op.events():
            pass
    assert op.error and "run INSTALL first" in op.error
    cards = {card.key: card for card in app_health(workspace, app)}
    assert cards["manager"].status == "fail" and cards["manager"].detail == "not installed"
    assert "agilab-tui install minimal_app_project" in cards["manager"].fix


async def test_schema_comes_from_the_manager_env(workspace: Workspace) -> None:
    engine = Engine(workspace)
    app = engine.app("flight_telemetry_project")
    await install_manager_env_op(workspace, app).wait()
    reply = engine.args_schema(app)
    assert reply["has_model"] and reply["model"] == "flight_telemetry.app_args.FlightTelemetryArgs"
    props = reply["schema"]["properties"]
    assert props["output_format"]["enum"] == ["parquet", "csv"] and props["nfile"]["minimum"] == 0
    assert reply["defaults"]["synthetic_aircraft"] == 6
    assert own_modules("flight_telemetry") == []


async def test_an_app_without_an_args_model_gets_its_args_as_validated_toml(workspace: Workspace) -> None:
    app = clone(workspace, "plain")
    manager = app.manager_dir / "plain.py"
    manager.write_text(manager.read_text().replace("    Args = PlainArgs\n", ""))
    await install_manager_env_op(workspace, app).wait()
    engine = Engine(workspace)
    reply = engine.args_schema(app)
    assert reply["has_model"] is False and reply["schema"] is None
    saved = engine.save_args_toml(app, "n_items = 12\nn_partitions = 3\ndata_out = 'plain/dataframe'\n")
    assert saved == {"n_items": 12, "n_partitions": 3, "data_out": "plain/dataframe"}
    result = await engine.get_distrib(app).wait()
    assert len(result["plan"]["worker_slots"]) >= 1 and result["plan"]["target_args"]["n_items"] == 12
    with pytest.raises(Exception, match="invalid TOML"):
        engine.save_args_toml(app, "n_items = [\n")
    assert own_modules("plain") == []
