"""Helpers for fault tests: real CLI processes, killed for real, and a psutil scan for what they left."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import psutil
import tomlkit

REPO_ROOT = Path(__file__).resolve().parents[2]


def set_args(home: Path, app: str, **values) -> None:
    """Edit the workspace's own settings of ``app`` (seeded from the bundled file when missing)."""
    path = home / "settings" / app / "app_settings.toml"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text((REPO_ROOT / "apps" / app / "src" / "app_settings.toml").read_text("utf-8"), "utf-8")
    document = tomlkit.parse(path.read_text("utf-8"))
    for dotted, value in values.items():
        table, _, key = dotted.rpartition("__")
        target = document
        for part in table.split("__") if table else ["args"]:
            target = target.setdefault(part, tomlkit.table())
        target[key] = value
    path.write_text(tomlkit.dumps(document), "utf-8")


_HOMES: dict[str, str] = {}


def cli(home: Path, *args: str, marker: str, env: dict[str, str] | None = None) -> subprocess.Popen:
    """Start ``agilab-tui ARGS`` with a marker in its environment that every descendant inherits."""
    _HOMES[marker] = str(home)
    env = {**os.environ, **(env or {}), "AGILAB_TUI_HOME": str(home), "AGILAB_FAULT_MARKER": marker,
           "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([sys.executable, "-m", "tui", *args], env=env, cwd=REPO_ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)


def marked(marker: str) -> list[psutil.Process]:
    """Every live process whose environment carries ``marker`` or whose command line names its home.

    The home path catches children whose environment the engine filtered (runner, Dask processes,
    builds all name files under the workspace); zombies do not count.
    """
    found = []
    home = _HOMES.get(marker)
    for proc in psutil.process_iter(["pid"]):
        try:
            if proc.pid == os.getpid() or proc.status() == psutil.STATUS_ZOMBIE:
                continue
            if proc.environ().get("AGILAB_FAULT_MARKER") == marker or (
                    home and any(home in part for part in proc.cmdline())):
                found.append(proc)
        except psutil.Error:
            continue
    return found


def describe(procs: list[psutil.Process]) -> list[str]:
    out = []
    for p in procs:
        try:
            out.append(f"{p.pid} ppid={p.ppid()} {' '.join(p.cmdline())[:160]}")
        except psutil.Error:
            pass
    return out


def wait_for(predicate: Callable[[], bool], timeout: float, step: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


def survivors_after(marker: str, seconds: float) -> list[psutil.Process]:
    """Wait up to ``seconds`` for every marked process to end; return those still alive (prints the time)."""
    started = time.monotonic()
    gone = wait_for(lambda: not marked(marker), seconds, step=0.05)
    if gone:
        print(f"\nevery process gone {time.monotonic() - started:.2f} s after the kill")
    return marked(marker)


def reap(marker: str) -> None:
    """Leave nothing behind even when a test fails."""
    for proc in marked(marker):
        try:
            proc.kill()
        except psutil.Error:
            pass


class LineReader:
    """Reads a child's stdout in a thread so a test can wait for a line without blocking on the pipe."""

    def __init__(self, proc: subprocess.Popen):
        import threading

        self.lines: list[str] = []
        self._thread = threading.Thread(target=self._pump, args=(proc,), daemon=True)
        self._thread.start()

    def _pump(self, proc: subprocess.Popen) -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            self.lines.append(line.rstrip("\n"))

    def seen(self, needle: str) -> bool:
        return any(needle in line for line in self.lines)

    def tail(self, n: int = 15) -> str:
        return "\n".join(self.lines[-n:])


def kill_tree_root(proc: subprocess.Popen, sig: int) -> None:
    """Signal only the CLI process itself: its children must die on their own."""
    os.kill(proc.pid, sig)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


__all__ = ["LineReader", "cli", "kill_tree_root", "marked", "reap", "set_args", "signal", "survivors_after", "wait_for"]
