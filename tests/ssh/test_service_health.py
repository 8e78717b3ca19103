"""Service health logic without a cluster: restart reasons, payload fields, SLA gate codes, cleanup."""

from __future__ import annotations

import json
import os
import time

from engine.service import (
    CleanupPolicy,
    build_health,
    cleanup_queue,
    ensure_queue,
    evaluate_gate,
    restart_reason,
)
from engine.settings import ServiceHealth
from workers.service_loop import run_service_loop

NOW = 1_000_000.0


def loop(state: str = "pending", generation: int = 1, submitted: float = NOW - 100) -> dict:
    return {"name": "h-0", "address": "tcp://10.0.0.2:1", "generation": generation,
            "future_state": state, "submitted_at": submitted}


def beat(age: float, generation: int = 1) -> dict:
    return {"worker": "h-0", "generation": generation, "state": "idle", "timestamp": NOW - age}


def test_restart_reasons():
    assert restart_reason(loop("finished"), beat(1), NOW, 10) == "loop-finished"
    assert restart_reason(loop("error"), beat(1), NOW, 10) == "loop-error"
    assert restart_reason(loop("cancelled"), beat(1), NOW, 10) == "loop-cancelled"
    assert restart_reason(loop(), None, NOW, 10) == "missing-heartbeat"
    assert restart_reason(loop(submitted=NOW - 2), None, NOW, 10) is None  # still starting
    assert restart_reason(loop(generation=2), beat(1, generation=1), NOW, 10) == "missing-heartbeat"
    assert restart_reason(loop(), beat(12.34), NOW, 10) == "stale-heartbeat(12.3s)"
    assert restart_reason(loop(), beat(3), NOW, 10) is None


def payload(**overrides) -> dict:
    base = {"status": "running", "workers_unhealthy_count": 0, "workers_unhealthy": [],
            "workers_running_count": 4, "workers_restarted_count": 0}
    return {**base, **overrides}


def test_gate_codes():
    sla = ServiceHealth()
    assert evaluate_gate(payload(), sla)[0] == 0
    assert evaluate_gate(payload(workers_unhealthy_count=1, workers_unhealthy=["w"]), sla)[0] == 2
    assert evaluate_gate(payload(workers_unhealthy_count=1), ServiceHealth(max_unhealthy=1))[0] == 0
    for status in ("error", "degraded", "unknown"):
        assert evaluate_gate(payload(status=status), sla)[0] == 3
    assert evaluate_gate(payload(status="idle", workers_running_count=0), sla)[0] == 4
    assert evaluate_gate(payload(status="idle", workers_running_count=0), ServiceHealth(allow_idle=True))[0] == 0
    assert evaluate_gate(payload(status="stopped", workers_running_count=0), sla)[0] == 4
    assert evaluate_gate(payload(workers_restarted_count=1), sla)[0] == 0  # 1/4 = 0.25, not above
    assert evaluate_gate(payload(workers_restarted_count=2), sla)[0] == 5
    assert evaluate_gate(payload(workers_restarted_count=2), ServiceHealth(max_restart_rate=0.5))[0] == 0


