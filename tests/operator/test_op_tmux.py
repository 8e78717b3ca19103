"""As a person would, in tmux at 120x36: INSTALL (ctrl+b) then RUN (ctrl+r), and alt+4 shows the output table
without F5; F8 writes an SVG and says where; alt+1 from inside the WORKFLOW code editor shows PROJECT and
leaves the editor's text as it was.

WORKFLOW is visited last: leaving it for ORCHESTRATE in a real terminal can leave WORKFLOW's cells painted over
ORCHESTRATE (seen before this test existed, at c945b22; Pilot screenshots are right), which would blind the
captures that follow.
"""

from __future__ import annotations

import re
import shlex
import shutil
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.tmux_driver import REPO_ROOT, kill_session, pane, tmux, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")]


def keys(session: str, *names: str) -> None:
    for name in names:
        tmux("send-keys", "-t", session, name)
        time.sleep(0.3)  # a person's pace: one key is read before the next arrives


def editor_part(line: str) -> str:
    """The code editor's side of a WORKFLOW line (the stage list is left of the "││" between the panels)."""
    return line.split("││", 1)[-1]


def settled(session: str, screen: str, timeout: float = 10) -> str:
    """The pane once two captures 0.3 s apart agree: a page just shown may still be filling in."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        time.sleep(0.3)
        now = pane(session)
        if now == screen:
            return now
        screen = now
    return screen


def test_page_keys_screens_that_follow_the_run_and_f8_in_tmux(tmp_path: Path) -> None:
    session = f"agilab-op-{uuid.uuid4().hex[:8]}"
    shots = tmp_path / "shots"
    shots.mkdir()
    home = tmp_path / "home"
    command = (f"cd {shlex.quote(str(shots))} && PYTHONPATH={shlex.quote(str(REPO_ROOT))} AGILAB_TUI_TEST_MODE=1 "
               f"{shlex.quote(sys.executable)} -m tui --home {shlex.quote(str(home))}")
    tmux("new-session", "-d", "-s", session, "-x", "120", "-y", "36", command)
    try:
        assert "mode 0: python" in wait_for(session, "mode 0: python", 60)
        keys(session, "C-b")
        assert "✓ install finished" in wait_for(session, "✓ install finished", 300)
        keys(session, "C-r")
        done = wait_for(session, "✓ run finished", 300)
        assert "✓ run finished" in done and "output file(s)" in done, done
        keys(session, "M-4")
        table = wait_for(session, "rows ×", 60)
        assert "out/flight_" in table and "aircraft" in table and "rows ×" in table, \
            f"ANALYSIS did not show the output table:\n{table}"
        assert "No csv/parquet output yet" not in table

        keys(session, "F8")
        saved = wait_for(session, "screenshot saved to", 30)
        svgs = list(shots.glob("*.svg"))
        assert len(svgs) == 1 and svgs[0].read_text().lstrip().startswith("<svg")
        assert "screenshot saved to" in saved and str(shots)[:20] in saved  # the toast wraps the full path
        # Tab towards the code editor as a person would: type a marker, look where it landed, take it back if
        # it went into the description or question field.
        keys(session, "3")
        assert "Description" in wait_for(session, "Description", 60)
        typed = ""
        for _ in range(10):
            keys(session, "Tab")
            tmux("send-keys", "-t", session, "-l", "#zq")
            typed = wait_for(session, "#zq", 5)
            marked = [line for line in typed.splitlines() if "#zq" in line]
            if marked and not any(word in marked[0] for word in ("Description", "Question", "Environment")):
                break
            keys(session, "BSpace", "BSpace", "BSpace")
        assert re.search(r"│\s*\d+\s.*#zq", typed), f"the code editor never got the typing:\n{typed}"
        before = typed.splitlines()[:-1]  # without the footer
        keys(session, "M-1")
        shown = wait_for(session, "Environment health", 30)
        assert "Environment health" in shown, f"alt+1 from the editor did not show PROJECT:\n{shown}"
        keys(session, "M-3")
        back = settled(session, wait_for(session, "#zq", 30))
        code_before = [editor_part(line) for line in before if "#zq" in line]
        assert [editor_part(line) for line in back.splitlines() if "#zq" in line] == code_before, \
            f"the editor text changed:\n{back}"
        assert "#zq1" not in back and "1#zq" not in back

        keys(session, "C-q")
    finally:
        kill_session(session)
