"""Importing the assistant stays light: no textual, rich, openai or pandas until they are needed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_import_loads_no_ui_and_no_heavy_library() -> None:
    probe = (
        "import json, sys, engine.assistant; "
        "print(json.dumps({m: m in sys.modules for m in ('textual', 'rich', 'tui', 'openai', 'pandas')}))"
    )
    done = subprocess.run([sys.executable, "-c", probe], cwd=REPO_ROOT, capture_output=True, text=True, check=True)
    assert json.loads(done.stdout) == {"textual": False, "rich": False, "tui": False, "openai": False, "pandas": False}
