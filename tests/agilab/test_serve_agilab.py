"""AGILab service mode through ``agilab-tui serve agilab:flight_telemetry_project start|status|health|stop``.

Real AGILab (pinned) and real Dask. ``start`` returns while AGILab's scheduler and worker loops keep
running under the supervisor that started them; ``status`` / ``health`` / ``stop`` are later CLI
processes that reach that supervisor; the health JSON is AGILab's ``agi.service.health.v1``; ``stop``
leaves no process behind. start and stop leave run records. A supervisor killed by SIGKILL does not
strand its scheduler and workers: ``stop`` still ends them.
"""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import psutil

from .agilab_env import cli, processes_left, processes_under
from .conftest import FLIGHT


def _serve(env: dict[str, str], action: str) -> dict:
    started = time.perf_counter()
    done = cli(env, "serve", FLIGHT, action, "--mode", "4", "--json", timeout=300)
    payload = json.loads(done.stdout) if done.stdout.strip().startswith("{") else {"ok": False, "error": done.stdout}
    assert done.returncode == 0 and payload["ok"], f"serve {action}: {payload.get('error')}\n{done.stderr[-3000:]}"
    result = payload["result"]
    assert result["backend"] == "agilab" and result["action"] == action
    print(f"serve {action}: {time.perf_counter() - started:.1f} s (whole CLI process)")
    return result


def _record(home: Path, run_id: str) -> tuple[dict, str]:
    from engine.records import find_record, load_manifest

    folder = find_record(home / "log" / "execute", run_id)
    return load_manifest(folder)["record"], (folder / "run.log").read_text("utf-8")


def _dask_processes(home: Path) -> list[str]:
    return [line for line in processes_under(home) if "dask scheduler" in line or "dask worker" in line]


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def test_serve_start_status_health_stop(flight_installed: dict, agilab_cli_env: dict[str, str],
                                        agilab_home: Path) -> None:
    started = None
    try:
        started = _serve(agilab_cli_env, "start")
        assert str(started["agilab_result"]["status"]).lower() == "running", started["agilab_result"]
        start_record, start_log = _record(agilab_home, started["run_id"])
        assert start_record["kind"] == "service-start" and start_record["status"] == "completed", start_record
        assert "Service loops started" in start_log, start_log[-2000:]
        # the start command has returned; the service outlives it
        assert _alive(started["supervisor_pid"])
        running = _dask_processes(agilab_home)
        assert any("dask scheduler" in line for line in running), processes_under(agilab_home)
        assert any("dask worker" in line for line in running), processes_under(agilab_home)

        status = _serve(agilab_cli_env, "status")["agilab_result"]
        assert str(status["status"]).lower() == "running", status
        assert status["workers"] == started["agilab_result"]["workers"], status

        for _ in range(30):  # the loops beat once they are entered; wait for that state, not for a time
            health = _serve(agilab_cli_env, "health")["agilab_result"]
            if health["workers_healthy_count"] == health["workers_running_count"] >= 1:
                break
            time.sleep(1)
        path = Path(health["path"])
        on_disk = json.loads(path.read_text("utf-8"))
        assert on_disk["schema"] == health["schema"] == "agi.service.health.v1"
        assert on_disk["target"] == "flight_telemetry"
        assert on_disk["status"] == "running"
        assert on_disk["workers_running"], on_disk
        assert on_disk["workers_running_count"] == len(on_disk["workers_running"]) >= 1
        assert sorted(on_disk["workers_healthy"]) == sorted(on_disk["workers_running"]), on_disk
        assert {row["worker"] for row in on_disk["worker_health"]} == set(on_disk["workers_running"])
    finally:
        stopped = _serve(agilab_cli_env, "stop")
    assert str(stopped["agilab_result"]["status"]).lower() == "stopped", stopped["agilab_result"]
    stop_record, _ = _record(agilab_home, stopped["run_id"])
    assert stop_record["kind"] == "service-stop" and stop_record["status"] == "completed", stop_record
    assert processes_left(agilab_home, 15.0) == []
    assert started is not None and not _alive(started["supervisor_pid"])
    # AGILab tore its own runtime down: nothing was left for our safety net to kill
    assert stopped["leftovers"] == [], stopped
    after = _serve(agilab_cli_env, "status")["agilab_result"]
    assert str(after["status"]).lower() == "idle", after


def test_serve_stop_after_supervisor_killed(flight_installed: dict, agilab_cli_env: dict[str, str],
                                            agilab_home: Path) -> None:
    try:
        started = _serve(agilab_cli_env, "start")
        assert str(started["agilab_result"]["status"]).lower() == "running", started["agilab_result"]
        os.kill(started["supervisor_pid"], signal.SIGKILL)
        deadline = time.monotonic() + 10
        while _alive(started["supervisor_pid"]) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _dask_processes(agilab_home), "the scheduler and workers outlive a killed supervisor until stop"
    finally:
        stopped = _serve(agilab_cli_env, "stop")
    result = stopped["agilab_result"]
    assert result["status"] == "stopped" and result["supervisor_lost"] is True, result
    assert len(stopped["leftovers"]) >= 3, stopped  # scheduler (and its uv) plus the workers
    stop_record, stop_log = _record(agilab_home, stopped["run_id"])
    assert stop_record["kind"] == "service-stop" and stop_record["status"] == "completed", stop_record
    assert "was gone" in stop_log
    assert processes_left(agilab_home, 15.0) == []
    # a new service starts cleanly after the lost one (AGILab's stale service_state.json was dropped)
    try:
        again = _serve(agilab_cli_env, "start")
        assert str(again["agilab_result"]["status"]).lower() == "running", again["agilab_result"]
    finally:
        final = _serve(agilab_cli_env, "stop")
    assert final["agilab_result"]["status"] == "stopped", final
    assert processes_left(agilab_home, 15.0) == []


def test_cancelling_serve_start_leaves_nothing_running(flight_installed: dict, agilab_in_process: Path,
                                                       agilab_workspace: Path, agilab_cli_env: dict[str, str]) -> None:
    import asyncio

    from engine.backends.agilab import supervisor
    from engine.events import LogLines
    from engine.facade import Engine
    from engine.workspace import Workspace

    engine = Engine(Workspace(agilab_workspace))

    async def scenario() -> list[str]:
        op = engine.serve(FLIGHT, "start", mode=4)
        async with op:
            async for event in op.events():
                if isinstance(event, LogLines) and any("Starting worker" in line for line in event.lines):
                    live = processes_under(agilab_in_process)
                    await op.cancel()
                    return live
        return []

    live_before = asyncio.run(scenario())
    assert any("AGI_serve_" in line for line in live_before), live_before  # the supervisor was up
    assert processes_left(agilab_in_process, 15.0) == []
    log_dir = agilab_in_process / "log" / "execute" / "flight_telemetry"
    assert not supervisor.control_file(log_dir).exists()
    records = [r for r in engine.runs(FLIGHT) if r.kind == "service-start"]
    assert records and records[0].status == "cancelled", records[:1]
    after = _serve(agilab_cli_env, "status")["agilab_result"]
    assert str(after["status"]).lower() == "idle", after
