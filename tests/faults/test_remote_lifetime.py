"""Defect 2 of issue 16, over SSH: remote Dask workers do not outlive a killed CLI (real sshd fake hosts)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from fault_helpers import REPO_ROOT, LineReader, set_args, wait_for

from engine.cluster_remote import REMOTE_DEATH_TIMEOUT
from engine.events import OperationFinished
from engine.facade import Engine
from tests.ssh.conftest import client_key, fake_hosts, ssh_home, trusted_workspace, workspace  # noqa: F401
from tests.ssh.fakehosts import free_port

pytestmark = [pytest.mark.ssh, pytest.mark.slow]
COMPUTE = "execution_pandas_project"
UV_CACHE = subprocess.run(["uv", "cache", "dir"], capture_output=True, text=True).stdout.strip()


def _remote_processes(root: Path) -> list[psutil.Process]:
    """The fake hosts share this machine's PID space: their processes name the remote root."""
    found = []
    for proc in psutil.process_iter(["pid"]):
        try:
            if proc.status() != psutil.STATUS_ZOMBIE and any(str(root) in part for part in proc.cmdline()):
                found.append(proc)
        except psutil.Error:
            continue
    return found


async def test_killing_the_cli_ends_the_remote_dask_workers(trusted_workspace, fake_hosts, tmp_path,  # noqa: F811
                                                             monkeypatch):
    monkeypatch.setenv("UV_CACHE_DIR", UV_CACHE)
    engine = Engine(trusted_workspace)
    remote_root = tmp_path / "remote"
    settings = engine.settings(COMPUTE)
    settings.update_cluster(cluster_enabled=True, scheduler=f"{fake_hosts.scheduler_host}:"
                            f"{free_port(fake_hosts.scheduler_host)}",
                            remote_root=str(remote_root / "{host}"), remote_python=sys.executable)
    settings.set_workers({h.spec: 1 for h in fake_hosts.hosts})
    settings.save()
    op = engine.install(COMPUTE, modes_enabled=0)
    async with op:
        async for event in op.events():
            last = event
    assert isinstance(last, OperationFinished), getattr(last, "error", last)
    set_args(trusted_workspace.root, COMPUTE, n_partitions=2, rows_per_file=2000, iterations=100000,
             reset_target=True)
    env = {**os.environ, "AGILAB_TUI_HOME": str(trusted_workspace.root), "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "tui", "run", COMPUTE, "--mode", "4"], cwd=REPO_ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    reader = LineReader(proc)
    try:
        def remote_workers() -> list[psutil.Process]:
            return [p for p in _remote_processes(remote_root) if "dask_worker" in " ".join(p.cmdline())]

        assert wait_for(lambda: proc.poll() is not None or len(remote_workers()) >= 2, 240), reader.tail()
        assert proc.poll() is None, reader.tail()
        time.sleep(3)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        started = time.monotonic()
        gone = wait_for(lambda: not _remote_processes(remote_root), REMOTE_DEATH_TIMEOUT + 20, step=0.5)
        left = [" ".join(p.cmdline())[:160] for p in _remote_processes(remote_root)]
        assert gone, f"still alive {REMOTE_DEATH_TIMEOUT + 20} s after SIGKILL of the CLI:\n" + "\n".join(left)
        print(f"\nremote workers gone {time.monotonic() - started:.1f} s after SIGKILL of the CLI")
    finally:
        if proc.poll() is None:
            proc.kill()
        for leftover in _remote_processes(remote_root):
            try:
                leftover.kill()
            except psutil.Error:
                pass
