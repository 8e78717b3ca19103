"""Run one AGILab snippet in the AGILab Python: lines streamed live, the whole tree killed on cancel.

AGILab starts its own children (uv, ``dask scheduler``, ``dask worker``) and some of them leave the
snippet's process group, so the group kill of :class:`~engine.proc.ChildProcess` is not enough. Every
process of one execution inherits a unique ``AGILAB_TUI_RUN_TOKEN`` in its environment; after the
snippet ends (normally, failed or cancelled) every process still carrying that token is stopped
(SIGTERM, then SIGKILL), which catches Dask processes that were re-parented to init.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...atomic import atomic_write_text
from ...proc import ChildProcess, clean_child_env
from .discovery import AgilabInstall
from .snippet import RESULT_MARKER

TOKEN_ENV = "AGILAB_TUI_RUN_TOKEN"
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
Sink = Callable[[str, str], Awaitable[None]]


@dataclass
class SnippetOutcome:
    exit_code: int
    result: Any = None
    has_result: bool = False
    seconds: float = 0.0
    leftovers: list[int] = field(default_factory=list)
    tail: list[str] = field(default_factory=list)


def child_env(install: AgilabInstall, token: str) -> dict[str, str]:
    """Our environment for AGILab: its venv and base interpreter first on PATH (uv must find the Python
    named by AGI_PYTHON_VERSION), no interpreter downloads, and the run token."""
    env = clean_child_env({TOKEN_ENV: token})
    env.pop("AGILAB_TUI_HOME", None)
    front = [str(install.bin_dir)] + ([str(install.base_bin)] if install.base_bin else [])
    env["PATH"] = os.pathsep.join([*front, env.get("PATH", "")])
    env.setdefault("UV_PYTHON_DOWNLOADS", "never")
    env["VIRTUAL_ENV"] = str(install.python.parent.parent)
    return env


def processes_with_token(token: str) -> list[Any]:
    import psutil

    found = []
    me = os.getpid()
    for proc in psutil.process_iter(["pid"]):
        if proc.pid == me:
            continue
        try:
            if proc.environ().get(TOKEN_ENV) == token:
                found.append(proc)
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess, OSError):
            continue
    return found


def reap(token: str, grace: float = 3.0) -> list[int]:
    """Stop every process carrying ``token``; return their pids."""
    import psutil

    procs = processes_with_token(token)
    for proc in procs:
        with contextlib.suppress(psutil.Error):
            proc.terminate()
    _, alive = psutil.wait_procs(procs, timeout=grace)
    for proc in alive:
        with contextlib.suppress(psutil.Error):
            proc.kill()
    psutil.wait_procs(alive, timeout=grace)
    return [p.pid for p in procs]


async def run_snippet(install: AgilabInstall, code: str, path: Path, sink: Sink, *,
                      cwd: Path | None = None) -> SnippetOutcome:
    """Write ``code`` to ``path`` (AGILab's place for snippets) and run it; cancelling kills the tree.
    Whatever it leaves running is reaped (a service that must outlive its snippet goes through
    :mod:`.supervisor` instead)."""
    atomic_write_text(path, code)
    token = secrets.token_hex(8)
    child = ChildProcess([str(install.python), "-u", str(path)], cwd=cwd or path.parent,
                         env=child_env(install, token))
    outcome = SnippetOutcome(exit_code=-1)
    tail: list[str] = []

    async def on_line(source: str, line: str) -> None:
        line = _ANSI.sub("", line)
        if line.startswith(RESULT_MARKER):
            try:
                outcome.result = json.loads(line[len(RESULT_MARKER):])
                outcome.has_result = True
            except ValueError:
                pass
            return
        if line.strip():
            tail.append(line)
            del tail[:-20]
        await sink(source, line)

    started = time.perf_counter()
    await child.start()
    try:
        outcome.exit_code = await child.stream(on_line)
    finally:
        outcome.seconds = round(time.perf_counter() - started, 3)
        outcome.leftovers = await asyncio.shield(asyncio.to_thread(reap, token))
        outcome.tail = tail
    return outcome


def failure_message(what: str, outcome: SnippetOutcome) -> str:
    """The most telling line of a failed snippet: the last exception line, else the last line."""
    lines = outcome.tail
    errors = [line for line in lines if re.match(r"^[A-Za-z_.]*(Error|Exception|Exit)\b", line.strip())]
    last = (errors or lines or [f"exit code {outcome.exit_code}"])[-1].strip()
    return f"{what} failed (exit code {outcome.exit_code}): {last}"
