"""The ``agilab.multi_app_dag.v1`` plan model: steps of different apps joined by produced/consumed artifacts."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

PLAN_SCHEMA = "agilab.multi_app_dag.v1"
NODE_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"
NODE_ID_RE = re.compile(NODE_ID_PATTERN)
CONTROLLED_RUNNER_STATUS = "controlled_contract_stage_execution"
CONTROLLED_ADAPTER = "controlled_contract_dag"


class _Open(BaseModel):
    """Unknown keys are kept so plans written by AGILab round-trip without loss."""

    model_config = ConfigDict(extra="allow", populate_by_name=True, strict=True)


class Artifact(_Open):
    """One artifact a step creates (``produces``) or uses (``consumes``)."""

    id: str = Field(min_length=1)
    kind: str = ""
    path: str = ""


class NodeExecution(_Open):
    """How a step runs: an ``entrypoint`` (``<app>.run``) or a ``command`` argv list, with its run request fields."""

    entrypoint: str | None = None
    command: list[str] | None = None
    params: dict[str, Any] = Field(default_factory=dict)
    stages: list[Any] = Field(default_factory=list)
    data_in: str | None = None
    data_out: str | None = None
    reset_target: bool | None = None
    mode: int | None = Field(None, ge=0, le=15)
    """The app step's execution mode (AGILab bitmask); unset: the mode of the app's saved settings."""

    @field_validator("command", mode="before")
    @classmethod
    def _argv_only(cls, value: Any) -> Any:
        if isinstance(value, str):
            raise ValueError('command must be an argv list such as ["python", "-m", "pkg.mod"], not a shell string')
        if isinstance(value, list) and not value:
            raise ValueError("command must not be an empty list")
        return value


class Node(_Open):
    """One step of the plan, owned by one app."""

    id: str = Field(pattern=NODE_ID_PATTERN)
    app: str = Field(min_length=1)
    purpose: str = ""
    execution: NodeExecution = Field(default_factory=NodeExecution)
    produces: list[Artifact] = Field(default_factory=list)
    consumes: list[Artifact] = Field(default_factory=list)


class Edge(_Open):
    """A handoff of ``artifact`` from step ``from`` to step ``to``."""

    source: str = Field(alias="from", min_length=1)
    target: str = Field(alias="to", min_length=1)
    artifact: str = ""
    handoff: str = ""


class PlanExecution(_Open):
    """Plan-wide execution markers; ``runner_status`` marks a controlled, really runnable template."""

    mode: str = "sequential_dependency_order"
    runner_status: str = ""
    adapter: str = ""
    stage_bindings: dict[str, str] = Field(default_factory=dict)


class Plan(_Open):
    """A whole multi-app DAG plan."""

    schema_: str = Field(alias="schema")
    dag_id: str = Field(min_length=1)
    label: str = ""
    description: str = ""
    execution: PlanExecution = Field(default_factory=PlanExecution)
    nodes: list[Node] = Field(min_length=1)
    edges: list[Edge] = Field(default_factory=list)

    @field_validator("schema_")
    @classmethod
    def _known_schema(cls, value: str) -> str:
        if value != PLAN_SCHEMA:
            raise ValueError(f"schema must be '{PLAN_SCHEMA}', got '{value}'")
        return value

    @property
    def controlled(self) -> bool:
        """True when the plan carries the controlled execution marker, so its steps may really run."""
        return self.execution.runner_status == CONTROLLED_RUNNER_STATUS

    def node(self, node_id: str) -> Node:
        for node in self.nodes:
            if node.id == node_id:
                return node
        raise KeyError(node_id)

    def to_json_dict(self) -> dict[str, Any]:
        """The plan as AGILab writes it (``schema``/``from``/``to`` keys, nothing dropped)."""
        return self.model_dump(by_alias=True, exclude_none=True, mode="json")
