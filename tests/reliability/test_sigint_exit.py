"""Defect 12: SIGINT during a long CLI operation exits with 130 (the shell convention), and kills the work."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

from rel_helpers import CLI, REPO

from engine.dag.model import CONTROLLED_RUNNER_STATUS, PLAN_SCHEMA


def _sleeping_plan(home: Path, marker: Path) -> Path:
    # Only plans inside an app's dag_templates/ run for real.
    folder = home / "projects" / "dag_owner_project" / "dag_templates"
    (folder.parent / "src").mkdir(parents=True)
    folder.mkdir()
    code = (f"import os, pathlib, time; pathlib.Path({str(marker)!r}).write_text(str(os.getpid())); "
            "print('sleeping', flush=True); time.sleep(120)")
    plan = {"schema": PLAN_SCHEMA, "dag_id": "sleepy", "execution": {"runner_status": CONTROLLED_RUNNER_STATUS},
            "nodes": [{"id": "nap", "app": "minimal_app_project", "purpose": "sleep",
                       "execution": {"command": ["python", "-c", code], "params": {}, "stages": []},
                       "produces": [{"id": "out", "kind": "file", "path": "sleepy/out.txt"}], "consumes": []}],
            "edges": []}
    path = folder / "sleepy.json"
    path.write_text(json.dumps(plan))
    return path


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split()[2] != "Z"


def test_sigint_during_a_dag_run_exits_130(isolated_home: Path, tmp_path: Path):
    marker = tmp_path / "step.pid"
    plan = _sleeping_plan(isolated_home, marker)
    env = {**os.environ, "AGILAB_TUI_HOME": str(isolated_home)}
    proc = subprocess.Popen([*CLI, "dag", "run-ready", str(plan), "--state", str(tmp_path / "state.json")],
                            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while not marker.exists() or not marker.read_text():
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the step never started"
            time.sleep(0.1)
        step_pid = int(marker.read_text())
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, (proc.returncode, err[-2000:])
    assert "Traceback" not in err
    deadline = time.monotonic() + 10
    while _alive(step_pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(step_pid), "the interrupted step kept running"
