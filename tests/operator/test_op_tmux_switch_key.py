"""In tmux, a page key typed right behind the page switch (alt+2 then ctrl+b in one send-keys) reaches the page."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")]
REPO_ROOT = Path(__file__).resolve().parents[2]


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], check=True, capture_output=True, text=True).stdout


def wait_for(session: str, text: str, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    pane = ""
    while time.monotonic() < deadline:
        pane = tmux("capture-pane", "-p", "-t", session)
        if text in pane:
            return pane
        time.sleep(0.1)
    return pane


def test_alt_2_then_ctrl_b_without_a_pause_starts_the_install(tmp_path: Path) -> None:
    session = f"agilab-tui-switch-{uuid.uuid4().hex[:8]}"
    command = (f"cd {shlex.quote(str(REPO_ROOT))} && AGILAB_TUI_TEST_MODE=1 "
               f"{shlex.quote(sys.executable)} -m tui --home {shlex.quote(str(tmp_path / 'home'))}")
    tmux("new-session", "-d", "-s", session, "-x", "120", "-y", "36", command)
    try:
        pane = wait_for(session, "mode 0: python", 60)
        assert "2 ORCHESTRATE" in pane, pane
        tmux("send-keys", "-t", session, "M-1")
        pane = wait_for(session, "Environment health", 30)
        assert "Environment health" in pane, f"alt+1 did not show PROJECT:\n{pane}"
        tmux("send-keys", "-t", session, "M-2", "C-b")  # one write: the two keys arrive back to back
        pane = wait_for(session, "Log · install", 30)
        assert "Log · install" in pane, f"ctrl+b right after alt+2 did not start the install:\n{pane}"
        tmux("send-keys", "-t", session, "Escape")  # cancel it: what is tested is that the key got there
        wait_for(session, "install cancelled", 60)
        tmux("send-keys", "-t", session, "C-q")
        for _ in range(40):
            if subprocess.run(["tmux", "has-session", "-t", session], capture_output=True).returncode != 0:
                break
            time.sleep(0.25)
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
