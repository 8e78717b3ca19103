"""Real runs: a real uv worker env, a real Cython compile, real pools and real Dask processes."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import psutil
import pytest
from engine_test_helpers import run_op

from engine.events import LogLines, OperationFailed, OperationFinished, OperationStarted, Progress
from engine.facade import Engine
from engine.run_request import RunRequest
from engine.workspace import Workspace

pytestmark = pytest.mark.slow
FLIGHT = "flight_telemetry_project"


def _payload(result: dict) -> dict:
    return json.loads(Path(result["reduce_path"]).read_text())["payload"]


def test_flight_modes_0_1_2_4_give_identical_metrics(installed_engine: Engine):
    results = {}
    for mode in (0, 1, 2, 4):
        request = installed_engine.request_from_settings(FLIGHT, mode=mode)
        events, last = run_op(installed_engine.run(FLIGHT, request))
        assert isinstance(last, OperationFinished), getattr(last, "error", "")
        assert isinstance(events[0], OperationStarted)
        assert any(isinstance(e, Progress) for e in events)
        results[mode] = last.result
    payloads = {mode: _payload(r) for mode, r in results.items()}
    assert payloads[0]["aircraft_count"] == 6 and payloads[0]["speed_count"] > 1000
    assert 150 < payloads[0]["mean_speed_m"] < 300  # synthetic aircraft fly 200-260 m/s
    for mode in (1, 2, 4):
        assert payloads[mode] == payloads[0], f"mode {mode} differs from mode 0"
    out = Path(results[0]["output_dir"])
    assert sorted(p.name for p in out.glob("*.parquet")) == [Path(o).name for o in results[0]["outputs"]]
    assert (out / "reduce_summary_worker_0.json").exists() and (out / "reduce_summary_worker_1.json").exists()
    # the cython bit really runs the compiled extension, and mode 4 really used Dask worker processes
    assert any(i.endswith("_cy") for i in results[2]["implementations"])
    assert not any(i.endswith("_cy") for i in results[0]["implementations"])
    assert len(results[4]["cluster_pids"]) == 3 and not any(psutil.pid_exists(p) and
                                                               psutil.Process(p).status() != "zombie"
                                                               for p in results[4]["cluster_pids"])
    manifest = json.loads(Path(results[4]["manifest"]).read_text())
    assert manifest["kind"] == "agilab.run_manifest" and manifest["status"] == "pass"
    assert any(a["kind"] == "reduce_summary" and a["exists"] for a in manifest["artifacts"])


def test_benchmark_writes_agilab_fields(installed_engine: Engine):
    modes = [0, 3, 5, 6, 7]  # with 1, 2 and 4 covered above, every run mode 0-7 runs for real
    _, last = run_op(installed_engine.benchmark(FLIGHT, modes))
    assert isinstance(last, OperationFinished), getattr(last, "error", "")
    table = json.loads(Path(last.result["path"]).read_text())
    assert set(table) == {str(m) for m in modes}
    for row in table.values():
        assert {"variant", "nodes", "node", "mode", "timing", "seconds", "order", "delta"} <= set(row)
    assert sorted(r["order"] for r in table.values()) == list(range(1, len(modes) + 1))
    assert min(r["delta"] for r in table.values()) == 0
    assert table["3"]["mode"] == "__cp" and table["7"]["mode"] == "_dcp" and table["6"]["variant"] == "dask"
    assert installed_engine.load_benchmark(FLIGHT) == table
    payloads = {m: _payload(run) for m, run in last.result["runs"].items()}
    assert all(p == payloads[0] for p in payloads.values())
    assert any(i.endswith("_cy") for i in last.result["runs"][7]["implementations"])


def test_cancelling_a_run_kills_its_processes(installed_engine: Engine):
    # Other fixtures of the session (fake SSH hosts, servers) may already have children: ignore them.
    before = {c.pid for c in psutil.Process().children(recursive=True)}

    async def scenario():
        request = installed_engine.request_from_settings(FLIGHT, mode=4)
        op = installed_engine.run(FLIGHT, request)
        children: set[int] = set()
        async with op:
            async for event in op.events():
                children |= {c.pid for c in psutil.Process().children(recursive=True)}
                if isinstance(event, LogLines) and any("dask scheduler at" in line for line in event.lines):
                    await asyncio.sleep(0.5)
                    children |= {c.pid for c in psutil.Process().children(recursive=True)}
                    await op.cancel()
        return op, children

    op, children = asyncio.run(scenario())
    children -= before
    assert op.cancelled and children
    alive = [p for p in children if psutil.pid_exists(p) and psutil.Process(p).status() != "zombie"]
    assert alive == []


def test_cython_mode_without_extension_is_a_clear_error(isolated_home: Path):
    engine = Engine(Workspace(isolated_home))
    _, last = run_op(engine.install("minimal_app_project", modes_enabled=0))
    assert isinstance(last, OperationFinished), getattr(last, "error", "")
    request = engine.request_from_settings("minimal_app_project", mode=2)
    _, failed = run_op(engine.run("minimal_app_project", request))
    assert isinstance(failed, OperationFailed) and "cython toggle" in failed.error
    _, ok = run_op(engine.run("minimal_app_project", engine.request_from_settings("minimal_app_project", mode=0)))
    assert isinstance(ok, OperationFinished)
    assert _payload(ok.result) == {"count": 1000, "square_sum": sum(n * n for n in range(1000))}


def test_rapids_mode_is_refused_clearly(installed_engine: Engine):
    _, last = run_op(installed_engine.run(FLIGHT, installed_engine.request_from_settings(FLIGHT, mode=8)))
    assert isinstance(last, OperationFailed) and "RAPIDS" in last.error and "not available on this host" in last.error


def test_run_before_install_says_install_first(isolated_home: Path):
    engine = Engine(Workspace(isolated_home))
    _, last = run_op(engine.run(FLIGHT))
    assert isinstance(last, OperationFailed) and "run INSTALL first" in last.error


def test_failed_install_is_reported_failed_and_not_installed(isolated_home: Path, tmp_path: Path):
    import shutil

    from engine.workspace import REPO_ROOT

    workspace = Workspace(isolated_home)
    clone = workspace.projects_dir / "broken_app_project"
    shutil.copytree(REPO_ROOT / "apps" / "minimal_app_project", clone, ignore=shutil.ignore_patterns("__pycache__"))
    for path in clone.rglob("*"):
        if path.is_file() and path.suffix in (".py", ".toml", ".md"):
            path.write_text(path.read_text().replace("minimal_app", "broken_app").replace("MinimalApp", "BrokenApp"))
    for folder in sorted(clone.rglob("*minimal_app*"), reverse=True):
        folder.rename(folder.with_name(folder.name.replace("minimal_app", "broken_app")))
    manifest = clone / "src" / "broken_app_worker" / "pyproject.toml"
    manifest.write_text(manifest.read_text().replace('"pandas>=2.2"', '"pandas>=2.2", "agilab-no-such-package-xyz==9.9"'))
    engine = Engine(workspace)
    events, last = run_op(engine.install("broken_app_project"))
    assert isinstance(last, OperationFailed) and "install dependencies" in last.error
    assert not engine.install_status("broken_app_project").installed
    assert any("agilab-no-such-package-xyz" in line for e in events if isinstance(e, LogLines) for line in e.lines)


def test_generated_run_snippet_is_runnable(installed_home: Path, installed_engine: Engine, tmp_path: Path):
    snippet = installed_engine.snippets(FLIGHT)["run"]
    assert snippet.startswith("# AGILAB generated snippet\n# snippet_api: agi.snippet.v1\n")
    path = tmp_path / "AGI_run_flight_telemetry.py"
    path.write_text(snippet)
    env = {**os.environ, "AGILAB_TUI_HOME": str(installed_home)}
    out = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, env=env, timeout=300,
                         cwd=Path(__file__).resolve().parents[2])
    assert out.returncode == 0, out.stderr[-2000:]
    assert "'mode': 0" in out.stdout and "reduce_summary.json" in out.stdout
    for kind, marker in (("distribute", "distribution_tree.json"), ("install", "'ok': True")):
        path = tmp_path / f"AGI_{kind}.py"
        path.write_text(installed_engine.snippets(FLIGHT)[kind])
        out = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, env=env, timeout=300,
                             cwd=Path(__file__).resolve().parents[2])
        assert out.returncode == 0 and marker in out.stdout, out.stderr[-2000:]


def test_distribute_then_reassign_is_used_by_the_next_run(installed_engine: Engine):
    _, last = run_op(installed_engine.get_distrib(FLIGHT))
    assert isinstance(last, OperationFinished)
    plan = last.result["plan"]
    assert len(plan["worker_slots"]) == 2
    moved = installed_engine.distribution.reassign(plan, 0, 0, 1)
    installed_engine.save_distribution(FLIGHT, moved)
    events, run = run_op(installed_engine.run(FLIGHT, installed_engine.request_from_settings(FLIGHT, mode=0)))
    assert isinstance(run, OperationFinished)
    assert any("reusing the saved work plan" in line for e in events if isinstance(e, LogLines) for line in e.lines)
    worker1 = json.loads((Path(run.result["output_dir"]) / "reduce_summary_worker_1.json").read_text())
    assert plan["work_plan_metadata"][0][0]["partition"] in worker1["partial_ids"]


def test_dask_mode_without_shared_folder_ships_partitions_and_outputs(installed_engine: Engine):
    settings = installed_engine.settings(FLIGHT)
    settings.update_cluster(data_transfer="dask")
    settings.save()
    try:
        _, shared = run_op(installed_engine.run(FLIGHT, installed_engine.request_from_settings(FLIGHT, mode=0)))
        # verbose 2 shows the runner's transfer reports in the live log (run.log keeps them at any level).
        request = installed_engine.request_from_settings(FLIGHT, mode=4).with_execution(verbose=2)
        events, shipped = run_op(installed_engine.run(FLIGHT, request))
    finally:
        settings = installed_engine.settings(FLIGHT)
        settings.update_cluster(data_transfer="auto")
        settings.save()
    assert isinstance(shipped, OperationFinished), getattr(shipped, "error", "")
    lines = [line for e in events if isinstance(e, LogLines) for line in e.lines]
    assert any('"through dask"' in line for line in lines)
    assert _payload(shipped.result) == _payload(shared.result)
    assert sorted(shipped.result["outputs"]) == sorted(shared.result["outputs"])
    assert all(Path(p).exists() for p in shipped.result["outputs"])


def test_a_dask_worker_killed_mid_run_is_replaced_and_the_run_completes(installed_engine: Engine):
    app = "execution_pandas_project"
    params = {"rows_per_file": 2500, "iterations": 3000, "n_partitions": 6}
    base = installed_engine.request_from_settings(app, mode=4)
    request = RunRequest(params={**base.params, **params}, data_in="execution_pandas/killed_in",
                         data_out="execution_pandas/killed_out", reset_target=True, mode=4, workers={"127.0.0.1": 2},
                         verbose=2)  # the "dask: " report that says the workers are up is a debug line

    async def scenario():
        op = installed_engine.run(app, request)
        killed: list[int] = []
        lines: list[str] = []
        async with op:
            async for event in op.events():
                if isinstance(event, LogLines):
                    lines.extend(event.lines)
                    if not killed and any(line.startswith("dask: ") for line in event.lines):
                        await asyncio.sleep(1.0)  # let both slots start computing
                        for proc in psutil.Process().children(recursive=True):
                            if "--name 127.0.0.1-1" in " ".join(proc.cmdline()):
                                proc.kill()
                                killed.append(proc.pid)
        return op, killed, lines

    op, killed, lines = asyncio.run(scenario())
    assert killed, f"the worker to kill was not found; run ended with {op.error!r}; last lines: {lines[-8:]}"
    assert op.result and not op.error, op.error
    payload = _payload(op.result)
    assert payload["file_count"] == 6 and payload["row_count"] == 6 * 2500
    assert len(op.result["outputs"]) == 6


def test_cython_kernel_gives_the_same_numbers_as_python(installed_engine: Engine):
    app = "execution_pandas_project"
    payloads = {}
    for mode in (0, 2):
        base = installed_engine.request_from_settings(app, mode=mode)
        request = RunRequest(params={**base.params, "rows_per_file": 500, "iterations": 50}, data_in="ep/small_in",
                             data_out=f"ep/small_out_{mode}", reset_target=True, mode=mode)
        _, last = run_op(installed_engine.run(app, request))
        assert isinstance(last, OperationFinished), getattr(last, "error", "")
        payloads[mode] = _payload(last.result)
    assert payloads[0]["row_count"] == 8 * 500
    assert payloads[2] == payloads[0]
