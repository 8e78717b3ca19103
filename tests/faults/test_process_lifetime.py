"""Defect 2 of issue 16: no process outlives the CLI that started it, however the CLI dies."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psutil
import pytest
from fault_helpers import (
    LineReader,
    cli,
    describe,
    kill_tree_root,
    marked,
    reap,
    set_args,
    survivors_after,
    wait_for,
)

pytestmark = pytest.mark.slow
COMPUTE = "execution_pandas_project"
# minutes of work: the run is always still computing when the CLI is killed
SLOW_ARGS = {"n_partitions": 4, "rows_per_file": 2000, "iterations": 100000, "reset_target": True}


def _runner_family(marker: str) -> list[psutil.Process]:
    return [p for p in marked(marker) if "workers.runner" in " ".join(p.cmdline())]


def _dask(marker: str) -> list[psutil.Process]:
    return [p for p in marked(marker) if "distributed.cli.dask_" in " ".join(p.cmdline())]


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["sigterm", "sigkill"])
@pytest.mark.parametrize("mode", [4, 1], ids=["mode4", "mode1"])
def test_killing_the_cli_mid_run_leaves_no_process(fault_home: Path, mode: int, sig: int):
    set_args(fault_home, COMPUTE, **SLOW_ARGS, cluster__pool_max_workers=2, cluster__pool_executor="process")
    marker = uuid.uuid4().hex
    proc = cli(fault_home, "run", COMPUTE, "--mode", str(mode), marker=marker)
    reader = LineReader(proc)
    try:
        if mode == 4:
            # scheduler + 2 workers + the runner connected to them, all computing
            started = wait_for(lambda: proc.poll() is not None or (
                len(_dask(marker)) >= 3 and len(_runner_family(marker)) >= 1), 180)
        else:
            # the runner and its two pool processes
            started = wait_for(lambda: proc.poll() is not None or len(_runner_family(marker)) >= 3, 180)
        assert started and proc.poll() is None, f"the run never reached its workers:\n{reader.tail()}\n{describe(marked(marker))}"
        time.sleep(3)  # the runner connects and the workers start computing
        before = describe(marked(marker))
        kill_tree_root(proc, sig)
        left = survivors_after(marker, 10)
        assert left == [], f"still alive 10 s after {signal.Signals(sig).name} of the CLI:\n" \
                           + "\n".join(describe(left)) + "\nwas:\n" + "\n".join(before)
    finally:
        if proc.poll() is None:
            proc.kill()
        reap(marker)


def test_a_killed_install_leaves_no_compiler_behind(tmp_path: Path):
    home = tmp_path / "home"
    # A compiler that takes its time, so a build orphaned by the killed install would still be running.
    slow_cc = tmp_path / "slowcc"
    slow_cc.write_text('#!/bin/sh\nsleep 20\nexec gcc "$@"\n')
    slow_cc.chmod(0o755)
    marker = uuid.uuid4().hex
    proc = cli(home, "install", COMPUTE, "--modes-enabled", "3", marker=marker, env={"CC": str(slow_cc)})
    reader = LineReader(proc)

    def compiling() -> bool:
        return any("slowcc" in " ".join(p.cmdline()) for p in marked(marker))

    try:
        assert wait_for(lambda: proc.poll() is not None or compiling(), 300, step=0.1) and proc.poll() is None, \
            f"the (slow) compiler never ran:\n{reader.tail()}"
        before = describe(marked(marker))
        kill_tree_root(proc, signal.SIGKILL)
        left = survivors_after(marker, 10)
        assert left == [], "still alive 10 s after SIGKILL of the install:\n" + "\n".join(describe(left)) \
                           + "\nwas:\n" + "\n".join(before)
    finally:
        if proc.poll() is None:
            proc.kill()
        reap(marker)


def test_a_run_clears_the_leftovers_of_a_crashed_run(fault_home: Path):
    set_args(fault_home, COMPUTE, n_partitions=4, rows_per_file=50, iterations=10, reset_target=True)
    # A process recorded by a run whose engine is gone (an engine without parent-death signals).
    leftover = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"], start_new_session=True)
    dead_owner = subprocess.Popen([sys.executable, "-c", "pass"])
    dead_owner.wait()
    try:
        log_dir = fault_home / "log" / "execute" / "execution_pandas"
        log_dir.mkdir(parents=True, exist_ok=True)
        (log_dir / "run_processes.json").write_text(json.dumps({
            "owner": {"pid": dead_owner.pid, "started": 1.0},
            "processes": [{"pid": leftover.pid, "started": psutil.Process(leftover.pid).create_time(),
                           "role": "runner"}]}))
        done = subprocess.run([sys.executable, "-m", "tui", "run", COMPUTE, "--mode", "0"], capture_output=True,
                              text=True, timeout=300, env={**__import__("os").environ,
                                                            "AGILAB_TUI_HOME": str(fault_home)})
        assert done.returncode == 0, done.stdout + done.stderr
        assert f"cleared 1 leftover process(es) of an earlier run of {COMPUTE}" in done.stdout + done.stderr
        assert f"runner {leftover.pid}" in done.stdout + done.stderr
        assert leftover.wait(timeout=10) == -signal.SIGKILL
        assert not (log_dir / "run_processes.json").exists()
    finally:
        if leftover.poll() is None:
            leftover.kill()
            leftover.wait()
