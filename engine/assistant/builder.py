"""The offline action builder: a Safe Actions contract from form choices, with no model and no key.

Every function returns a new dict and leaves its arguments untouched, so a failed edit never
changes the stage's contract.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from .catalog import FieldSpec, action_spec
from .columns import UNKNOWN_DTYPE, columns_after_actions, is_numeric_dtype
from .contract import KIND, SCHEMA_VERSION, parse_action
from .errors import ContractError
from .safe_actions import validate_contract
from .schema import SchemaLike, as_dtypes

_INTEGER = re.compile(r"^[+-]?\d+$")
_TRUE = {"true", "yes", "y", "1", "on"}
_FALSE = {"false", "no", "n", "0", "off"}


def empty_contract(notes: str = "") -> dict[str, Any]:
    """A contract with no action."""
    return {"schema_version": SCHEMA_VERSION, "kind": KIND, "actions": [], "notes": notes}


def columns_at(contract: Mapping[str, Any], schema: SchemaLike, index: int | None = None) -> dict[str, str]:
    """Columns (name to dtype) seen by the action at ``index``, or after the last action when None.

    Args:
        contract: a valid contract.
        schema: the dataframe schema before the first action.
        index: 0-based action position.
    """
    dtypes = as_dtypes(schema) or {}
    actions = validate_contract(contract, dtypes).actions
    return columns_after_actions(actions[:index] if index is not None else actions, dtypes)


def build_action(action_name: str, values: Mapping[str, Any], schema: SchemaLike = None) -> dict[str, Any]:
    """Build and validate one action from form values; text values are converted by field kind.

    Args:
        action_name: a catalog action name.
        values: key to value; text such as ``"a, b"`` or ``"old=new"`` or ``"3"`` is accepted, and
            empty text or None leaves an optional key out.
        schema: the columns available to this action (see :func:`columns_at`); None skips column checks.

    Returns:
        The canonical action dict.

    Raises:
        ContractError: naming the key (and column) that is wrong.
    """
    spec = action_spec(action_name)
    dtypes = as_dtypes(schema)
    for key in values:
        spec.field(key)
    action: dict[str, Any] = {"action": action_name}
    for field in spec.fields:
        raw = values.get(field.name)
        if _blank(raw):
            if field.required and not (action_name == "derive_column" and field.name == "value"):
                raise ContractError("required", action=action_name, key=field.name)
            if field.required:
                action[field.name] = None
            continue
        action[field.name] = _coerce(field, raw, action, dtypes or {})
    parsed = parse_action(action)
    if dtypes is not None:
        columns_after_actions([parsed], dtypes)
    return parsed.payload()


def add_action(contract: Mapping[str, Any], action: Mapping[str, Any], schema: SchemaLike = None) -> dict[str, Any]:
    """A new contract with ``action`` appended, validated as a whole."""
    return _revalidate(contract, [*contract.get("actions", []), dict(action)], schema)


def replace_action(
    contract: Mapping[str, Any], index: int, action: Mapping[str, Any], schema: SchemaLike = None
) -> dict[str, Any]:
    """A new contract with the action at ``index`` replaced, validated as a whole."""
    actions = list(contract.get("actions", []))
    _check_index(actions, index)
    actions[index] = dict(action)
    return _revalidate(contract, actions, schema)


def remove_action(contract: Mapping[str, Any], index: int, schema: SchemaLike = None) -> dict[str, Any]:
    """A new contract without the action at ``index``; fails if a later action needed its columns."""
    actions = list(contract.get("actions", []))
    _check_index(actions, index)
    del actions[index]
    return _revalidate(contract, actions, schema)


def move_action(contract: Mapping[str, Any], index: int, new_index: int, schema: SchemaLike = None) -> dict[str, Any]:
    """A new contract with the action at ``index`` moved to ``new_index``."""
    actions = list(contract.get("actions", []))
    _check_index(actions, index)
    _check_index(actions, new_index)
    actions.insert(new_index, actions.pop(index))
    return _revalidate(contract, actions, schema)


def _revalidate(contract: Mapping[str, Any], actions: list[Any], schema: SchemaLike) -> dict[str, Any]:
    candidate = {**contract, "actions": actions}
    return validate_contract(candidate, schema).payload()


def _check_index(actions: list[Any], index: int) -> None:
    if not 0 <= index < len(actions):
        raise ContractError(f"no action {index + 1}; the contract has {len(actions)}", key="actions")


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str | list | dict | tuple) and len(value) == 0) or (
        isinstance(value, str) and not value.strip())


def _coerce(field: FieldSpec, raw: Any, action: dict[str, Any], dtypes: dict[str, str]) -> Any:
    """Turn a form value into the JSON type the contract expects; typed values pass through unchanged."""
    if not isinstance(raw, str):
        return list(raw) if isinstance(raw, tuple) else raw
    text = raw.strip()
    name, kind = field.name, field.kind
    if kind in ("column", "new_column"):
        return raw if raw in dtypes else text
    if kind == "columns":
        return _split(text)
    if kind in ("rename_mapping", "aggregation_mapping"):
        return _pairs(text, action["action"], name)
    if kind == "choice":
        return text
    if kind == "boolean":
        return _boolean(text, action["action"], name)
    if kind == "integer":
        if not _INTEGER.match(text):
            raise ContractError(f"must be a whole number, got '{text}'", action=action["action"], key=name)
        return int(text)
    if kind == "number":
        return _number(text, action["action"], name)
    targets = [action["column"]] if "column" in action else list(action.get("columns", []))
    column_dtypes = [dtypes.get(column, UNKNOWN_DTYPE) for column in targets]
    if kind == "scalar_or_list" and action.get("operator") == "isin":
        return [_scalar(item, column_dtypes) for item in _split(text)]
    return _scalar(text, column_dtypes)


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _pairs(text: str, action: str, key: str) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for part in _split(text):
        left, sep, right = part.partition("=")
        if not sep or not left.strip() or not right.strip():
            raise ContractError(f"'{part}' is not a name=value pair", action=action, key=key)
        pairs[left.strip()] = right.strip()
    return pairs


def _boolean(text: str, action: str, key: str) -> bool:
    lowered = text.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ContractError(f"must be true or false, got '{text}'", action=action, key=key)


def _number(text: str, action: str, key: str) -> int | float:
    try:
        return int(text) if _INTEGER.match(text) else float(text)
    except ValueError:
        raise ContractError(f"must be a number, got '{text}'", action=action, key=key) from None


def _scalar(text: str, column_dtypes: list[str]) -> Any:
    """Read text as a number or boolean only when every target column has that type; else keep the text."""
    if len(text) >= 2 and text[0] == text[-1] == '"':
        # A quoted value is explicitly a string, e.g. "007" kept as text rather than read as 7.
        try:
            return str(json.loads(text))
        except json.JSONDecodeError:
            return text
    if column_dtypes and all(is_numeric_dtype(dtype) for dtype in column_dtypes):
        try:
            return int(text) if _INTEGER.match(text) else float(text)
        except ValueError:
            return text  # validation then names the numeric column this text cannot be compared with
    if column_dtypes and all(dtype == "bool" for dtype in column_dtypes) and text.lower() in _TRUE | _FALSE:
        return text.lower() in _TRUE
    return text
