"""Step executors: how one DAG step really runs, locally or on a Dask scheduler, behind one async protocol."""

from __future__ import annotations

import json
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from ..errors import AgilabError
from ..events import LogLines, OperationFailed, OperationFinished
from ..modes import DASK_MODE, validate_mode
from ..proc import ChildProcess, clean_child_env
from ..run_request import RunRequest
from ..workspace import Workspace, module_key

LogSink = Callable[[str, str], Awaitable[None]]
"""Receives (source, line) for every line a step prints."""


@dataclass(frozen=True)
class StepSpec:
    """Everything needed to execute one step, taken from the unit's execution contract."""

    unit_id: str
    app: str
    entrypoint: str | None = None
    command: tuple[str, ...] | None = None
    params: dict[str, Any] = field(default_factory=dict)
    stages: tuple[Any, ...] = ()
    data_in: str | None = None
    data_out: str | None = None
    reset_target: bool | None = None
    mode: int | None = None
    """The step's own execution mode; None runs the app in the mode of its saved settings."""
    legacy_steps: bool = False
    """The contract carries AGILab's retired ``steps`` key (now ``stages``): refused, never dropped."""

    @classmethod
    def from_unit(cls, unit: dict[str, Any]) -> StepSpec:
        contract = unit.get("execution_contract") or {}
        command = contract.get("command")
        mode = contract.get("mode")
        return cls(unit["id"], unit["app"], contract.get("entrypoint"), tuple(command) if command else None,
                   dict(contract.get("params") or {}), tuple(contract.get("stages") or ()),
                   contract.get("data_in"), contract.get("data_out"), contract.get("reset_target"),
                   validate_mode(mode) if mode is not None else None, legacy_steps="steps" in contract)

    @property
    def app_entry(self) -> str | None:
        """The app an ``<app>.run`` entrypoint names, or None for other entrypoints."""
        if self.entrypoint and self.entrypoint.endswith(".run"):
            return self.entrypoint[: -len(".run")]
        return None

    def run_request(self, **execution: Any) -> RunRequest:
        return RunRequest(params=self.params, stages=list(self.stages), data_in=self.data_in,
                          data_out=self.data_out, reset_target=self.reset_target, **execution)

    def check_runnable(self) -> None:
        """Raise when the step has nothing this engine can execute."""
        if self.legacy_steps:
            raise AgilabError(f"step '{self.unit_id}': execution.steps is AGILab's retired name for 'stages'; "
                              "it is not run (nor ignored): rename the key to 'stages'")
        if self.command:
            return
        if self.entrypoint and self.app_entry is None:
            app, _, stage = self.entrypoint.rpartition(".")
            raise AgilabError(f"step '{self.unit_id}': entrypoint '{self.entrypoint}' names AGILab's controlled "
                              f"stage '{stage}' of '{app}', implemented only by AGILab's own DAG adapters; this "
                              f"engine runs '<app>.run' entrypoints and 'command' steps (use '{app}.run' with "
                              "stages=..., or a command), so it can only be previewed")
        if not self.entrypoint:
            raise AgilabError(f"step '{self.unit_id}' has no entrypoint or command, so it can only be previewed")


@dataclass
class StepOutcome:
    """What an executor reports; ``detail`` lands in the unit's provenance."""

    exit_code: int | None
    error: str = ""
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 and not self.error


class StepExecutor(Protocol):
    """Runs steps; ``describe`` gives the exact request it would send, for the preview before running."""

    backend: str

    def describe(self, step: StepSpec) -> dict[str, Any]: ...

    async def execute(self, step: StepSpec, log: LogSink) -> StepOutcome: ...


def step_env(workspace: Workspace, step: StepSpec) -> dict[str, str]:
    """Variables a command step can read to find its workspace, data share and parameters."""
    return {"AGILAB_TUI_HOME": str(workspace.root), "AGILAB_DATA_DIR": str(workspace.data_dir),
            "AGILAB_DAG_STEP": step.unit_id, "AGILAB_DAG_APP": step.app,
            "AGILAB_DAG_PARAMS": json.dumps(step.params, sort_keys=True)}