def test_health_payload_fields(tmp_path):
    queue = tmp_path / "queue"
    ensure_queue(queue)
    (queue / "heartbeats" / "h-0.json").write_text(json.dumps(beat(20)))
    (queue / "pending" / "t.json").write_text("{}")
    state = {"status": "running", "owner_pid": os.getpid(), "updated_at": NOW, "poll_interval": 1,
             "loops": {"h-0": loop()}, "restarts": [{"worker": "tcp://x:1", "reason": "loop-error", "at": NOW - 5}],
             "restart_window": 60}
    data = build_health(state, app="a_project", target="a", queue_dir=queue, heartbeat_timeout=10,
                        supervisor_alive=True, now=NOW)
    assert data["schema"] == "agi.service.health.v1"
    for key in ("timestamp", "app", "target", "status", "workers_running", "workers_pending", "workers_restarted",
                "workers_healthy", "workers_unhealthy", "workers_running_count", "workers_pending_count",
                "workers_restarted_count", "workers_healthy_count", "workers_unhealthy_count", "queue",
                "restart_reasons", "client_status", "heartbeat_timeout_sec", "queue_dir", "cleanup", "worker_health"):
        assert key in data, key
    assert data["queue"]["pending"] == 1
    assert data["restart_reasons"] == {"tcp://x:1": "loop-error"}
    row = data["worker_health"][0]
    assert set(row) >= {"worker", "healthy", "reason", "future_state", "heartbeat_state", "heartbeat_age_sec"}
    assert row["healthy"] is False and row["reason"] == "stale-heartbeat(20.0s)" and row["heartbeat_age_sec"] == 20
    assert data["workers_unhealthy"] == ["tcp://10.0.0.2:1"]
    dead = build_health(state, app="a", target="a", queue_dir=queue, heartbeat_timeout=10,
                        supervisor_alive=False, now=NOW)
    assert dead["status"] == "error" and evaluate_gate(dead, ServiceHealth())[0] == 3
    restarting = {**state, "loops": {"h-0": loop(generation=2, submitted=NOW - 1)}}
    again = build_health(restarting, app="a", target="a", queue_dir=queue, heartbeat_timeout=10,
                         supervisor_alive=True, now=NOW)
    assert again["worker_health"][0]["reason"] == "restarting" and again["workers_unhealthy_count"] == 1
    stale = build_health(state, app="a", target="a", queue_dir=queue, heartbeat_timeout=10,
                         supervisor_alive=True, now=NOW + 60)
    assert stale["status"] == "degraded"


def test_cleanup_ttl_and_max_files(tmp_path):
    queue = tmp_path / "q"
    ensure_queue(queue)
    now = time.time()
    for i in range(5):
        path = queue / "done" / f"d{i}.json"
        path.write_text("{}")
        os.utime(path, (now - i, now - i))
    old = queue / "failed" / "old.json"
    old.write_text("{}")
    os.utime(old, (now - 15 * 86400, now - 15 * 86400))
    (queue / "failed" / "new.json").write_text("{}")
    live = queue / "heartbeats" / "w-0.json"
    live.write_text("{}")
    os.utime(live, (now - 2 * 86400, now - 2 * 86400))
    gone = queue / "heartbeats" / "w-9.json"
    gone.write_text("{}")
    os.utime(gone, (now - 2 * 86400, now - 2 * 86400))
    result = cleanup_queue(queue, CleanupPolicy(done_max_files=3), live_workers={"w-0"}, now=now)
    assert result["done_removed"] == 2 and result["failed_removed"] == 1 and result["heartbeats_removed"] == 1
    assert sorted(p.name for p in (queue / "done").iterdir()) == ["d0.json", "d1.json", "d2.json"]
    assert live.exists() and not gone.exists() and not old.exists()
    assert CleanupPolicy() == CleanupPolicy(7 * 86400, 14 * 86400, 86400, 2000, 2000, 1000)


def test_loop_processes_queue_and_stops(tmp_path):
    queue = tmp_path / "q"
    ensure_queue(queue)
    (queue / "pending" / "a.json").write_text('{"n": 1}')
    (queue / "pending" / "b.json").write_text("not json")
    (queue / "STOP").touch()
    # STOP is checked first: nothing is processed, the loop reports why it ended.
    assert run_service_loop("w-0", str(queue), 1, 0.01)["reason"] == "stop"
    (queue / "STOP").unlink()
    (queue / "heartbeats" / "w-0.lease").write_text("1")
    import threading

    result: dict = {}
    thread = threading.Thread(target=lambda: result.update(run_service_loop("w-0", str(queue), 1, 0.01)))
    thread.start()
    deadline = time.time() + 10
    while time.time() < deadline and len(list((queue / "pending").iterdir())):
        time.sleep(0.02)
    (queue / "heartbeats" / "w-0.lease").write_text("2")  # a newer generation supersedes this loop
    thread.join(10)
    assert result["reason"] == "superseded" and result["processed"] == 2
    assert json.loads((queue / "done" / "a.w-0.json").read_text())["result"] == {"echo": {"n": 1}}
    assert "JSONDecodeError" in (queue / "failed" / "b.w-0.json").read_text()
    assert json.loads((queue / "heartbeats" / "w-0.json").read_text())["generation"] == 1
