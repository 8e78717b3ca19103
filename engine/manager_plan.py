"""The manager's part of a run, through the manager env: validated args, data prepared, work plan built."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import RunError
from .manager_client import ManagerError, args_error, call_manager
from .operation import OperationContext
from .run_request import RunRequest
from .settings import AppSettings
from .workspace import AppProject, Workspace


@dataclass(frozen=True)
class ManagedArgs:
    """What a run needs from the manager, as plain data: nothing of the app lives in this process."""

    args: dict[str, Any]
    data_in: Path
    data_out: Path
    worker_class: str
    reset_target: bool


async def plan_with_manager(ctx: OperationContext, workspace: Workspace, app: AppProject, settings: AppSettings,
                            request: RunRequest, workers: dict[str, int]) -> tuple[ManagedArgs, dict[str, Any]]:
    """One manager call: validate ``[args]`` + the request's overrides, ``prepare_data``, ``build_distribution``.

    Raises:
        SettingsError: an argument is invalid (naming the settings file, line and ``args.<key>``).
        RunError: the manager env is missing, or the manager raised (its traceback is in the log).
    """
    values = {**settings.args, **request.to_app_kwargs()}
    try:
        reply = await call_manager(workspace, app, "plan", args=values, workers=workers, log=ctx.sink)
    except ManagerError as exc:
        if exc.kind == "validation":
            # Errors name the settings file even with overrides: that is where the user fixes a value.
            raise args_error(exc, settings.path, f"<{app.name} args>") from exc
        raise RunError(str(exc)) from exc
    managed = ManagedArgs(dict(reply["args"]), Path(reply["data_in"]), Path(reply["data_out"]),
                          str(reply["worker_class"]), bool(reply["reset_target"]))
    return managed, dict(reply["plan"])