def local_argv(command: tuple[str, ...]) -> list[str]:
    """The argv to start; ``python`` means the engine's own interpreter so steps see the same packages."""
    argv = list(command)
    if argv and argv[0] in ("python", "python3"):
        argv[0] = sys.executable
    return argv


def app_request(workspace: Workspace, step: StepSpec, **execution: Any) -> RunRequest:
    """The request an app step runs with: the app's saved cluster settings (scheduler, workers, mode),
    with the step's own mode, params, ``data_in``, ``data_out`` and ``reset_target`` on top."""
    from ..settings import load_settings

    settings = load_settings(workspace, workspace.app(step.app_entry or step.app))
    cluster = settings.cluster
    values: dict[str, Any] = {"scheduler": cluster.scheduler, "workers": dict(cluster.workers),
                              "workers_data_path": cluster.workers_data_path or None, "verbose": cluster.verbose,
                              "rapids_enabled": cluster.rapids,
                              "mode": step.mode if step.mode is not None else settings.mode}
    values.update(execution)
    return step.run_request(**values)


def _where(result: dict[str, Any]) -> dict[str, Any]:
    """Where a run happened, from its record: hosts, scheduler and the Dask processes."""
    where: dict[str, Any] = {"mode": result.get("mode"), "run_id": result.get("run_id"),
                             "record_dir": result.get("record_dir")}
    manifest = Path(str(result.get("record_dir") or "")) / "run_manifest.json"
    try:
        info = json.loads(manifest.read_text("utf-8"))
    except (OSError, ValueError):
        info = {}
    record = info.get("record") if isinstance(info.get("record"), dict) else {}
    for key in ("hosts", "scheduler"):
        value = record.get(key, info.get(key))
        if value:
            where[key] = value
    if result.get("cluster_pids"):
        where["dask_pids"] = result["cluster_pids"]
    return where


async def run_entrypoint(workspace: Workspace, step: StepSpec, log: LogSink, request: RunRequest) -> StepOutcome:
    """Run an ``<app>.run`` step as a full app run: ``Engine.run`` (manager env, runner subprocess,
    Dask workers in cluster modes), recorded as a ``dag-step`` run record."""
    from ..facade import Engine  # the facade pulls in the whole run machinery; only load it when needed

    app = workspace.app(step.app_entry or step.app)
    engine = Engine(workspace)
    await log("engine", f"{step.unit_id}: {app.name} in mode {request.mode} (same path as an ORCHESTRATE run)")
    async with engine.run(app, request, kind="dag-step") as op:
        async for event in op.events():
            if isinstance(event, LogLines):
                for line in event.lines:
                    await log(event.source, line)
            elif isinstance(event, OperationFailed):
                detail = {"op_id": event.op_id, "seconds": event.seconds, **_where(event.result or {})}
                return StepOutcome(1, event.error, detail)
            elif isinstance(event, OperationFinished):
                return StepOutcome(0, "", {"op_id": event.op_id, "seconds": event.seconds,
                                           "app_run": _where(event.result), "run_result": _jsonable(event.result)})
    return StepOutcome(None, f"{app.name} run ended without a result")


def _jsonable(value: Any) -> Any:
    try:
        return json.loads(json.dumps(value, default=str))
    except (TypeError, ValueError):
        return str(value)


