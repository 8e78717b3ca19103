"""Children die with the process that started them, even when it is killed by SIGKILL.

Linux's parent-death signal (``prctl(PR_SET_PDEATHSIG)``) is delivered by the kernel, so it works
when the parent never gets a chance to clean up. It is set in the child between fork and exec (the
setting survives exec) or, for processes Python forks itself (pool workers), first thing in the
child. A watchdog thread polling ``getppid`` covers the processes whose own children are not ours
to configure (a compiler started by setuptools): it takes the whole process group down.

The kernel sends the signal when the *thread* that forked the child exits, not the process: spawn
long-lived children only from threads that live as long as they must (an event loop thread, the
thread running a pool).

Shipped to every worker host, so it imports neither ``engine`` nor ``tui``.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
import threading
import time
from collections.abc import Callable

PR_SET_PDEATHSIG = 1
_LINUX = sys.platform.startswith("linux")
_prctl = None
if _LINUX:
    # Resolved once in the parent: the preexec hook runs between fork and exec, where loading a
    # library could deadlock on a lock another thread held at fork time.
    with contextlib.suppress(OSError, AttributeError):
        _prctl = ctypes.CDLL(None, use_errno=True).prctl


def set_parent_death_signal(sig: int = signal.SIGKILL, expected_parent: int | None = None) -> bool:
    """Ask the kernel to send ``sig`` to this process when its parent dies; False where unsupported.

    With ``expected_parent``, a parent that already died before the call (this process was then
    re-parented and would never get the signal) makes the process deliver ``sig`` to itself.
    """
    if _prctl is None:
        return False
    if _prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0) != 0:
        return False
    if expected_parent is not None and os.getppid() != expected_parent:
        os.kill(os.getpid(), sig)
    return True


def preexec(sig: int = signal.SIGKILL) -> Callable[[], None] | None:
    """A ``preexec_fn`` making a subprocess die with this process, or None where unsupported."""
    if _prctl is None:
        return None
    parent = os.getpid()

    def _in_child() -> None:
        set_parent_death_signal(sig, parent)

    return _in_child


def kill_own_group_and_exit(code: int = 137) -> None:
    """End this process and everything it started: its group when it leads one, else its children."""
    with contextlib.suppress(OSError):
        if os.getpgrp() == os.getpid():
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            os.killpg(0, signal.SIGKILL)
    with contextlib.suppress(Exception):
        import psutil

        for child in psutil.Process().children(recursive=True):
            with contextlib.suppress(psutil.Error):
                child.kill()
    os._exit(code)


def watch_parent(interval: float = 0.5) -> threading.Thread:
    """Start a daemon thread that ends this process group once the parent is gone (re-parented)."""
    parent = os.getppid()

    def loop() -> None:
        while True:
            time.sleep(interval)
            if os.getppid() != parent:
                kill_own_group_and_exit()

    thread = threading.Thread(target=loop, name="agilab-lifeline", daemon=True)
    thread.start()
    return thread


def guard_group(interval: float = 0.5) -> None:
    """For a process whose children we cannot configure: parent death or SIGTERM ends them all.

    SIGTERM (also the parent-death signal here) is handled in the main thread, which a process
    waiting on a compiler is free to run; the watchdog covers systems without ``prctl``.
    """
    parent = os.getppid()
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda _sig, _frame: kill_own_group_and_exit(143))
        set_parent_death_signal(signal.SIGTERM, parent)
    watch_parent(interval)


def exec_with_parent_death_signal(argv: list[str], sig: int = signal.SIGKILL) -> None:
    """Become ``argv`` with a parent-death signal set: for commands a library starts through a shell."""
    set_parent_death_signal(sig, os.getppid())
    os.execvp(argv[0], argv)


def supervise(argv: list[str], interval: float = 0.5) -> int:
    """Run ``argv`` as a child and take the whole group down when our parent goes or SIGTERM comes.

    For servers started from a thread that may end before them (the parent-death signal would fire
    then): polling ``getppid`` does not care which thread forked us. Start this process as the leader
    of a new session so that the group it kills is exactly itself and the command's processes.
    """
    import subprocess

    parent = os.getppid()
    signal.signal(signal.SIGTERM, lambda _sig, _frame: kill_own_group_and_exit(143))
    child = subprocess.Popen(argv)
    while child.poll() is None:
        if os.getppid() != parent:
            kill_own_group_and_exit()
        time.sleep(interval)
    return int(child.returncode)


if __name__ == "__main__":
    # python -m workers.lifeline CMD [ARGS...]: run CMD so that it dies with whoever started us.
    # python -m workers.lifeline --supervise CMD [ARGS...]: the same, for a parent whose starting thread may end.
    if len(sys.argv) < 2 or sys.argv[1:] == ["--supervise"]:
        raise SystemExit("usage: python -m workers.lifeline [--supervise] CMD [ARGS...]")
    if sys.argv[1] == "--supervise":
        raise SystemExit(supervise(sys.argv[2:]))
    exec_with_parent_death_signal(sys.argv[1:])
