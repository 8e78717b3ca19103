"""Fixtures for the headless mirror of the pages: the CLI run as a real subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-c", "import sys; from tui.__main__ import main; sys.exit(main())"]


def cli(home: Path, *args: str, stdin: str | None = None, env: dict[str, str] | None = None,
        timeout: float = 600) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "AGILAB_TUI_HOME": str(home), **(env or {})}
    return subprocess.run([*CLI, *args], env=full_env, capture_output=True, text=True, timeout=timeout,
                          cwd=REPO, input=stdin)
