"""The function a Dask worker runs for a command step; standard library only, shipped to workers by value."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from typing import Any

_TAIL = 400


def run_command(argv: list[str], cwd: str | None, env_extra: dict[str, str]) -> dict[str, Any]:
    """Run ``argv`` on this worker host and return its exit code, output tails and timings."""
    # The worker's own interpreter stands in for "python", as the local backend uses the engine's.
    argv = [sys.executable if i == 0 and arg in ("python", "python3") else arg for i, arg in enumerate(argv)]
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env.update(env_extra)
    env["PYTHONUNBUFFERED"] = "1"
    if cwd:
        os.makedirs(cwd, exist_ok=True)
    started = time.time()
    try:
        done = subprocess.run(argv, cwd=cwd or None, env=env, capture_output=True, text=True, check=False)
        code, out, err = done.returncode, done.stdout, done.stderr
    except OSError as exc:
        code, out, err = 127, "", f"cannot start {argv[0]}: {exc}"
    return {"exit_code": code, "stdout": out.splitlines()[-_TAIL:], "stderr": err.splitlines()[-_TAIL:],
            "host": socket.gethostname(), "pid": os.getpid(), "started": started, "finished": time.time()}
