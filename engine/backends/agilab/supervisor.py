"""Our side of the AGILab service supervisor (:mod:`.serve_snippet`): start it, talk to it, stop it.

``start`` launches the supervisor detached (own session, output to ``serve_supervisor.log``, no
parent-death signal: the service outlives the command that started it) and follows its log until it
says it is ready. ``status`` / ``health`` / ``stop`` send one request to the port in its control file
and follow the log meanwhile, so AGILab's lines still stream. After ``stop`` every process carrying
the start's run token (supervisor, scheduler, workers) must be gone; stragglers are killed and named.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...atomic import atomic_write_text
from ...errors import AgilabError
from .discovery import AgilabInstall
from .runner import TOKEN_ENV, Sink, child_env, processes_with_token, reap
from .serve_snippet import READY_MARKER
from .snippet import RESULT_MARKER

_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_CHILDREN: list[subprocess.Popen[bytes]] = []  # polled so a supervisor that ended is not left a zombie


@dataclass
class ServeOutcome:
    result: Any = None
    seconds: float = 0.0
    leftovers: list[int] = field(default_factory=list)
    pid: int | None = None
    log_offset: int | None = None
    """Where the supervisor log had been streamed up to: a follower of the running service resumes there."""


def control_file(log_dir: Path) -> Path:
    return log_dir / "serve_supervisor.json"


def log_file(log_dir: Path) -> Path:
    return log_dir / "serve_supervisor.log"


def _reap_children() -> None:
    for child in list(_CHILDREN):
        if child.poll() is not None:
            _CHILDREN.remove(child)


def live_control(log_dir: Path) -> dict[str, Any] | None:
    """The control file of a supervisor that is still running (its pid still carries its token)."""
    import psutil

    _reap_children()
    try:
        control = json.loads(control_file(log_dir).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    try:
        proc = psutil.Process(int(control["pid"]))
        if proc.status() != psutil.STATUS_ZOMBIE and proc.environ().get(TOKEN_ENV) == control.get("token"):
            return control
    except (psutil.Error, KeyError, TypeError, ValueError, OSError):
        pass
    return None


def stale_control(log_dir: Path) -> dict[str, Any] | None:
    """A control file whose supervisor is gone (crashed or killed): its token still finds its Dask processes."""
    try:
        control = json.loads(control_file(log_dir).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return None if live_control(log_dir) else control


class _Tail:
    """Follows a log file from ``offset``: complete lines go to ``sink``, result markers are kept."""

    def __init__(self, path: Path, sink: Sink, offset: int = 0):
        self.path, self.sink, self.offset = path, sink, offset
        self.pending = b""
        self.result: Any = None
        self.has_result = False
        self.ready = False
        self.tail: list[str] = []

    @property
    def consumed(self) -> int:
        """Bytes of the file passed to the sink (a partial last line is not)."""
        return self.offset - len(self.pending)

    async def pump(self) -> None:
        try:
            with self.path.open("rb") as handle:
                handle.seek(self.offset)
                data = handle.read()
        except OSError:
            return
        self.offset += len(data)
        self.pending += data
        *complete, self.pending = self.pending.split(b"\n")
        for raw in complete:
            await self._line(_ANSI.sub("", raw.decode("utf-8", "replace").rstrip("\r")))

    async def _line(self, line: str) -> None:
        if line.startswith(RESULT_MARKER):
            with contextlib.suppress(ValueError):
                self.result = json.loads(line[len(RESULT_MARKER):])
                self.has_result = True
            return
        if line.startswith(READY_MARKER):
            self.ready = True
            return
        if line.strip():
            self.tail.append(line)
            del self.tail[:-20]
        await self.sink("stdout", line)


def _kill_tree(token: str) -> list[int]:
    return reap(token) if token else []


async def start(install: AgilabInstall, code: str, path: Path, sink: Sink, *, token: str) -> ServeOutcome:
    """Launch the supervisor and return once ``AGI.serve(start)`` answered and its port is open."""
    log_dir = path.parent
    if live_control(log_dir):
        raise AgilabError(f"an AGILab service started from here is already running "
                          f"(see {control_file(log_dir)}); stop it first")
    kill_stale(log_dir)  # a supervisor that died: its scheduler and workers must not survive into a new start
    atomic_write_text(path, code)
    log = log_file(log_dir)
    started = time.perf_counter()
    with log.open("wb") as out:
        child = subprocess.Popen([str(install.python), "-u", str(path)], cwd=str(install_home()),
                                 env=child_env(install, token), stdin=subprocess.DEVNULL, stdout=out,
                                 stderr=subprocess.STDOUT, start_new_session=True)
    _CHILDREN.append(child)
    tail = _Tail(log, sink)
    try:
        while not tail.ready:
            await tail.pump()
            if child.poll() is not None:
                await asyncio.sleep(0.2)
                await tail.pump()
                break
            await asyncio.sleep(0.2)
    except BaseException:  # cancelled: the service must not outlive a start that was abandoned
        await asyncio.shield(asyncio.to_thread(_abandon, log_dir, token, child.pid))
        raise
    outcome = ServeOutcome(result=tail.result, seconds=round(time.perf_counter() - started, 3), pid=child.pid,
                           log_offset=tail.consumed)
    if not tail.ready:
        outcome.leftovers = await asyncio.to_thread(_abandon, log_dir, token, child.pid)
        if not tail.has_result:
            last = (tail.tail or [f"exit code {child.returncode}"])[-1].strip()
            raise AgilabError(f"AGILab serve start failed (exit code {child.returncode}): {last}")
    return outcome


def _abandon(log_dir: Path, token: str, pid: int) -> list[int]:
    killed = _kill_tree(token)
    control_file(log_dir).unlink(missing_ok=True)
    _forget_agilab_state(pid)
    _reap_children()
    return killed


def install_home() -> Path:
    from . import paths

    return paths.home()


async def request(log_dir: Path, action: str, options: dict[str, Any], sink: Sink) -> ServeOutcome:
    """``AGI.serve(action)`` in the running supervisor; for ``stop``, wait until all its processes are gone."""
    control = live_control(log_dir)
    if control is None:
        raise AgilabError("no AGILab service supervisor is running")
    log = log_file(log_dir)
    tail = _Tail(log, sink, offset=log.stat().st_size if log.exists() else 0)
    started = time.perf_counter()
    reader, writer = await asyncio.open_connection("127.0.0.1", int(control["port"]))
    try:
        writer.write((json.dumps({"secret": control["secret"], "action": action, "options": options},
                                 default=str) + "\n").encode())
        await writer.drain()
        answer = asyncio.create_task(reader.readline())
        while not answer.done():
            await asyncio.wait({answer}, timeout=0.2)
            await tail.pump()
        line = answer.result()
    finally:
        writer.close()
        with contextlib.suppress(OSError, ConnectionError):
            await writer.wait_closed()
    await tail.pump()
    if not line:
        raise AgilabError(f"AGILab service supervisor (pid {control['pid']}) closed the connection "
                          f"without answering {action}; see {log}")
    reply = json.loads(line)
    if not reply.get("ok"):
        raise AgilabError(f"AGILab serve {action} failed: {reply.get('error')}")
    outcome = ServeOutcome(result=reply["result"], pid=int(control["pid"]))
    if action == "stop":
        outcome.leftovers = await asyncio.to_thread(_wait_gone, str(control.get("token", "")))
        await tail.pump()
    outcome.log_offset = tail.consumed
    outcome.seconds = round(time.perf_counter() - started, 3)
    return outcome


def _wait_gone(token: str, wait: float = 15.0) -> list[int]:
    """After AGILab's own teardown: give its processes ``wait`` seconds to exit, then kill the rest."""
    import psutil

    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        _reap_children()
        alive = [p for p in processes_with_token(token) if _alive(p, psutil)]
        if not alive:
            return []
        time.sleep(0.2)
    return _kill_tree(token)


def _alive(proc: Any, psutil: Any) -> bool:
    try:
        return proc.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def kill_stale(log_dir: Path) -> list[int]:
    """The processes of a supervisor that died before its stop (found by its token), killed."""
    stale = stale_control(log_dir)
    if not stale:
        return []
    killed = _kill_tree(str(stale.get("token", "")))
    control_file(log_dir).unlink(missing_ok=True)
    _forget_agilab_state(int(stale.get("pid", 0) or 0))
    return killed


def _forget_agilab_state(owner_pid: int) -> None:
    """AGILab's service_state.json written by that dead supervisor names loops that died with it; left
    there, AGILab's next start tries to recover them and refuses to start."""
    from . import paths

    for path in [p for share in (paths.local_share(), paths.cluster_share())
                 for p in (share / "service").glob("*/service_state.json")]:
        with contextlib.suppress(OSError, ValueError):
            if owner_pid and json.loads(path.read_text("utf-8")).get("owner_pid") == owner_pid:
                path.unlink()


def supervisor_pid(log_dir: Path) -> int | None:
    control = live_control(log_dir)
    return int(control["pid"]) if control else None


