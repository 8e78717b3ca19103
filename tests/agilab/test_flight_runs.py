"""AGILab's own flight_telemetry_project through ``agilab-tui install`` / ``run`` (modes 0 and 4).

Real AGILab (pinned), real uv, real Dask: each run is streamed, leaves nothing running, writes a run
record, and its outputs are listed by ANALYSIS. Cancelling a Dask run kills scheduler and workers.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from .agilab_env import cli, processes_left, processes_under
from .conftest import FLIGHT


def test_apps_lists_agilab_projects(agilab_cli_env: dict[str, str]) -> None:
    done = cli(agilab_cli_env, "apps", "--json")
    assert done.returncode == 0, done.stderr
    names = {row["name"] for row in json.loads(done.stdout)}
    assert {FLIGHT, "agilab:minimal_app_project", "flight_telemetry_project"} <= names


def test_install_streams_and_builds_the_worker_env(flight_installed: dict, agilab_home: Path) -> None:
    result = flight_installed["payload"]["result"]
    assert result["backend"] == "agilab"
    assert Path(result["wenv"]) == agilab_home / "wenv" / "flight_telemetry_worker"
    assert (Path(result["wenv"]) / ".venv" / "bin" / "python").exists()
    snippet = Path(result["snippet"]).read_text()
    assert snippet.startswith("# AGILAB generated snippet\n# snippet_api: agi.snippet.v1\n")
    assert "await AGI.install(app_env" in snippet
    # AGILab's own deployment lines reached our log stream
    assert "deploy_local_worker" in flight_installed["log"]
    assert processes_left(agilab_home, 10.0) == []


@pytest.mark.parametrize("mode, share", [(0, "localshare"), (4, "clustershare")])
def test_run_streams_records_and_shows_outputs(mode: int, share: str, flight_installed: dict,
                                               agilab_cli_env: dict[str, str], agilab_home: Path,
                                               agilab_in_process: Path, agilab_workspace: Path) -> None:
    done = cli(agilab_cli_env, "run", FLIGHT, "--mode", str(mode), "--json")
    payload = json.loads(done.stdout)
    assert payload["ok"], payload["error"] + done.stderr[-2000:]
    result = payload["result"]
    out_dir = agilab_home / share / "user" / "flight_telemetry" / "dataframe"
    assert Path(result["output_dir"]) == out_dir
    assert result["token"] == ("_d__" if mode == 4 else "____")
    assert sorted(Path(p).name for p in result["outputs"]) == ["60.parquet", "61.parquet"]
    assert result["reduce"]["reducer"] == "flight_telemetry.trajectory-metrics.v1"
    # streamed: AGILab's worker lines are in the log, in order before the result line
    log = done.stderr
    assert "FlightTelemetryWorker.stop" in log
    assert log.index("FlightTelemetryWorker.stop") < log.rindex(str(result["agilab_result"]))
    if mode == 4:
        assert "dask scheduler" in log
    assert processes_left(agilab_home, 10.0) == []
    # a run record like any other
    manifest = json.loads(Path(result["manifest"]).read_text())
    assert manifest["record"]["status"] == "completed"
    assert manifest["record"]["kind"] == "run"
    assert Path(result["record_dir"], "run.log").read_text().count("FlightTelemetryWorker") > 0
    # ANALYSIS (engine level) lists the outputs and the reduce artefact where AGILab wrote them
    from engine.analysis import app_tables, evidence_files
    from engine.facade import Engine
    from engine.workspace import Workspace

    engine = Engine(Workspace(agilab_workspace))
    app = engine.app(FLIGHT)
    tables = {entry.path for entry in app_tables(engine.workspace, app)}
    assert {out_dir / "60.parquet", out_dir / "61.parquet"} <= tables
    evidence = {entry.path for entry in evidence_files(engine.workspace, app)}
    assert out_dir / "reduce_summary_worker_0.json" in evidence
    assert engine.latest_output(app).parent == out_dir


def test_cancelling_a_dask_run_kills_scheduler_and_workers(flight_installed: dict, agilab_in_process: Path,
                                                           agilab_workspace: Path) -> None:
    from engine.events import LogLines
    from engine.facade import Engine
    from engine.workspace import Workspace

    engine = Engine(Workspace(agilab_workspace))
    seen: list[str] = []

    async def scenario() -> list[str]:
        op = engine.run(FLIGHT, engine.request_from_settings(FLIGHT, mode=4))
        async with op:
            async for event in op.events():
                if isinstance(event, LogLines):
                    seen.extend(event.lines)
                    if any("dask scheduler" in line for line in event.lines):
                        await asyncio.sleep(1.0)  # let AGILab spawn the scheduler and start workers
                        live = processes_under(agilab_in_process)
                        await op.cancel()
                        return live
        return []

    live_before = asyncio.run(scenario())
    assert live_before, "AGILab's Dask processes were expected to be running when cancelled"
    assert processes_left(agilab_in_process, 10.0) == []


def _per_aircraft(files: list[Path], column: str) -> dict[str, float]:
    import pandas as pd

    totals: dict[str, float] = {}
    for path in files:
        frame = pd.read_parquet(path, columns=["aircraft", column])
        for aircraft, value in frame.groupby(frame["aircraft"].astype(str))[column].sum().items():
            totals[aircraft] = totals.get(aircraft, 0.0) + float(value)
    return totals


def test_native_app_gives_agilab_s_per_aircraft_distance(flight_installed: dict, agilab_cli_env: dict[str, str],
                                                        agilab_home: Path, agilab_in_process: Path,
                                                        agilab_workspace: Path) -> None:
    """The same trajectory CSVs through our native flight app and AGILab's: same total distance per aircraft.

    AGILab's ``speed`` column holds each segment's length in metres (its quirk); ours is ``distance_m``.
    """
    agilab_out = agilab_home / "localshare" / "user" / "flight_telemetry" / "dataframe"
    if not sorted(agilab_out.glob("*.parquet")):
        done = cli(agilab_cli_env, "run", FLIGHT, "--mode", "0", "--json")
        assert json.loads(done.stdout)["ok"], done.stderr[-2000:]
    agilab_totals = _per_aircraft(sorted(agilab_out.glob("*.parquet")), "speed")

    from engine.facade import Engine
    from engine.workspace import Workspace

    engine = Engine(Workspace(agilab_workspace))
    settings = engine.settings("flight_telemetry_project")
    native_out = agilab_workspace / "native_flight_out"
    settings.set_args({**settings.args, "data_in": str(agilab_home / "localshare" / "user" / "flight_telemetry"
                                                       / "dataset" / "csv"),
                       "data_out": str(native_out), "files": "*.csv", "nfile": 0})
    settings.save()
    done = cli(agilab_cli_env, "install", "flight_telemetry_project", "--json")
    assert json.loads(done.stdout)["ok"], done.stderr[-2000:]
    done = cli(agilab_cli_env, "run", "flight_telemetry_project", "--mode", "0", "--json")
    assert json.loads(done.stdout)["ok"], done.stderr[-2000:]
    native_totals = _per_aircraft(sorted(native_out.glob("*.parquet")), "distance_m")
    assert sorted(native_totals) == sorted(agilab_totals) == ["60", "61"]
    for aircraft, total in agilab_totals.items():
        assert total > 0
        assert native_totals[aircraft] == pytest.approx(total, rel=2e-3), aircraft


def test_benchmark_writes_agilab_s_benchmark_json(flight_installed: dict, agilab_cli_env: dict[str, str],
                                                 agilab_home: Path, agilab_in_process: Path,
                                                 agilab_workspace: Path) -> None:
    done = cli(agilab_cli_env, "benchmark", FLIGHT, "--modes", "0,1", "--json")
    payload = json.loads(done.stdout)
    assert payload["ok"], payload["error"] + done.stderr[-2000:]
    table = payload["result"]["benchmark"]
    assert {row["mode"] for row in table.values()} == {"____", "___p"}
    assert Path(payload["result"]["path"]) == agilab_home / ".agilab" / "benchmark.json"
    assert processes_left(agilab_home, 10.0) == []
    from engine.analysis import evidence_files
    from engine.facade import Engine
    from engine.records import find_record, load_manifest
    from engine.workspace import Workspace

    engine = Engine(Workspace(agilab_workspace))
    assert engine.load_benchmark(FLIGHT) == table
    assert agilab_home / ".agilab" / "benchmark.json" in {e.path for e in evidence_files(engine.workspace,
                                                                                           engine.app(FLIGHT))}
    record = load_manifest(find_record(agilab_home / "log" / "execute", payload["result"]["run_id"]))
    assert record["record"]["kind"] == "benchmark" and record["record"]["status"] == "completed"
