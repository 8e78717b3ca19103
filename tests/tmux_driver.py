"""Driving the real program in a real tmux terminal, as a person would: start it, send keys, read the pane."""

from __future__ import annotations

import shlex
import subprocess
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], check=True, capture_output=True, text=True).stdout


def pane(session: str) -> str:
    return tmux("capture-pane", "-p", "-t", session)


def wait_for(session: str, text: str, timeout: float, poll: float = 0.25) -> str:
    """Capture the pane until ``text`` shows up (or the bounded wait ends); return the last capture."""
    deadline = time.monotonic() + timeout
    shown = ""
    while time.monotonic() < deadline:
        shown = pane(session)
        if text in shown:
            return shown
        time.sleep(poll)
    return shown


def tui_command(home: Path) -> str:
    """The shell command that starts the TUI in test mode on workspace ``home``."""
    return (f"cd {shlex.quote(str(REPO_ROOT))} && AGILAB_TUI_TEST_MODE=1 "
            f"{shlex.quote(sys.executable)} -m tui --home {shlex.quote(str(home))}")


def quit_tui(session: str) -> None:
    """ctrl+q, then wait (bounded) until the program has ended and tmux closed its session."""
    tmux("send-keys", "-t", session, "C-q")
    for _ in range(40):
        if subprocess.run(["tmux", "has-session", "-t", session], capture_output=True).returncode != 0:
            return
        time.sleep(0.25)


def kill_session(session: str) -> None:
    subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
