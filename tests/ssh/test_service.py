"""Service mode end to end: CLI start/status/health/stop on real SSH hosts, killed loops, gate codes."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from engine.cli import main as cli
from engine.service import build_config, service_health
from engine.service.state import pid_alive, read_state
from engine.settings import load_settings
from engine.ssh import trust_host_key

from .fakehosts import REPO_ROOT, alive, free_port

pytestmark = [pytest.mark.slow]
APP = "minimal_app"


def configure(workspace, **cluster):
    app = workspace.app(APP)
    settings = load_settings(workspace, app)
    settings.update_cluster(**cluster)
    settings.save()
    return build_config(workspace, app, load_settings(workspace, app))


def wait_for(predicate, timeout: float, what: str, poll: float = 0.3):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(poll)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def gate(capsys, action: str = "health") -> tuple[int, dict]:
    capsys.readouterr()
    code = cli(["serve", APP, action, "--json", "--heartbeat-timeout", "3", "--poll-interval", "0.5"])
    return code, json.loads(capsys.readouterr().out)


@pytest.mark.ssh
def test_service_over_ssh_restarts_killed_loop_and_gates(workspace, ssh_home, fake_hosts, client_key, capsys,
                                                         no_leftovers):
    for host in fake_hosts.hosts:
        asyncio.run(trust_host_key(workspace, host.address))
    hosts = [h.address for h in fake_hosts.hosts]
    config = configure(workspace, cluster_enabled=True, user="root", ssh_key_path=str(client_key),
                       scheduler=f"{fake_hosts.scheduler_host}:{free_port(fake_hosts.scheduler_host)}",
                       workers={h: 1 for h in hosts})
    opts = ["--heartbeat-timeout", "3", "--poll-interval", "0.5"]
    try:
        assert cli(["serve", APP, "start", *opts]) == 0
        state = read_state(config.state_path)
        assert state["status"] == "running" and state["scheduler"].startswith(f"tcp://{fake_hosts.scheduler_host}:")
        assert sorted(state["remote_worker_pids"]) == sorted(hosts)
        assert pid_alive(state["owner_pid"])
        health_file = json.loads(config.health_path.read_text())
        assert health_file["schema"] == "agi.service.health.v1" and health_file["target"] == "minimal_app"

        # Another process finds the service through service_state.json alone.
        other = subprocess.run([sys.executable, "-c", "from engine.cli import main; import sys; "
                                f"sys.exit(main(['serve', '{APP}', 'health', '--json', "
                                "'--health-output', 'custom/health.json']))"],
                               capture_output=True, text=True, cwd=REPO_ROOT, timeout=60)
        assert other.returncode == 0, other.stdout + other.stderr
        report = json.loads(other.stdout)
        assert report["workers_healthy_count"] == 2 and report["gate"]["code"] == 0
        assert sorted(r["name"] for r in report["worker_health"]) == sorted(f"{h}-0" for h in hosts)
        assert (workspace.data_dir / "custom" / "health.json").exists()

        # Kill the Worker process running host 1's loop (its PID is in the heartbeat), over SSH.
        victim = f"{hosts[0]}-0"
        beat = json.loads((config.queue_dir / "heartbeats" / f"{victim}.json").read_text())
        subprocess.run(["ssh", "-F", str(fake_hosts.hosts[0].dir / "ssh_config"), "-i", str(client_key),
                        "fixture", f"kill -9 {beat['pid']}"], check=True, timeout=30)

        def restarted():
            data = service_health(config)
            rows = {r["name"]: r for r in data["worker_health"]}
            reasons = [r for r in data["restart_reasons"].values() if r.startswith("stale-heartbeat(")]
            ok = reasons and rows[victim]["generation"] >= 2 and rows[victim]["healthy"]
            return data if ok else None

        data = wait_for(restarted, 60, "the killed loop to be restarted")
        assert data["workers_restarted_count"] == 1 and data["workers_healthy_count"] == 2
        code, report = gate(capsys)
        assert code == 5 and "restart rate" in report["gate"]["message"]  # 1 restart / 2 loops > 0.25

        # A frozen worker (SIGSTOP) has a silent loop: unhealthy beyond max_unhealthy=0 -> 2.
        frozen_name = f"{hosts[1]}-0"
        frozen = json.loads((config.queue_dir / "heartbeats" / f"{frozen_name}.json").read_text())["pid"]
        os.kill(frozen, signal.SIGSTOP)
        try:
            def unhealthy_gate():
                code, report = gate(capsys)
                return (code, report) if code == 2 else None
            code, report = wait_for(unhealthy_gate, 40, "gate code 2")
            assert report["workers_unhealthy_count"] >= 1
        finally:
            os.kill(frozen, signal.SIGCONT)
        wait_for(lambda: service_health(config)["workers_healthy_count"] == 2, 60, "recovery after SIGCONT")

        assert cli(["serve", APP, "stop", *opts]) == 0
        assert not pid_alive(state["owner_pid"])
        assert read_state(config.state_path)["status"] == "stopped"
        code, report = gate(capsys)
        assert code == 4 and report["status"] == "stopped"  # idle and allow_idle is false
    finally:
        cli(["serve", APP, "stop"])


def test_local_service_survives_supervisor_crash_cleanup(workspace, capsys):
    config = configure(workspace, cluster_enabled=False, workers={"127.0.0.1": 2})
    opts = ["--heartbeat-timeout", "3", "--poll-interval", "0.5"]
    try:
        assert cli(["serve", APP, "start", *opts]) == 0
        state = read_state(config.state_path)
        workers = state["local_worker_pids"]
        assert len(workers) == 2 and all(alive(p) for p in workers)
        code, report = gate(capsys, "status")
        assert code == 0 and report["workers_running_count"] == 2
        assert cli(["serve", APP, "start", *opts]) == 3  # already running: refused, nothing started
        os.kill(state["owner_pid"], signal.SIGKILL)
        wait_for(lambda: not pid_alive(state["owner_pid"]), 10, "supervisor death")
        code, report = gate(capsys)
        assert code == 3 and report["status"] == "error"
        assert cli(["serve", APP, "stop", *opts]) == 0  # orphaned workers are killed by PID
        wait_for(lambda: not any(alive(p) for p in workers), 10, "orphaned workers to be gone")
    finally:
        cli(["serve", APP, "stop"])
        for pid in read_state(config.state_path).get("local_worker_pids", []) if config.state_path.exists() else []:
            if alive(pid):
                os.killpg(pid, signal.SIGKILL)


def test_start_failure_names_unreachable_host(workspace, ssh_home, capsys):
    config = configure(workspace, cluster_enabled=True, user="root",
                       scheduler=f"127.0.0.1:{free_port()}", workers={"127.0.0.9": 1})
    assert Path(config.root).name == "minimal_app"
    capsys.readouterr()
    assert cli(["serve", APP, "start"]) == 3
    out = capsys.readouterr().out
    assert "127.0.0.9" in out and "failed to start" in out
    assert read_state(config.state_path)["status"] == "error"


STEP_SOURCE = '''
from pathlib import Path


def service_loop_step(state):
    """Doubles queued numbers; an idle tick raises while the queue holds an 'explode' file."""
    if state["task"] is not None:
        return {"double": state["task"]["n"] * 2}
    if (Path(state["queue_dir"]) / "explode").exists():
        raise RuntimeError("boom")
    return {"state": "idle"}
'''


def test_app_loop_step_runs_tasks_and_loop_error_restarts(workspace, capsys):
    project = workspace.projects_dir / "svcdemo_project"
    (project / "src" / "svcdemo_worker").mkdir(parents=True)
    (project / "src" / "svcdemo_worker" / "__init__.py").write_text(STEP_SOURCE)
    (project / "src" / "app_settings.toml").write_text('[cluster]\n[cluster.workers]\n"127.0.0.1" = 1\n')
    app = workspace.app("svcdemo")
    config = build_config(workspace, app, load_settings(workspace, app))
    assert config.worker_package == "svcdemo_worker"
    opts = ["--heartbeat-timeout", "3", "--poll-interval", "0.5"]
    try:
        assert cli(["serve", "svcdemo", "start", *opts]) == 0
        (config.queue_dir / "pending" / "t1.json").write_text('{"n": 21}')
        done = config.queue_dir / "done" / "t1.127.0.0.1-0.json"
        wait_for(done.exists, 20, "the queued task to be done")
        assert json.loads(done.read_text())["result"] == {"double": 42}
        (config.queue_dir / "explode").touch()
        wait_for(lambda: "loop-error" in service_health(config)["restart_reasons"].values(), 30, "loop-error")
        (config.queue_dir / "explode").unlink()
        wait_for(lambda: service_health(config)["workers_healthy_count"] == 1, 30, "a healthy loop again")
        row = service_health(config)["worker_health"][0]
        assert row["generation"] >= 2 and row["future_state"] == "pending"
        assert cli(["serve", "svcdemo", "stop", *opts]) == 0
    finally:
        cli(["serve", "svcdemo", "stop"])
