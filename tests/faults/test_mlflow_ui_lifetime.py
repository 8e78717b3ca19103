"""The MLflow UI server ANALYSIS starts dies with the process that started it, even by SIGKILL.

The TUI starts it from a worker thread that ends at once, so the kernel's parent-death signal alone would
kill it immediately (or, unset, leave it to PID 1): a supervisor polling its parent takes the group down.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import urllib.request
import uuid
from pathlib import Path

import pytest
from fault_helpers import _HOMES, describe, marked, reap, survivors_after, wait_for

from engine.workspace import REPO_ROOT

pytestmark = pytest.mark.slow

STARTER = """
import sys, threading, time
from engine.mlflow_runs import MlflowServer
from engine.workspace import Workspace

server = MlflowServer(Workspace(sys.argv[1]))
started = threading.Thread(target=lambda: print(server.start(), flush=True))
started.start()
started.join()  # the starting thread is gone, as after the TUI's call_engine worker
time.sleep(600)
"""


def _up(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as answer:
            return answer.status == 200
    except OSError:
        return False


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_the_mlflow_ui_server_dies_with_its_starter(tmp_path: Path, sig: int):
    home = tmp_path / "home"
    marker = f"mlflow-ui-{uuid.uuid4().hex[:8]}"
    _HOMES[marker] = str(home)
    env = {**os.environ, "AGILAB_TUI_HOME": str(home), "AGILAB_FAULT_MARKER": marker}
    starter = subprocess.Popen([sys.executable, "-c", STARTER, str(home)], env=env, cwd=REPO_ROOT,
                               stdout=subprocess.PIPE, text=True)
    try:
        url = starter.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:"), url
        assert wait_for(lambda: _up(url), 120, step=0.5), f"the server never answered at {url}"
        assert starter.poll() is None
        assert len(marked(marker)) >= 2, describe(marked(marker))  # supervisor and server
        starter.send_signal(sig)
        starter.wait(10)
        left = survivors_after(marker, 10)
        assert not left, describe(left)
        assert not _up(url)
    finally:
        starter.kill()
        reap(marker)
