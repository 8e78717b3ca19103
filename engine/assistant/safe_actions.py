"""Safe Actions: validate a contract, render its pandas code, hash it, and build the stage fields to save."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from .columns import columns_after_actions
from .contract import (
    ACTION_MODELS,
    KIND,
    SCHEMA_VERSION,
    Contract,
    canonical_json,
    parse_action,
    parse_contract_text,
)
from .errors import ContractError
from .render import render_contract
from .schema import SchemaLike, as_dtypes

GENERATION_MODE_SAFE_ACTIONS = "safe_actions"
GENERATION_MODE_PYTHON_SNIPPET = "python_snippet"
TEMPLATE_ID = "dataframe.safe_actions"
TEMPLATE_VERSION = 1
SUPPORTED_ACTIONS = tuple(ACTION_MODELS)
# Keys a Safe Actions stage carries beyond D/Q/M/C; drop them when a stage switches to a Python snippet.
SAFE_ACTION_STAGE_KEYS = (
    "action_contract",
    "action_contract_sha256",
    "dataframe_schema_sha256",
    "safe_action_pinned",
    "template_id",
    "template_version",
    "kind",
)

__all__ = [
    "GENERATION_MODE_PYTHON_SNIPPET",
    "GENERATION_MODE_SAFE_ACTIONS",
    "KIND",
    "SAFE_ACTION_STAGE_KEYS",
    "SCHEMA_VERSION",
    "SUPPORTED_ACTIONS",
    "TEMPLATE_ID",
    "TEMPLATE_VERSION",
    "Contract",
    "contract_sha256",
    "dataframe_schema_sha256",
    "parse_contract_text",
    "render_pandas_code",
    "stage_fields_for_contract",
    "summarize_contract",
    "validate_contract",
]


def validate_contract(payload: Any, schema: SchemaLike = None) -> Contract:
    """Validate a decoded contract, and its columns against a dataframe schema when one is given.

    Args:
        payload: the decoded JSON object (see :func:`parse_contract_text`) or a :class:`Contract`.
        schema: ``{column: dtype}`` of the loaded dataframe (or a ``DataFrameSchema``); None skips
            the column checks.

    Returns:
        The validated :class:`Contract`; ``payload()`` gives its canonical dict.

    Raises:
        ContractError: naming the action (counted from 1 in the message), the key and the column.
    """
    if isinstance(payload, Contract):
        payload = payload.payload()
    if not isinstance(payload, Mapping):
        raise ContractError("the contract must be a JSON object")
    allowed = ("schema_version", "kind", "actions", "notes")
    for key in payload:
        if key not in allowed:
            raise ContractError(f"not part of the contract (allowed: {', '.join(allowed)})", key=str(key))
    version = payload.get("schema_version")
    # bool is an int subclass and JSON 1.0 equals 1; only the integer 1 is the version.
    if type(version) is not int or version != SCHEMA_VERSION:
        raise ContractError(f"must be {SCHEMA_VERSION}, got {json.dumps(version, default=str)}",
                            key="schema_version")
    if payload.get("kind") != KIND:
        raise ContractError(f"must be '{KIND}', got {json.dumps(payload.get('kind'), default=str)}", key="kind")
    raw_actions = payload.get("actions")
    if not isinstance(raw_actions, list):
        raise ContractError("must be a list of action objects", key="actions")
    notes = payload.get("notes")
    if notes is not None and not isinstance(notes, str):
        raise ContractError("must be a string", key="notes")
    actions = tuple(parse_action(raw, index) for index, raw in enumerate(raw_actions))
    dtypes = as_dtypes(schema)
    if dtypes is not None:
        columns_after_actions(actions, dtypes)
    return Contract(actions=actions, notes=(notes or "").strip())


def render_pandas_code(contract: dict[str, Any]) -> str:
    """Deterministic pandas code for a contract; it transforms the DataFrame bound to ``df`` in place of ``df``.

    Args:
        contract: a contract dict (validated here, without a dataframe schema).

    Returns:
        Python source: header comments, ``df = df.copy()``, then one commented block per action.

    Raises:
        ContractError: when the contract is invalid.
    """
    return render_contract(validate_contract(contract))


def contract_sha256(contract: Mapping[str, Any] | Contract) -> str:
    """SHA-256 of the contract's canonical JSON (normalised, sorted keys, compact separators)."""
    payload = validate_contract(contract).payload()
    return hashlib.sha256(canonical_json(payload).encode("utf-8")).hexdigest()


def dataframe_schema_sha256(schema: SchemaLike) -> str:
    """SHA-256 of the canonical JSON list of ``{"name", "dtype"}`` in column order; None hashes ``[]``."""
    dtypes = as_dtypes(schema) or {}
    listing = [{"name": name, "dtype": dtype} for name, dtype in dtypes.items()]
    return hashlib.sha256(canonical_json(listing).encode("utf-8")).hexdigest()


def summarize_contract(contract: Mapping[str, Any] | Contract) -> str:
    """A one-line description of a contract, usable as a stage's ``D`` field."""
    validated = validate_contract(contract)
    if not validated.actions:
        return validated.notes or "Safe actions: none (df is unchanged)"
    names = [action.action.replace("_", " ") for action in validated.actions]
    shown = ", ".join(names[:4]) + (f", +{len(names) - 4} more" if len(names) > 4 else "")
    return f"Safe actions: {shown}"


def stage_fields_for_contract(
    contract: Mapping[str, Any] | Contract,
    schema: SchemaLike,
    question: str,
    model: str,
) -> dict[str, Any]:
    """The ``lab_stages.toml`` keys to persist for a Safe Actions stage; the contract is validated first.

    Args:
        contract: the contract dict (or validated :class:`Contract`).
        schema: the dataframe schema it was validated against (None when no dataframe is loaded).
        question: the user's request, stored as ``Q``.
        model: the model that produced the contract (``""`` for the offline builder), stored as ``M``.

    Returns:
        ``generation_mode``, ``action_contract`` (canonical JSON text, whose SHA-256 is
        ``action_contract_sha256``), ``dataframe_schema_sha256``, ``C`` (rendered code), ``Q``, ``M``,
        ``template_id``, ``template_version`` and ``kind``.
    """
    validated = validate_contract(contract, schema)
    text = canonical_json(validated.payload())
    return {
        "generation_mode": GENERATION_MODE_SAFE_ACTIONS,
        "action_contract": text,
        "action_contract_sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
        "dataframe_schema_sha256": dataframe_schema_sha256(schema),
        "C": render_contract(validated),
        "Q": question,
        "M": model,
        "template_id": TEMPLATE_ID,
        "template_version": TEMPLATE_VERSION,
        "kind": "template",
    }
