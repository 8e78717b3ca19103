"""Engine side of the manager protocol: every call into an app's manager runs in its manager env.

One subprocess per call (``python -m workers.manager_server``), in its own process group: cancelling
the awaiting task kills it and whatever it started, its stderr (the manager's prints and logs) is
streamed line by line, and a failure comes back as :class:`ManagerError` with the manager's traceback.
The TUI and CLI therefore never import app code; see ``workers/manager_server.py`` for the requests.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from .errors import AgilabError, SettingsError
from .manager_env import manager_env, not_installed_reason
from .proc import ChildProcess, clean_child_env
from .workspace import AppProject, Workspace

REPLY_PREFIX = "@@agilab:manager "
SYNC_TIMEOUT = 120.0
LogSink = Callable[[str, str], Awaitable[None] | None]


class ManagerError(AgilabError):
    """A manager call failed: the app's code raised, did not import, or rejected the arguments."""

    def __init__(self, message: str, *, kind: str = "exception", traceback: str = "",
                 errors: list[dict[str, Any]] | None = None):
        super().__init__(message)
        self.kind = kind
        self.traceback = traceback
        self.errors = errors or []


class ManagerNotInstalled(ManagerError):
    """The app has no manager environment yet (INSTALL creates it)."""

    def __init__(self, app: AppProject):
        super().__init__(not_installed_reason(app), kind="not_installed")


def _request(workspace: Workspace, app: AppProject, op: str, args: dict[str, Any] | None,
             workers: dict[str, int] | None) -> dict[str, Any]:
    return {"op": op, "src_dir": str(app.src_dir), "target": app.target, "class_name": app.class_name,
            "args": args or {}, "data_root": str(workspace.data_dir), "workers": workers or {}}


def _argv(workspace: Workspace, app: AppProject) -> list[str]:
    env = manager_env(workspace, app)
    if not env.ready:
        raise ManagerNotInstalled(app)
    return [str(env.python), "-m", "workers.manager_server"]


def _child_env() -> dict[str, str]:
    return clean_child_env({"PYTHONSAFEPATH": "1"})


def _reply(stdout_lines: list[str], code: int | None, stderr_tail: list[str]) -> dict[str, Any]:
    for line in reversed(stdout_lines):
        if line.startswith(REPLY_PREFIX):
            try:
                return json.loads(line[len(REPLY_PREFIX):])
            except json.JSONDecodeError:
                break
    tail = "; ".join(stderr_tail[-3:]) or "no output"
    raise ManagerError(f"the manager process exited with code {code} without a reply ({tail})")


def _raise_failure(app: AppProject, reply: dict[str, Any]) -> None:
    kind = str(reply.get("kind") or "exception")
    message = str(reply.get("error") or "manager call failed")
    if kind != "validation":
        message = f"{app.name}: {message}"
    raise ManagerError(message, kind=kind, traceback=str(reply.get("traceback") or ""),
                       errors=list(reply.get("errors") or []))


async def call_manager(workspace: Workspace, app: AppProject, op: str, *, args: dict[str, Any] | None = None,
                       workers: dict[str, int] | None = None, log: LogSink | None = None) -> dict[str, Any]:
    """Run one manager operation in the app's manager env and return its reply (without ``ok``).

    Raises:
        ManagerNotInstalled: no manager env yet.
        ManagerError: the call failed; its traceback has been sent to ``log`` already.
    """
    argv = _argv(workspace, app)
    payload = json.dumps(_request(workspace, app, op, args, workers)).encode()
    stdout: list[str] = []
    stderr: list[str] = []

    async def sink(source: str, line: str) -> None:
        if source == "stdout":
            stdout.append(line)
            if line.startswith(REPLY_PREFIX):
                return
        else:
            stderr.append(line)
        if log is not None:
            result = log("manager", line)
            if result is not None:
                await result

    child = ChildProcess(argv, cwd=tempfile.gettempdir(), env=_child_env(), stdin_data=payload)
    await child.start()
    code = await child.stream(sink)  # cancelling the caller kills the whole group here
    reply = _reply(stdout, code, stderr)
    if not reply.get("ok"):
        if log is not None and reply.get("traceback"):
            for line in str(reply["traceback"]).rstrip().splitlines():
                result = log("manager", line)
                if result is not None:
                    await result
        _raise_failure(app, reply)
    reply.pop("ok", None)
    return reply


def call_manager_sync(workspace: Workspace, app: AppProject, op: str, *, args: dict[str, Any] | None = None,
                      timeout: float = SYNC_TIMEOUT) -> dict[str, Any]:
    """:func:`call_manager` for synchronous callers (worker threads of the TUI, health checks)."""
    argv = _argv(workspace, app)
    payload = json.dumps(_request(workspace, app, op, args, None))
    process = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, cwd=tempfile.gettempdir(), env=_child_env(), start_new_session=True)
    try:
        out, err = process.communicate(payload, timeout=timeout)
    except BaseException:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise ManagerError(f"{app.name}: the manager call '{op}' did not answer within {timeout:.0f} s and "
                           "was stopped", kind="timeout") from None
    reply = _reply(out.splitlines(), process.returncode, err.splitlines())
    if not reply.get("ok"):
        _raise_failure(app, reply)
    reply.pop("ok", None)
    return reply


# --- arguments ----------------------------------------------------------------------------------
_schema_cache: dict[tuple[str, str], tuple[tuple[float, ...], dict[str, Any]]] = {}


def _freshness(workspace: Workspace, app: AppProject) -> tuple[float, ...]:
    env = manager_env(workspace, app)
    sources = [p.stat().st_mtime for p in app.manager_dir.rglob("*.py")] if app.manager_dir.is_dir() else []
    stamp = env.stamp.stat().st_mtime if env.stamp.exists() else 0.0
    return (stamp, max(sources, default=0.0), float(len(sources)))


def args_schema(workspace: Workspace, app: AppProject) -> dict[str, Any]:
    """``{"has_model", "schema", "defaults", "model", "worker_class"}`` from the manager env (cached
    until the manager sources or the env change)."""
    key = (str(workspace.root), app.name)
    fresh = _freshness(workspace, app)
    cached = _schema_cache.get(key)
    if cached and cached[0] == fresh:
        return cached[1]
    reply = call_manager_sync(workspace, app, "schema")
    _schema_cache[key] = (fresh, reply)
    return reply


def args_error(error: ManagerError, source: Path | None, label: str) -> AgilabError:
    """A validation reply as a :class:`SettingsError` naming the file, the ``args.<key>`` and its line."""
    if error.kind != "validation" or not error.errors:
        return error
    from .settings import _line_of_key

    first = error.errors[0]
    loc = [str(p) for p in first.get("loc") or []]
    path = source or Path(label)
    text = source.read_text("utf-8") if source and source.exists() else ""
    message = str(first.get("msg") or "invalid value")
    if first.get("type") == "extra_forbidden":
        message = "unknown key (not accepted by the app's argument model)"
    return SettingsError(path, message, line=_line_of_key(text, loc[-1]) if loc and text else None,
                         key=".".join(["args", *loc]))


def validate_args(workspace: Workspace, app: AppProject, values: dict[str, Any], *,
                  source: Path | None = None) -> dict[str, Any]:
    """Normalised ``[args]`` from the app's model in its manager env; errors name file, line and key."""
    try:
        return dict(call_manager_sync(workspace, app, "validate", args=values)["args"])
    except ManagerError as exc:
        raise args_error(exc, source, f"<{app.name} args>") from exc
