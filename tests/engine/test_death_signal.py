"""Children started through ChildProcess die with their starter, and starting them no longer forks it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import psutil
import pytest

from engine import death_signal
from engine.death_signal import dying_with_us

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the parent-death signal is Linux's")


def test_setpriv_carries_the_death_signal_and_no_preexec_hook_forks_us() -> None:
    argv, preexec_fn = dying_with_us(["python3", "-c", "pass"], {"PATH": os.environ["PATH"]})
    assert death_signal._SETPRIV is not None, "util-linux's setpriv is expected on this machine"
    assert argv == [death_signal._SETPRIV, "--pdeathsig", "KILL", "--", "python3", "-c", "pass"]
    assert preexec_fn is None  # so Python starts the child with vfork


def test_a_missing_program_raises_as_starting_it_directly_would() -> None:
    with pytest.raises(FileNotFoundError) as raised:
        dying_with_us(["no-such-program-xyz", "arg"], {"PATH": "/usr/bin:/bin"})
    assert raised.value.filename == "no-such-program-xyz" and raised.value.errno == 2


def test_the_child_keeps_its_argv_and_exit_status_and_dies_when_its_starter_is_killed(tmp_path) -> None:
    """A real starter process runs ChildProcess (sleep), reports the child's pid, and is SIGKILLed."""
    starter = textwrap.dedent(f"""
        import asyncio, sys
        sys.path.insert(0, {str(os.getcwd())!r})
        from engine.proc import ChildProcess
        async def main():
            quick = ChildProcess([sys.executable, "-c", "import sys; sys.exit(7)"])
            await quick.start()
            print("exit", await quick.process.wait(), flush=True)
            child = ChildProcess(["sleep", "300"])
            await child.start()
            print("pid", child.pid, flush=True)
            await asyncio.sleep(300)
        asyncio.run(main())
    """)
    proc = subprocess.Popen([sys.executable, "-c", starter], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().split() == ["exit", "7"]
        pid = int(proc.stdout.readline().split()[1])
        child = psutil.Process(pid)
        deadline = time.monotonic() + 10
        while child.cmdline()[:1] != ["sleep"] and time.monotonic() < deadline:
            time.sleep(0.02)  # setpriv has not exec'd yet
        assert child.cmdline() == ["sleep", "300"]  # the same process became the command
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        child.wait(timeout=10)  # raises TimeoutExpired if the kernel did not kill it with its starter
        assert not psutil.pid_exists(pid) or child.status() == psutil.STATUS_ZOMBIE
    finally:
        if proc.poll() is None:
            proc.kill()
