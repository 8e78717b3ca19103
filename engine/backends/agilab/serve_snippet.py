"""The snippet that keeps an AGILab service alive from ``start`` to ``stop``: one AGILab process.

``AGI.serve(action="start")`` submits the worker loops from its own Dask client, and AGILab only
proves a stop through those same Futures. Once the starting process exits, the scheduler forgets
the loop tasks, so a ``stop`` from a later process waits on keys nobody holds and answers
``partial`` / ``recovery_required`` with the scheduler and workers still running. The snippet
therefore stays up after ``start`` (detached from whoever launched it) and serves
``status`` / ``health`` / ``stop`` on a loopback port, each one a plain ``AGI.serve`` call in the
process that owns the loops. Its address and a per-start secret are in a 0600 control file.

It ends with ``os._exit``: after ``AGI.serve`` the interpreter does not exit by itself (AGILab's
background job threads and the Dask client outlive ``asyncio.run``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ...modes import mode_label
from ...run_request import RunRequest
from .snippet import RESULT_MARKER, _header, _literal, _scheduler

READY_MARKER = "@@agilab-tui:serve-ready "
"""Printed by the supervisor once its control file is written: start may return."""


def supervisor_snippet(apps_path: Path, project: str, request: RunRequest, control: Path,
                       serve_options: dict[str, Any] | None = None) -> str:
    options = {k: str(v) if isinstance(v, Path) else v for k, v in (serve_options or {}).items()}
    return (
        _header(apps_path, project, "serve", request.verbose)
        + "import os\nimport secrets\nimport sys\nimport time\nimport traceback\n\n"
        + f"SCHEDULER = {_scheduler(request.scheduler)!r}\n"
        + f"WORKERS = {_literal(request.workers)}\n"
        + f"RUN_MODE = {request.mode!r}  # {mode_label(request.mode)}\n"
        + f"SERVE_OPTIONS = {_literal(options)}\n"
        + f"RUN_ARGS = {_literal(request.to_app_kwargs())}\n"
        + f"CONTROL = {str(control)!r}\n"
        + f"RESULT_MARKER = {RESULT_MARKER!r}\n"
        + f"READY_MARKER = {READY_MARKER!r}\n"
        + _BODY
    )


_BODY = r'''

def emit(marker, payload):
    print(marker + json.dumps(payload, default=str), flush=True)


def leave(code):
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def write_control(payload):
    partial = CONTROL + ".tmp"
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(payload, handle)
    os.replace(partial, CONTROL)


async def serve(app_env, action, options):
    merged = {**SERVE_OPTIONS, **options}
    return await AGI.serve(app_env, scheduler=SCHEDULER, workers=WORKERS, verbose=VERBOSE, mode=RUN_MODE,
                           action=action, **merged, **RUN_ARGS)


async def main():
    app_env = AgiEnv(apps_path=APPS_PATH, app=APP, verbose=VERBOSE)
    try:
        result = await serve(app_env, "start", {})
    except BaseException:
        traceback.print_exc()
        leave(1)
    print(result, flush=True)
    if str(result.get("status", "")).lower() != "running":
        emit(RESULT_MARKER, result)
        leave(0)

    secret = secrets.token_hex(16)
    lock = asyncio.Lock()
    stopped = asyncio.Event()

    async def handle(reader, writer):
        try:
            request = json.loads((await reader.readline()) or b"{}")
            if request.get("secret") != secret:
                return
            action = str(request.get("action", "status"))
            # status/health are polled (every 2 s from ORCHESTRATE): echoing them would grow this log without end
            quiet = action in ("status", "health")
            async with lock:
                if not quiet:
                    print(f"AGI.serve(action={action!r}) requested", flush=True)
                try:
                    answer = await serve(app_env, action, dict(request.get("options") or {}))
                    reply = {"ok": True, "result": answer}
                    if not quiet:
                        print(answer, flush=True)
                except Exception as exc:
                    traceback.print_exc()
                    reply = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
            writer.write((json.dumps(reply, default=str) + "\n").encode())
            await writer.drain()
            if action == "stop" and reply["ok"] and str(reply["result"].get("status", "")).lower() in {"stopped", "idle"}:
                stopped.set()
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    write_control({"pid": os.getpid(), "port": port, "secret": secret, "started_at": time.time(),
                   "token": os.environ.get("AGILAB_TUI_RUN_TOKEN", "")})
    emit(RESULT_MARKER, result)
    emit(READY_MARKER, {"port": port, "pid": os.getpid()})
    await stopped.wait()
    server.close()
    try:
        os.unlink(CONTROL)
    except OSError:
        pass
    print("AGILab service stopped; supervisor exits", flush=True)
    leave(0)


if __name__ == "__main__":
    asyncio.run(main())
'''
