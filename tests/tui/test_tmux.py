"""The real program in a real terminal: tmux at 120x36, keys only, install and run the demo, read the pane."""

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
    """Capture the pane until ``text`` shows up (or the bounded wait ends); return the last capture."""
    deadline = time.monotonic() + timeout
    pane = ""
    while time.monotonic() < deadline:
        pane = tmux("capture-pane", "-p", "-t", session)
        if text in pane:
            return pane
        time.sleep(0.25)
    return pane


def test_install_and_run_the_demo_from_the_keyboard_in_tmux(tmp_path: Path) -> None:
    session = f"agilab-tui-test-{uuid.uuid4().hex[:8]}"
    command = (f"cd {shlex.quote(str(REPO_ROOT))} && AGILAB_TUI_TEST_MODE=1 "
               f"{shlex.quote(sys.executable)} -m tui --home {shlex.quote(str(tmp_path / 'home'))}")
    tmux("new-session", "-d", "-s", session, "-x", "120", "-y", "36", command)
    try:
        pane = wait_for(session, "mode 0: python", 60)
        assert "2 ORCHESTRATE" in pane and "● idle" in pane
        tmux("send-keys", "-t", session, "C-b")
        pane = wait_for(session, "✓ install finished", 300)
        assert "✓ install finished" in pane, pane
        tmux("send-keys", "-t", session, "C-r")
        pane = wait_for(session, "✓ run finished", 300)
        assert "✓ run finished" in pane, pane
        assert "output file(s)" in pane
        assert (tmp_path / "home" / "log" / "execute" / "flight_telemetry" / "run_manifest.json").exists()
        tmux("send-keys", "-t", session, "C-q")
        for _ in range(40):
            if subprocess.run(["tmux", "has-session", "-t", session], capture_output=True).returncode != 0:
                break
            time.sleep(0.25)
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
