"""``RunRequest`` / ``StageRequest``: the run contract, with AGILab's field names and rules."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .errors import AgilabError
from .modes import parse_mode, validate_mode

_FORBIDDEN_PARAMS = ("args", "steps", "_agilab_run_stages")
_EXECUTION_FIELDS = frozenset({"scheduler", "workers", "workers_data_path", "workflow_share_root", "verbose",
                               "mode", "rapids_enabled", "benchmark_best_single_node"})


class RunRequestError(AgilabError):
    """A RunRequest breaks one of the contract rules."""


@dataclass(frozen=True)
class StageRequest:
    """One named stage of a run with its own arguments."""

    name: str
    args: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "args": dict(self.args)}


@dataclass(frozen=True)
class RunRequest:
    """What to run and how; ``mode`` None means "benchmark modes 0-7", a list benchmarks those modes."""

    params: Mapping[str, Any] = field(default_factory=dict)
    stages: Sequence[StageRequest] = ()
    data_in: str | None = None
    data_out: str | None = None
    reset_target: bool | None = None
    scheduler: str | None = None
    workers: dict[str, int] | None = None
    workers_data_path: str | None = None
    workflow_share_root: str | None = None
    verbose: int = 0
    mode: int | list[int] | str | None = 0
    rapids_enabled: bool = False
    benchmark_best_single_node: bool = False

    def __post_init__(self) -> None:
        for name in _FORBIDDEN_PARAMS:
            if name in self.params:
                raise RunRequestError(f"RunRequest.params may not contain '{name}': pass stages=... instead")
        for key in ("data_in", "data_out", "reset_target"):
            if key in self.params:
                raise RunRequestError(f"RunRequest.params may not contain '{key}': use the {key}= field")
        if (self.workers_data_path is not None and self.workflow_share_root is not None
                and self.workers_data_path != self.workflow_share_root):
            raise RunRequestError("workers_data_path and workflow_share_root are aliases and must match")
        stages = tuple(s if isinstance(s, StageRequest) else StageRequest(**dict(s)) for s in self.stages)
        object.__setattr__(self, "stages", stages)
        object.__setattr__(self, "params", dict(self.params))
        if isinstance(self.mode, str):
            object.__setattr__(self, "mode", parse_mode(self.mode))
        elif isinstance(self.mode, list):
            object.__setattr__(self, "mode", [validate_mode(m) for m in self.mode])
        elif self.mode is not None:
            validate_mode(self.mode)
        if not 0 <= int(self.verbose) <= 3:
            raise RunRequestError(f"verbose must be 0-3, got {self.verbose}")

    @property
    def share_root(self) -> str | None:
        return self.workers_data_path if self.workers_data_path is not None else self.workflow_share_root

    @property
    def benchmark_modes(self) -> list[int] | None:
        """Modes to benchmark, or None for a single run."""
        if self.mode is None:
            return list(range(8))
        if isinstance(self.mode, list):
            return list(self.mode)
        return None

    def to_app_kwargs(self) -> dict[str, Any]:
        kwargs = dict(self.params)
        for key in ("data_in", "data_out", "reset_target"):
            value = getattr(self, key)
            if value is not None:
                kwargs[key] = value
        return kwargs

    def to_dispatch_kwargs(self) -> dict[str, Any]:
        kwargs = self.to_app_kwargs()
        if self.stages:
            kwargs["_agilab_run_stages"] = [s.to_dict() for s in self.stages]
        return kwargs

    def with_execution(self, **changes: Any) -> RunRequest:
        unknown = set(changes) - _EXECUTION_FIELDS
        if unknown:
            raise RunRequestError(f"with_execution only changes execution fields, not {sorted(unknown)}")
        return dataclasses.replace(self, **changes)

    def to_json(self) -> str:
        payload = dataclasses.asdict(self)
        payload["stages"] = [s.to_dict() for s in self.stages]
        return json.dumps(payload, sort_keys=True)

    @classmethod
    def from_dict(cls, payload: Mapping[str, Any]) -> RunRequest:
        fields = {f.name for f in dataclasses.fields(cls)}
        unknown = set(payload) - fields
        if unknown:
            raise RunRequestError(f"unknown RunRequest fields: {sorted(unknown)}")
        return cls(**dict(payload))
