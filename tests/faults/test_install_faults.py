"""Defect 6 of issue 16: a failed or interrupted reinstall leaves the previous environment working,
and install.json says ok only when every host succeeded."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from fault_helpers import REPO_ROOT, LineReader, cli, reap, set_args, wait_for

from engine.install import install_status
from engine.workspace import Workspace

pytestmark = pytest.mark.slow
FLIGHT = "flight_telemetry_project"


def _cli(home: Path, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tui", *args], cwd=REPO_ROOT, capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, "AGILAB_TUI_HOME": str(home)})


def _installed(home: Path) -> bool:
    workspace = Workspace(home)
    return install_status(workspace, workspace.app(FLIGHT)).installed


def _small_run(home: Path) -> subprocess.CompletedProcess:
    set_args(home, FLIGHT, synthetic_aircraft=2, synthetic_points=50)
    return _cli(home, "run", FLIGHT, "--mode", "0")


def test_sigint_during_a_reinstall_keeps_the_previous_environment(tmp_path: Path):
    home = tmp_path / "home"
    first = _cli(home, "install", FLIGHT, "--modes-enabled", "0")
    assert first.returncode == 0, first.stdout[-2000:] + first.stderr[-2000:]
    marker = uuid.uuid4().hex
    proc = cli(home, "install", FLIGHT, "--modes-enabled", "0", marker=marker)
    reader = LineReader(proc)
    try:
        # interrupt while uv is (re)installing the dependencies
        assert wait_for(lambda: proc.poll() is not None or reader.seen(" pip install "), 300, step=0.05), reader.tail()
        assert proc.poll() is None, reader.tail()
        os.kill(proc.pid, signal.SIGINT)
        assert proc.wait(timeout=60) != 0
    finally:
        if proc.poll() is None:
            proc.kill()
        reap(marker)
    assert _installed(home), "the interrupted reinstall destroyed the previous environment"
    run = _small_run(home)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    assert not (home / "wenv" / "flight_telemetry_worker" / ".building").exists()


@pytest.fixture()
def tmpfs_home(tmp_path: Path):
    mount = tmp_path / "home"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1200m", "tmpfs", str(mount)], capture_output=True,
                          text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_full_disk_during_a_reinstall_keeps_the_previous_environment(tmpfs_home: Path):
    home = tmpfs_home
    first = _cli(home, "install", FLIGHT, "--modes-enabled", "0")
    assert first.returncode == 0, first.stdout[-2000:] + first.stderr[-2000:]
    # fill the disk to the last byte
    filler = home / "filler"
    chunk = b"\0" * (1 << 20)
    with open(filler, "wb", buffering=0) as handle:
        try:
            while True:
                handle.write(chunk)
        except OSError:
            pass
        try:
            while True:
                handle.write(b"\0" * 4096)
        except OSError:
            pass
    # the reinstall turns the cython bit on: the build needs room the disk no longer has
    second = _cli(home, "install", FLIGHT, "--modes-enabled", "2")
    output = second.stdout + second.stderr
    assert second.returncode != 0, output[-2000:]
    assert _installed(home), "the failed reinstall destroyed the previous environment:\n" + output[-2000:]
    assert not (home / "wenv" / "flight_telemetry_worker" / ".building").exists()
    filler.unlink()
    run = _small_run(home)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]


def test_an_install_failing_on_a_remote_host_is_not_ok(tmp_path: Path):
    home = tmp_path / "home"
    with socket.socket() as sock:  # a port nobody listens on: the host is down
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    down = f"nobody@127.0.0.1:{port}"
    set_args(home, FLIGHT, cluster__cluster_enabled=True, cluster__scheduler="127.0.0.1:8786",
             cluster__workers={"127.0.0.1": 1, down: 1})
    done = _cli(home, "install", FLIGHT, "--modes-enabled", "0")
    assert done.returncode != 0, done.stdout[-2000:] + done.stderr[-2000:]
    stamp = json.loads((home / "wenv" / "flight_telemetry_worker" / "install.json").read_text())
    assert stamp["ok"] is False, stamp
    assert [h["host"] for h in stamp["hosts"] if h["status"] != "ok"] == [down]
    workspace = Workspace(home)
    status = install_status(workspace, workspace.app(FLIGHT))
    assert not status.installed and down in status.reason