class LocalExecutor:
    """Runs command steps as child processes and ``<app>.run`` steps through the engine, in this process."""

    backend = "local"

    def __init__(self, workspace: Workspace):
        self.workspace = workspace

    def describe(self, step: StepSpec) -> dict[str, Any]:
        preview: dict[str, Any] = {"backend": self.backend, "unit_id": step.unit_id, "app": step.app,
                                   "cwd": str(self.workspace.data_dir)}
        if step.command:
            preview["command"] = local_argv(step.command)
        else:
            preview["entrypoint"] = step.entrypoint
            try:
                preview["request"] = json.loads(app_request(self.workspace, step).to_json())
            except AgilabError as exc:  # the preview must still show, naming what is wrong
                preview["request_error"] = str(exc)
        return preview

    async def execute(self, step: StepSpec, log: LogSink) -> StepOutcome:
        step.check_runnable()
        if not step.command:
            return await run_entrypoint(self.workspace, step, log, app_request(self.workspace, step))
        argv = local_argv(step.command)
        child = ChildProcess(argv, cwd=self.workspace.data_dir, env=clean_child_env(step_env(self.workspace, step)))
        try:
            await child.start()
        except OSError as exc:
            return StepOutcome(127, f"cannot start {argv[0]}: {exc}")
        code = await child.stream(log)
        error = "" if code == 0 else f"command exited with code {code}"
        return StepOutcome(code, error, {"argv": argv, "pid": child.pid})


class DistributedExecutor:
    """Submits each step to a Dask scheduler: command steps run inside a worker, app steps in cluster mode."""

    backend = "distributed"

    def __init__(self, workspace: Workspace, scheduler: str, *, workers: dict[str, int] | None = None,
                 workers_data_path: str | None = None, mode: int = DASK_MODE):
        if not scheduler:
            raise AgilabError("the distributed stage backend needs a scheduler address (host:port)")
        self.workspace = workspace
        self.scheduler = scheduler if "://" in scheduler else f"tcp://{scheduler}"
        self.workers = dict(workers or {})
        self.workers_data_path = workers_data_path
        self.mode = mode | DASK_MODE

    def _cwd(self) -> str:
        return str(self.workspace.resolve_data_path(self.workers_data_path or ""))

    def _request(self, step: StepSpec) -> RunRequest:
        mode = (step.mode | DASK_MODE) if step.mode is not None else self.mode
        return app_request(self.workspace, step, scheduler=self.scheduler.removeprefix("tcp://"),
                           workers=self.workers or None, workers_data_path=self.workers_data_path, mode=mode)

    def describe(self, step: StepSpec) -> dict[str, Any]:
        """The exact per-stage request: app, scheduler, workers, data path, mode and the RunRequest payload."""
        return {"backend": self.backend, "unit_id": step.unit_id, "app": step.app, "scheduler": self.scheduler,
                "workers": dict(self.workers), "workers_data_path": self._cwd(), "mode": self.mode,
                "apps_path": str(self.workspace.bundled_apps),
                "command": list(step.command) if step.command else None, "entrypoint": step.entrypoint,
                "request": json.loads(self._request(step).to_json())}

    async def execute(self, step: StepSpec, log: LogSink) -> StepOutcome:
        step.check_runnable()
        if not step.command:
            return await run_entrypoint(self.workspace, step, log, self._request(step))
        import cloudpickle
        from distributed import Client

        from . import remote

        # Workers need not have this package installed: the command runner travels by value.
        cloudpickle.register_pickle_by_value(remote)
        key = f"dag-{module_key(step.app)}-{step.unit_id}-{id(step):x}"
        async with Client(self.scheduler, asynchronous=True, timeout="10s") as client:
            future = client.submit(remote.run_command, list(step.command), self._cwd(),
                                   step_env(self.workspace, step), key=key, pure=False)
            await log("engine", f"submitted {step.unit_id} to {self.scheduler} as {key}")
            try:
                outcome = await future
            except BaseException:
                await client.cancel(future)
                raise
        for line in outcome["stdout"]:
            await log("stdout", line)
        for line in outcome["stderr"]:
            await log("stderr", line)
        code = int(outcome["exit_code"])
        detail = {"distributed_stage": {"scheduler": self.scheduler, "key": key, "host": outcome["host"],
                                        "worker_pid": outcome["pid"], "request": self.describe(step)}}
        return StepOutcome(code, "" if code == 0 else f"command exited with code {code} on {outcome['host']}",
                           detail)
