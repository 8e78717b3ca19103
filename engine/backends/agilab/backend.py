"""``AgilabBackend``: install / distribute / run / benchmark / serve an AGILab app through AGILab itself.

Each operation generates a snippet (:mod:`.snippet`), saves it where AGILab saves its own
(``~/log/execute/<target>/AGI_<method>_<target>.py``), runs it in the AGILab Python (:mod:`.runner`)
and turns what AGILab wrote (outputs, reduce artefact, distribution_tree.json, benchmark.json) into
the same result dict the native backend returns. Runs and benchmarks leave run records.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import time
from pathlib import Path
from typing import Any

from ...errors import AgilabError
from ...modes import DASK_MODE, mode_label, validate_mode
from ...operation import Operation, OperationContext
from ...run_request import RunRequest
from ...workspace import AppProject
from . import health, paths, snippet
from .runner import failure_message, run_snippet

_SCHEMA_CACHE: dict[tuple[Any, ...], dict[str, Any]] = {}
_RESULT = re.compile(r"^\s*([_rdcp]{4})\s+([0-9.]+)")


def parse_run_result(value: Any) -> tuple[str | None, float | None]:
    """AGILab's ``"____ 0.12 seconds"``: the mode letters and its own measured seconds."""
    if isinstance(value, str):
        match = _RESULT.match(value)
        if match:
            return match.group(1), float(match.group(2))
    return None, None


def _error_of(value: Any) -> str | None:
    """AGI.run reports some failures as a payload instead of raising."""
    if isinstance(value, dict) and (value.get("error") or value.get("status") in {"error", "failed"}):
        return str(value.get("error") or value.get("message") or value)
    return None


