"""Template family ``pipeline.agi_run.single_action``: run one app through the engine facade."""

from __future__ import annotations

import pprint
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .registry import TemplateFamily, TemplatePayload

TEMPLATE_ID = "pipeline.agi_run.single_action"
VERSION = 1
SNIPPET_HEADER = "# AGILAB generated snippet"
SNIPPET_API_LINE = "# snippet_api: agi.snippet.v1"
DEFAULT_ACTION = "run"

# RunRequest field -> the snippet constant that carries it, in rendering order.
RUN_CONSTANTS: dict[str, str] = {
    "params": "RUN_PARAMS",
    "stages": "RUN_STAGES_PAYLOAD",
    "data_in": "RUN_DATA_IN",
    "data_out": "RUN_DATA_OUT",
    "reset_target": "RUN_RESET_TARGET",
    "mode": "RUN_MODE",
    "scheduler": "RUN_SCHEDULER",
    "workers": "RUN_WORKERS",
    "workers_data_path": "RUN_WORKERS_DATA_PATH",
    "verbose": "RUN_VERBOSE",
    "rapids_enabled": "RUN_RAPIDS_ENABLED",
    "benchmark_best_single_node": "RUN_BENCHMARK_BEST_SINGLE_NODE",
}
# Always rendered so the snippet keeps the familiar shape; the others only when set.
_ALWAYS = ("params", "data_in", "data_out", "mode")


class StageArgs(BaseModel):
    """One named app stage inside the run request."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1)
    args: dict[str, Any] = Field(default_factory=dict)


class AgiRunArgs(BaseModel):
    """Arguments of one ``AGI.run`` call, with :class:`engine.run_request.RunRequest` field names."""

    model_config = ConfigDict(extra="forbid")
    params: dict[str, Any] = Field(default_factory=dict)
    stages: list[StageArgs] = Field(default_factory=list)
    data_in: str | None = None
    data_out: str | None = None
    reset_target: bool | None = None
    mode: int | list[int] | str = 0
    scheduler: str | None = None
    workers: dict[str, int] | None = None
    workers_data_path: str | None = None
    verbose: int | None = None
    rapids_enabled: bool | None = None
    benchmark_best_single_node: bool | None = None

    @model_validator(mode="before")
    @classmethod
    def _agilab_layout(cls, data: Any) -> Any:
        # AGILab writes the app's own args directly under [args] (time_horizon = 16, ...), beside the
        # RunRequest fields: those keys are the app's params, exactly as RunRequest.params carries them.
        if not isinstance(data, dict):
            return data
        app_args = {k: v for k, v in data.items() if k not in cls.model_fields}
        if not app_args:
            return data
        explicit = data.get("params") or {}
        if not isinstance(explicit, dict):
            return data
        clash = sorted(set(app_args) & set(explicit))
        if clash:
            raise ValueError(f"{', '.join(clash)} given both under args and under args.params")
        kept = {k: v for k, v in data.items() if k in cls.model_fields}
        return {**kept, "params": {**explicit, **app_args}}

    @model_validator(mode="after")
    def _run_request_rules(self) -> AgiRunArgs:
        # The rendered call must not fail on RunRequest's own rules, so apply them here first.
        from engine.run_request import RunRequest

        try:
            RunRequest(**self.request_kwargs())
        except Exception as exc:  # RunRequestError and ModeError both explain themselves
            raise ValueError(str(exc)) from exc
        return self

    def request_kwargs(self) -> dict[str, Any]:
        """The keyword arguments of the rendered ``RunRequest(...)`` call, unset ones left out."""
        dumped = self.model_dump(mode="python")
        kwargs: dict[str, Any] = {}
        for field in RUN_CONSTANTS:
            value = dumped[field]
            if field in _ALWAYS or (value is not None and value != [] and value != {}):
                kwargs[field] = value
        return kwargs


def _literal(value: Any) -> str:
    return pprint.pformat(value, width=100, sort_dicts=False)


def render(payload: TemplatePayload, args: AgiRunArgs) -> str:  # type: ignore[override]
    """Render a runnable snippet that calls ``AGI.run`` through ``engine.facade``."""
    action = payload.action or DEFAULT_ACTION
    lines = [
        SNIPPET_HEADER,
        SNIPPET_API_LINE,
        f"# app: {payload.app}",
        f"# action: {action}",
        f"# generator: stage_templates {TEMPLATE_ID} v{VERSION}",
        "import asyncio",
        "",
        "from engine.facade import AGI, AgiEnv",
        "from engine.run_request import RunRequest",
        "",
        f"APP = {payload.app!r}",
    ]
    kwargs = args.request_kwargs()
    for field, value in kwargs.items():
        lines.append(f"{RUN_CONSTANTS[field]} = {_literal(value)}")
    call_args = ",\n            ".join(f"{field}={RUN_CONSTANTS[field]}" for field in kwargs)
    lines += [
        "",
        "result = asyncio.run(",
        "    AGI.run(",
        "        AgiEnv(app=APP),",
        "        request=RunRequest(",
        f"            {call_args},",
        "        ),",
        "    )",
        ")",
        "print(result)",
    ]
    return "\n".join(lines) + "\n"


FAMILY = TemplateFamily(
    template_id=TEMPLATE_ID,
    version=VERSION,
    title="Run an app",
    description="Run one app with an explicit RunRequest through the engine facade (AGI.run).",
    args_model=AgiRunArgs,
    renderer=render,  # type: ignore[arg-type]
    default_engine="runpy",
    default_action=DEFAULT_ACTION,
    requires_app=True,
)
