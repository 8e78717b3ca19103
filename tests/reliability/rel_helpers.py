"""Shared helpers of the reliability tests: the real CLI in a subprocess, and file snapshots."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-c", "import sys; from tui.__main__ import main; sys.exit(main())"]


def cli(home: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 300,
        input: str | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "AGILAB_TUI_HOME": str(home), **(env or {})}
    return subprocess.run([*CLI, *args], env=full_env, capture_output=True, text=True, timeout=timeout,
                          cwd=REPO, input=input)


def tree_digest(root: Path) -> dict[str, str]:
    """Path -> sha256 of every file under ``root`` (lock files excluded): proves nothing was rewritten."""
    found: dict[str, str] = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.name.endswith(".lock"):
            found[str(path.relative_to(root))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found