class AgilabBackend:
    name = "agilab"

    def __init__(self, engine: Any):
        self.engine = engine
        self.workspace = engine.workspace

    # --- helpers --------------------------------------------------------------------------------
    def _where(self, app: AppProject) -> tuple[Path, str]:
        return app.path.parent, paths.project_name(app.name)

    def _snippet_path(self, app: AppProject, method: str) -> Path:
        folder = paths.log_dir(app.target)
        folder.mkdir(parents=True, exist_ok=True)
        return folder / f"AGI_{method}_{app.target}.py"

    async def _execute(self, ctx: OperationContext, app: AppProject, method: str, code: str, mode: int | None):
        lock = getattr(self.engine, "_lock", None)
        if lock is not None:  # one AGILab operation per app at a time, as for native apps
            async with lock(app):
                return await self._execute_unlocked(ctx, app, method, code, mode)
        return await self._execute_unlocked(ctx, app, method, code, mode)

    async def _execute_unlocked(self, ctx: OperationContext, app: AppProject, method: str, code: str,
                                mode: int | None):
        install, _ = health.blocking(self.workspace, mode=mode)
        path = self._snippet_path(app, method)
        await ctx.log(f"AGILab {method}: {install.python} {path}", "engine")
        outcome = await run_snippet(install, code, path, ctx.sink, cwd=paths.home())
        if outcome.leftovers:
            await ctx.log(f"stopped {len(outcome.leftovers)} process(es) AGILab left running: "
                          f"{', '.join(map(str, outcome.leftovers))}", "engine")
        if outcome.exit_code != 0 or not outcome.has_result:
            raise AgilabError(failure_message(f"AGILab {method}", outcome))
        error = _error_of(outcome.result)
        if error:
            raise AgilabError(f"AGILab {method} failed: {error}")
        return path, outcome

    def request(self, app: AppProject, mode: int | list[int] | None = None) -> RunRequest:
        return self.engine.request_from_settings(app, mode=mode)

    def snippets(self, app: AppProject) -> dict[str, str]:
        apps_path, project = self._where(app)
        request = self.request(app)
        modes = self.engine.settings(app).cluster.modes_enabled
        return {"install": snippet.install_snippet(apps_path, project, request, modes),
                "distribute": snippet.distribute_snippet(apps_path, project, request),
                "run": snippet.run_snippet(apps_path, project, request)}

    def output_dir(self, app: AppProject, request: RunRequest, mode: int) -> Path:
        return paths.resolve_data(request.data_out or f"{app.target}/dataframe", mode)

    def plan_file(self, app: AppProject) -> Path:
        return paths.wenv_dir(app.target) / "distribution_tree.json"

    def _worker_venv(self, app: AppProject) -> Path | None:
        venv = paths.wenv_dir(app.target) / ".venv"
        return venv if venv.is_dir() else None

    # --- operations -----------------------------------------------------------------------------
    def install(self, app: AppProject, *, modes_enabled: int | None = None) -> Operation:
        modes = self.engine.settings(app).cluster.modes_enabled if modes_enabled is None else validate_mode(modes_enabled)

        async def body(ctx: OperationContext) -> dict[str, Any]:
            apps_path, project = self._where(app)
            code = snippet.install_snippet(apps_path, project, self.request(app), modes)
            path, outcome = await self._execute(ctx, app, "install", code, modes & DASK_MODE or None)
            return {"backend": self.name, "wenv": str(paths.wenv_dir(app.target)), "cython": bool(modes & 2),
                    "modes_enabled": modes, "snippet": str(path), "seconds": outcome.seconds,
                    "agilab_result": outcome.result}

        return Operation("install", app.name, body, detail=f"AGILab, modes_enabled={modes}")

    def get_distrib(self, app: AppProject, request: RunRequest | None = None) -> Operation:
        request = request or self.request(app, mode=0)

        async def body(ctx: OperationContext) -> dict[str, Any]:
            apps_path, project = self._where(app)
            code = snippet.distribute_snippet(apps_path, project, request)
            path, outcome = await self._execute(ctx, app, "get_distrib", code, None)
            plan_path = self.plan_file(app)
            plan = self.load_distribution(app)
            return {"backend": self.name, "plan_path": str(plan_path), "plan": plan, "snippet": str(path),
                    "agilab_result": outcome.result}

        return Operation("distribute", app.name, body, detail="AGILab")

    def run(self, app: AppProject, request: RunRequest | None = None) -> Operation:
        request = request or self.request(app)
        if request.benchmark_modes is not None:
            return self.benchmark(app, request.benchmark_modes, request)
        mode = int(request.mode)  # type: ignore[arg-type]

        async def body(ctx: OperationContext) -> dict[str, Any]:
            return await self._run_once(ctx, app, request, mode)

        return Operation("run", app.name, body, detail=f"AGILab mode {mode}")

    async def _run_once(self, ctx: OperationContext, app: AppProject, request: RunRequest, mode: int,
                        parent: Any = None) -> dict[str, Any]:
        from ...records import app_record, recording

        settings = self.engine.settings(app)
        record = app_record(self.workspace, app, kind="benchmark-mode" if parent else "run", settings=settings,
                            parent=parent, venv=self._worker_venv(app))
        out_dir = self.output_dir(app, request, mode)
        async with recording(record, ctx):
            record.note(backend=self.name, mode=mode, args={**request.params, **{k: v for k, v in (
                ("data_in", request.data_in), ("data_out", request.data_out)) if v is not None}})
            record.write_spec(json.loads(request.to_json()))
            apps_path, project = self._where(app)
            code = snippet.run_snippet(apps_path, project, request)
            started = time.time()
            try:
                path, outcome = await self._execute(ctx, app, "run", code, mode)
            except AgilabError as exc:
                await record.finish("failed", error=str(exc), partial_from=out_dir)
                raise
            token, agilab_seconds = parse_run_result(outcome.result)
            outputs = sorted(str(p) for p in out_dir.glob("*") if p.is_file() and p.stat().st_mtime >= started - 1)
            reduce_files = sorted(out_dir.glob("reduce_summary_worker_*.json"))
            reduce_path = str(reduce_files[-1]) if reduce_files else None
            reduce = json.loads(Path(reduce_path).read_text("utf-8")) if reduce_path else None
            plan_path = self.plan_file(app)
            if plan_path.is_file():
                record.write_plan(json.loads(plan_path.read_text("utf-8")))
            record.note(token=token, agilab_seconds=agilab_seconds, snippet=str(path))
            manifest = await record.finish(
                "completed", outputs=[p for p in outputs if not p.endswith(".json")], output_base=out_dir,
                reduce=reduce, reduce_path=reduce_path)
        return {
            "backend": self.name, "mode": mode, "label": mode_label(mode), "token": token or "",
            "seconds": outcome.seconds, "agilab_seconds": agilab_seconds, "work_seconds": agilab_seconds,
            "output_dir": str(out_dir), "outputs": [p for p in outputs if not p.endswith(".json")],
            "reduce": reduce, "reduce_path": reduce_path, "plan_path": str(plan_path), "snippet": str(path),
            "manifest": str(record.dir / "run_manifest.json") if record.enabled else str(record.log_dir),
            "run_id": record.run_id, "record_dir": str(record.dir), "agilab_result": outcome.result,
            "leftovers": outcome.leftovers,
            "record": (manifest or {}).get("record", {}).get("status"),
        }

    def benchmark(self, app: AppProject, modes: list[int], request: RunRequest | None = None) -> Operation:
        modes = [validate_mode(m) for m in modes]
        base = request or self.request(app)

        async def body(ctx: OperationContext) -> dict[str, Any]:
            from ...benchmark import read_benchmark
            from ...records import app_record, recording

            record = app_record(self.workspace, app, kind="benchmark", settings=self.engine.settings(app))
            async with recording(record, ctx):
                record.note(backend=self.name, modes=modes)
                apps_path, project = self._where(app)
                code = snippet.run_snippet(apps_path, project, base.with_execution(mode=list(modes)))
                dask = DASK_MODE if any(m & DASK_MODE for m in modes) else 0
                path, outcome = await self._execute(ctx, app, "run", code, dask or None)
                table = read_benchmark(paths.benchmark_file()) or {}
            return {"backend": self.name, "benchmark": table, "path": str(paths.benchmark_file()),
                    "runs": {}, "snippet": str(path), "seconds": outcome.seconds, "run_id": record.run_id,
                    "agilab_result": outcome.result}

        return Operation("benchmark", app.name, body, detail="AGILab " + ",".join(map(str, modes)))

    def serve(self, app: AppProject, action: str, **options: Any) -> Operation:
        if action not in {"start", "stop", "status", "health"}:
            raise AgilabError(f"serve action must be start, stop, status or health, not {action!r}")
        request = self.request(app)
        mode = options.pop("mode", None)
        if mode is None:
            mode = request.mode if isinstance(request.mode, int) else 0
        mode = validate_mode(mode) | DASK_MODE  # AGI.serve's worker loops live on a Dask cluster
        request = request.with_execution(mode=mode)
        serve_options = {k: v for k, v in options.items() if v is not None}
        # [cluster.service] (the ORCHESTRATE form) is named after AGI.serve's arguments; explicit options win.
        service = self.engine.settings(app).cluster.service
        for key in type(service).model_fields:
            serve_options.setdefault(key, getattr(service, key))

        async def body(ctx: OperationContext) -> dict[str, Any]:
            from ...records import app_record, recording

            kind = {"start": "service-start", "stop": "service-stop"}.get(action)
            if kind is None:
                return await self._serve_action(ctx, app, request, action, serve_options)
            record = app_record(self.workspace, app, kind=kind, settings=self.engine.settings(app))
            async with recording(record, ctx):
                record.note(backend=self.name, mode=mode, args=dict(request.params))
                result = await self._serve_action(ctx, app, request, action, serve_options)
                status = str((result["agilab_result"] or {}).get("status", "")).lower()
                wanted = {"running"} if action == "start" else {"stopped", "idle"}
                if status not in wanted:
                    raise AgilabError(f"AGILab serve {action} answered status {status!r}: "
                                      f"{(result['agilab_result'] or {}).get('message', result['agilab_result'])}")
                record.note(agilab_status=status, supervisor_pid=result.get("supervisor_pid"),
                            leftovers=result.get("leftovers", []))
            return {**result, "run_id": record.run_id}

        return Operation("serve", app.name, body, detail=f"AGILab {action}")

    async def _serve_action(self, ctx: OperationContext, app: AppProject, request: RunRequest, action: str,
                            options: dict[str, Any]) -> dict[str, Any]:
        """start launches the supervisor that owns the service (:mod:`.supervisor`); the other actions go
        to it, or, with no supervisor of ours running, to a one-shot snippet (AGILab's own recovery from
        its service_state.json, for a service AGILab started itself)."""
        import secrets

        from . import supervisor
        from .serve_snippet import supervisor_snippet

        apps_path, project = self._where(app)
        log_dir = paths.log_dir(app.target)
        log_dir.mkdir(parents=True, exist_ok=True)
        base = {"backend": self.name, "action": action}
        lock = getattr(self.engine, "_lock", None)
        async with lock(app) if lock is not None else contextlib.nullcontext():
            if action == "start":
                install, _ = health.blocking(self.workspace, mode=DASK_MODE)
                path = self._snippet_path(app, "serve")
                code = supervisor_snippet(apps_path, project, request, supervisor.control_file(log_dir), options)
                await ctx.log(f"AGILab serve start: {install.python} {path} (stays up until stop; its log: "
                              f"{supervisor.log_file(log_dir)})", "engine")
                outcome = await supervisor.start(install, code, path, ctx.sink, token=secrets.token_hex(8))
            elif supervisor.live_control(log_dir):
                outcome = await supervisor.request(log_dir, action, options, ctx.sink)
            elif action == "stop" and supervisor.stale_control(log_dir):
                # Our supervisor died (killed, machine sleep...): the loop Futures died with it, so AGILab's
                # own stop could only wait for them and answer 'partial'. Its processes carry its token.
                pid = (supervisor.stale_control(log_dir) or {}).get("pid")
                killed = await asyncio.to_thread(supervisor.kill_stale, log_dir)
                await ctx.log(f"the AGILab service supervisor (pid {pid}) was gone; stopped the "
                              f"{len(killed)} process(es) it had started", "engine")
                outcome = supervisor.ServeOutcome(result={
                    "status": "stopped", "workers": [], "pending": [], "supervisor_lost": True,
                    "message": f"supervisor pid {pid} had died; its scheduler and workers were killed"},
                    leftovers=killed, pid=pid)
            else:
                code = snippet.serve_snippet(apps_path, project, request, action, options)
                _, one_shot = await self._execute_unlocked(ctx, app, "serve", code, DASK_MODE)
                leftovers = await asyncio.to_thread(supervisor.kill_stale, log_dir) if action == "stop" else []
                outcome = supervisor.ServeOutcome(result=one_shot.result, seconds=one_shot.seconds,
                                                  leftovers=one_shot.leftovers + leftovers)
        if outcome.leftovers:
            await ctx.log(f"stopped {len(outcome.leftovers)} process(es) left running after AGILab's stop: "
                          f"{', '.join(map(str, outcome.leftovers))}", "engine")
        error = _error_of(outcome.result)
        if error and action in {"start", "stop"}:
            raise AgilabError(f"AGILab serve {action} failed: {error}")
        log = supervisor.log_file(log_dir)
        return {**base, "agilab_result": outcome.result, "seconds": outcome.seconds,
                "supervisor_pid": outcome.pid, "leftovers": outcome.leftovers, "log_path": str(log),
                "log_offset": outcome.log_offset}

    # --- what ORCHESTRATE and ANALYSIS read -----------------------------------------------------
    def latest_output(self, app: AppProject) -> Path | None:
        request = self.request(app)
        folders = [self.output_dir(app, request, 0), self.output_dir(app, request, DASK_MODE)]
        files = [p for folder in folders if folder.is_dir() for p in folder.glob("*")
                 if p.suffix in (".parquet", ".csv") and p.is_file()]
        return max(files, key=lambda p: (p.stat().st_mtime, p.name)) if files else None

    def load_benchmark(self) -> dict[str, Any] | None:
        from ...benchmark import read_benchmark

        return read_benchmark(paths.benchmark_file())

    def install_status(self, app: AppProject, mode: int = 0) -> Any:
        from .install_state import agilab_install_status

        return agilab_install_status(app, mode)

    def args_schema(self, app: AppProject, values: dict[str, Any] | None = None) -> dict[str, Any]:
        """``{"has_model", "schema", "defaults", "values", "errors", "model"}`` from the app's pydantic model,
        imported by the AGILab Python (never by ours)."""
        import subprocess

        install, _ = health.blocking(self.workspace)
        if values is None:
            values = self.engine.settings(app).args
        from .runner import child_env

        sources = [p.stat().st_mtime for p in app.manager_dir.rglob("*.py")] if app.manager_dir.is_dir() else []
        key = (str(install.python), str(app.src_dir), max(sources, default=0.0), json.dumps(values, default=str,
                                                                                           sort_keys=True))
        if key in _SCHEMA_CACHE:  # one AGILab interpreter start per model version and values, not per page load
            return _SCHEMA_CACHE[key]

        try:
            done = subprocess.run([str(install.python), "-c", snippet.ARGS_SCHEMA_SCRIPT, str(app.src_dir), app.target],
                                  input=json.dumps(values, default=str), capture_output=True, text=True,
                                  timeout=120, check=False, env=child_env(install, "schema"), cwd=str(app.path))
        except subprocess.TimeoutExpired as exc:
            raise AgilabError(f"{app.name}: loading its args model in {install.python} timed out") from exc
        lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
        if done.returncode != 0 or not lines:
            tail = [line for line in done.stderr.splitlines() if line.strip()]
            raise AgilabError(f"{app.name}: cannot load its args model in {install.python}: "
                              f"{tail[-1] if tail else f'exit code {done.returncode}'}")
        reply = json.loads(lines[-1])
        _SCHEMA_CACHE[key] = reply
        return reply

    def validate_args(self, app: AppProject, values: dict[str, Any]) -> dict[str, Any]:
        """``values`` if the app's model accepts them; else a SettingsError naming the file and key."""
        from ...errors import SettingsError

        reply = self.args_schema(app, values)
        errors = reply.get("errors") or []
        if errors:
            first = errors[0]
            key = ".".join(["args", *map(str, first.get("loc") or [])])
            message = first.get("msg") or "invalid value"
            if first.get("type") == "extra_forbidden":
                message = "unknown key (not accepted by the app's argument model)"
            raise SettingsError(paths.settings_file(app.name), message, key=key)
        return dict(values)

    def load_distribution(self, app: AppProject) -> dict[str, Any] | None:
        """AGILab's distribution_tree.json in the shape the work plan views read (chunk metadata as
        ``{"partition", "weight"}``); AGILab's own tree is kept under ``agilab_tree``."""
        path = self.plan_file(app)
        if not path.is_file():
            return None
        tree = json.loads(path.read_text("utf-8"))
        plan = dict(tree)

        def meta(entry: Any) -> dict[str, Any]:
            if isinstance(entry, dict):
                return entry
            if isinstance(entry, (list, tuple)) and entry:
                weight = entry[1] if len(entry) > 1 and isinstance(entry[1], (int, float)) else 0.0
                return {"partition": entry[0], "weight": weight}
            return {"partition": entry, "weight": 0.0}

        plan["work_plan_metadata"] = [[meta(m) for m in slot] for slot in tree.get("work_plan_metadata", [])]
        plan.setdefault("weights_unit", tree.get("weights_unit", ""))
        plan["agilab_tree"] = tree
        return plan
