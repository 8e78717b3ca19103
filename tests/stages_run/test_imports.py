"""Importing the stage runner stays cheap and keeps to the engine/worker boundaries."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

PROBE = """
import json, sys
import engine.stages_run, engine.tracking, engine.cli.stages_exec, workers.tracking
heavy = ["mlflow", "pandas", "nbformat", "nbclient", "textual", "rich", "tui"]
print(json.dumps(sorted(name for name in heavy if name in sys.modules)))
"""


def test_importing_the_runner_loads_no_heavy_or_ui_module():
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=REPO, capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []


def test_worker_tracker_does_not_import_engine():
    probe = "import sys, workers.tracking; print('engine' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
