"""In tmux, a page key typed right behind the page switch (alt+2 then ctrl+b in one send-keys) reaches the page."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import pytest

from tests.tmux_driver import kill_session, quit_tui, tmux, tui_command, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")]


def test_alt_2_then_ctrl_b_without_a_pause_starts_the_install(tmp_path: Path) -> None:
    session = f"agilab-tui-switch-{uuid.uuid4().hex[:8]}"
    command = tui_command(tmp_path / "home")
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
        quit_tui(session)
    finally:
        kill_session(session)
