"""Child processes whose output is streamed line by line and which die, with their children, on cancel."""

from __future__ import annotations

import asyncio
import contextlib
import fnmatch
import os
import signal
from collections.abc import Awaitable, Callable, Mapping, Sequence
from pathlib import Path

from engine.death_signal import dying_with_us

LineSink = Callable[[str, str], Awaitable[None] | None]
"""Receives (source, line) for every line a child prints; source is 'stdout' or 'stderr'."""


SECRET_PATTERNS = ("*_API_KEY", "*APIKEY*", "*TOKEN*", "*SECRET*", "*PASSWORD*", "*PASSWD*", "OPENAI_*")
"""Variables a child never inherits: API keys (the assistant's OpenAI key first), tokens, secrets, passwords."""
PASS_SECRETS_ENV = "AGILAB_TUI_CHILD_SECRETS"
"""Comma-separated names of secret variables the user explicitly lets children inherit."""
_NOT_INHERITED = {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV"}
INSTALLER_KEEP = ("UV_*", "PIP_*")
"""uv and pip read private-index credentials from these; installers keep them."""


def is_secret_name(name: str, keep: Sequence[str] = ()) -> bool:
    """True for a variable that looks like a credential and is not matched by ``keep``."""
    upper = name.upper()
    if any(fnmatch.fnmatchcase(upper, pattern) for pattern in keep):
        return False
    return any(fnmatch.fnmatchcase(upper, pattern) for pattern in SECRET_PATTERNS)


def clean_child_env(extra: Mapping[str, str] | None = None, *, keep: Sequence[str] = ()) -> dict[str, str]:
    """The environment for every child (stages, runner, scheduler, workers, managers, tools).

    Ours without PYTHONPATH/PYTHONHOME and without credentials (:data:`SECRET_PATTERNS`), plus
    ``extra``, which the caller passes on purpose and is kept as given.  ``keep``: patterns a kind of
    child needs despite the rule (installers keep ``UV_*``/``PIP_*`` index credentials).
    """
    allowed = {n.strip() for n in os.environ.get(PASS_SECRETS_ENV, "").split(",") if n.strip()}
    env = {k: v for k, v in os.environ.items()
           if k not in _NOT_INHERITED and (k in allowed or not is_secret_name(k, keep))}
    env["PYTHONUNBUFFERED"] = "1"
    if extra:
        env.update(extra)
    return env


class ChildProcess:
    """One subprocess in its own process group, so cancelling it also kills what it spawned."""

    def __init__(self, argv: Sequence[str], *, cwd: Path | str | None = None,
                 env: Mapping[str, str] | None = None, stdin_data: bytes | None = None):
        self.argv = [str(a) for a in argv]
        self.cwd = cwd
        self.env = dict(env) if env is not None else clean_child_env()
        self.stdin_data = stdin_data
        self.process: asyncio.subprocess.Process | None = None

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    async def start(self) -> None:
        # The child dies with us even if we are SIGKILLed and cannot kill its group ourselves.
        argv, preexec_fn = dying_with_us(self.argv, self.env)
        self.process = await asyncio.create_subprocess_exec(
            *argv,
            cwd=str(self.cwd) if self.cwd else None,
            env=self.env,
            stdin=asyncio.subprocess.PIPE if self.stdin_data is not None else asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            start_new_session=True,
            preexec_fn=preexec_fn,
            limit=1 << 22,
        )
        if self.stdin_data is not None and self.process.stdin:
            self.process.stdin.write(self.stdin_data)
            await self.process.stdin.drain()
            self.process.stdin.close()

    async def stream(self, sink: LineSink) -> int:
        """Feed every output line to ``sink`` until the child exits; return its exit code."""
        assert self.process is not None, "start() first"

        async def pump(reader: asyncio.StreamReader | None, source: str) -> None:
            # Read in chunks and yield after each one: a chatty child must not starve the event loop
            # (readline() returns without yielding while data is buffered).
            if reader is None:
                return
            pending = b""
            while True:
                chunk = await reader.read(1 << 16)
                if not chunk:
                    if pending:
                        await emit(pending, source)
                    return
                pending += chunk
                *complete, pending = pending.split(b"\n")
                for raw in complete:
                    await emit(raw, source)
                await asyncio.sleep(0)

        async def emit(raw: bytes, source: str) -> None:
            result = sink(source, raw.decode("utf-8", "replace").rstrip("\r"))
            if asyncio.iscoroutine(result):
                await result

        try:
            await asyncio.gather(pump(self.process.stdout, "stdout"), pump(self.process.stderr, "stderr"))
            return await self.process.wait()
        except asyncio.CancelledError:
            await self.kill()
            raise

    async def kill(self, grace: float = 2.0) -> None:
        """SIGTERM the whole process group, then SIGKILL it after ``grace`` seconds."""
        proc = self.process
        if proc is None or proc.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            await asyncio.wait_for(proc.wait(), grace)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
            await proc.wait()
        # The leader is gone, but stragglers of its group may survive SIGTERM.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)


async def run_streaming(argv: Sequence[str], sink: LineSink, *, cwd: Path | str | None = None,
                        env: Mapping[str, str] | None = None) -> int:
    """Run ``argv`` to completion, streaming its lines; cancelling the caller kills the child group."""
    child = ChildProcess(argv, cwd=cwd, env=env)
    await child.start()
    return await child.stream(sink)
