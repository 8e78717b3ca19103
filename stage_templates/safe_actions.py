"""Template family ``dataframe.safe_actions``: deterministic pandas code from a Safe Actions contract.

The contract lives where AGILab and the assistant keep it, in the stage's ``action_contract`` key (a
table or canonical JSON text), so this family stores no separate ``args`` table that could drift from it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from .registry import TemplateError, TemplateFamily, TemplatePayload

TEMPLATE_ID = "dataframe.safe_actions"
VERSION = 1
CONTRACT_KIND = "agilab.generated_dataframe_actions"
CONTRACT_SCHEMA_VERSION = 1
GENERATION_MODE = "safe_actions"
CONTRACT_KEY = "action_contract"


class SafeActionsContract(BaseModel):
    """The versioned JSON action contract (``agilab.generated_dataframe_actions``, schema_version 1)."""

    model_config = ConfigDict(extra="forbid")
    schema_version: Literal[1] = CONTRACT_SCHEMA_VERSION
    kind: Literal["agilab.generated_dataframe_actions"] = CONTRACT_KIND
    actions: list[dict[str, Any]] = Field(default_factory=list)
    notes: str = ""

    @field_validator("actions")
    @classmethod
    def _named_actions(cls, actions: list[dict[str, Any]]) -> list[dict[str, Any]]:
        for number, action in enumerate(actions, start=1):
            name = action.get("action")
            if not isinstance(name, str) or not name.strip():
                raise ValueError(f"action {number} needs an 'action' name")
        return actions


class SafeActionsArgs(BaseModel):
    """Arguments of a Safe Actions stage: the contract itself."""

    model_config = ConfigDict(extra="forbid")
    contract: SafeActionsContract = Field(default_factory=SafeActionsContract)


def _assistant() -> Any:
    try:
        from engine.assistant import safe_actions
    except ImportError as exc:
        raise TemplateError(f"{TEMPLATE_ID}: the Safe Actions module (engine.assistant.safe_actions) "
                            f"is not available: {exc}") from exc
    return safe_actions


def args_from_stage(stage: Mapping[str, Any]) -> dict[str, Any]:
    """Read the contract from ``action_contract`` (a table, or JSON text as the assistant writes it)."""
    raw = stage.get(CONTRACT_KEY)
    if raw is None:
        return {}
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise TemplateError(f"{TEMPLATE_ID}: '{CONTRACT_KEY}' is not valid JSON ({exc})") from exc
    if not isinstance(raw, Mapping):
        raise TemplateError(f"{TEMPLATE_ID}: '{CONTRACT_KEY}' must be a table or JSON object text")
    return {"contract": dict(raw)}


def render(payload: TemplatePayload, args: SafeActionsArgs) -> str:  # type: ignore[override]
    """Render the contract as pandas code with the assistant's deterministic renderer."""
    module = _assistant()
    try:
        return str(module.render_pandas_code(args.contract.model_dump(mode="json")))
    except Exception as exc:  # the renderer's own validation explains what is wrong with the contract
        raise TemplateError(f"{TEMPLATE_ID}: {exc}") from exc


def mirror(payload: TemplatePayload, args: SafeActionsArgs) -> dict[str, Any]:  # type: ignore[override]
    """The keys AGILab and the assistant read for a Safe Actions stage, derived from the payload."""
    module = _assistant()
    try:
        validated = module.validate_contract(args.contract.model_dump(mode="json")).payload()
    except Exception as exc:
        raise TemplateError(f"{TEMPLATE_ID}: {exc}") from exc
    text = json.dumps(validated, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return {
        "generation_mode": GENERATION_MODE,
        CONTRACT_KEY: text,
        "action_contract_sha256": module.contract_sha256(validated),
    }


FAMILY = TemplateFamily(
    template_id=TEMPLATE_ID,
    version=VERSION,
    title="Safe dataframe actions",
    description="Validated JSON dataframe actions rendered as deterministic pandas code.",
    args_model=SafeActionsArgs,
    renderer=render,  # type: ignore[arg-type]
    default_engine="runpy",
    default_action="dataframe_actions",
    requires_app=False,
    mirror_keys=mirror,  # type: ignore[arg-type]
    args_from_stage=args_from_stage,
    stores_args=False,
)
