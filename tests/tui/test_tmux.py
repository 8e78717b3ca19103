"""The real program in a real terminal: tmux at 120x36, keys only, install and run the demo, read the pane."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import pytest

from tests.tmux_driver import kill_session, quit_tui, tmux, tui_command, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")]


def test_install_and_run_the_demo_from_the_keyboard_in_tmux(tmp_path: Path) -> None:
    session = f"agilab-tui-test-{uuid.uuid4().hex[:8]}"
    command = tui_command(tmp_path / "home")
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
        quit_tui(session)
    finally:
        kill_session(session)
