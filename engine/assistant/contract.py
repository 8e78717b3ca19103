"""The Safe Actions contract: pydantic models of the 11 actions, per-action checks, and parsing model answers."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Annotated, Any, ClassVar, Literal, NoReturn

from pydantic import (
    AfterValidator,
    AllowInfNan,
    BaseModel,
    ConfigDict,
    Field,
    Strict,
    StrictBool,
    StrictInt,
    StrictStr,
    TypeAdapter,
    ValidationError,
)

from .errors import ContractError, ContractParseError

SCHEMA_VERSION = 1
KIND = "agilab.generated_dataframe_actions"
FILTER_OPERATORS = ("eq", "ne", "gt", "ge", "lt", "le", "contains", "isin")
DERIVE_TRANSFORMS = ("copy", "add", "subtract", "multiply", "divide", "abs")
ARITHMETIC_TRANSFORMS = ("add", "subtract", "multiply", "divide")
AGGREGATIONS = ("sum", "mean", "min", "max", "count")
# Candidate JSON spans tried in prose before giving up; bounds the quadratic brace scan.
_MAX_SPAN_STARTS = 32


def _non_blank(name: str) -> str:
    # Names are kept verbatim (CSV headers may carry spaces) but must say something.
    if not name.strip():
        raise ValueError("must not be blank")
    return name


Name = Annotated[StrictStr, AfterValidator(_non_blank)]
Names = Annotated[list[Name], Field(min_length=1)]
FiniteFloat = Annotated[float, Strict(), AllowInfNan(False)]
Number = StrictInt | FiniteFloat
Scalar = StrictStr | StrictBool | StrictInt | FiniteFloat


class _Action(BaseModel):
    """Common configuration: strict JSON types and no keys beyond the action's own."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)
    OPTIONAL: ClassVar[frozenset[str]] = frozenset()
    action: str

    def payload(self) -> dict[str, Any]:
        """The canonical dict of this action; optional keys left unset are omitted."""
        data = self.model_dump()
        return {key: value for key, value in data.items() if not (key in self.OPTIONAL and value is None)}


class SelectColumns(_Action):
    """Keep only these columns, in this order."""

    action: Literal["select_columns"]
    columns: Names


class DropColumns(_Action):
    """Remove these columns."""

    action: Literal["drop_columns"]
    columns: Names


class RenameColumns(_Action):
    """Rename columns from the mapping's keys to its values."""

    action: Literal["rename_columns"]
    mapping: Annotated[dict[Name, Name], Field(min_length=1)]


class FilterRows(_Action):
    """Keep rows whose column compares true against a value."""

    action: Literal["filter_rows"]
    column: Name
    operator: Literal["eq", "ne", "gt", "ge", "lt", "le", "contains", "isin"]
    value: Scalar | list[Scalar]


class DeriveColumn(_Action):
    """Write a new column computed from an existing one."""

    action: Literal["derive_column"]
    input: Name
    output: Name
    transform: Literal["copy", "add", "subtract", "multiply", "divide", "abs"]
    value: Number | None


class FillMissing(_Action):
    """Replace missing values in these columns."""

    action: Literal["fill_missing"]
    columns: Names
    value: Scalar


class DropMissing(_Action):
    """Drop rows with a missing value (in these columns, or in any column)."""

    action: Literal["drop_missing"]
    columns: Names | None = None
    OPTIONAL: ClassVar[frozenset[str]] = frozenset({"columns"})


class SortRows(_Action):
    """Sort rows by these columns."""

    action: Literal["sort_rows"]
    columns: Names
    ascending: StrictBool


class GroupbyAggregate(_Action):
    """Group by columns and aggregate others."""

    action: Literal["groupby_aggregate"]
    by: Names
    aggregations: Annotated[dict[Name, Literal["sum", "mean", "min", "max", "count"]], Field(min_length=1)]


class RollingMean(_Action):
    """Write the trailing rolling mean of a column."""

    action: Literal["rolling_mean"]
    input: Name
    output: Name
    window: Annotated[StrictInt, Field(ge=1)]


class Clip(_Action):
    """Bound a column's values (into ``output``, else in place)."""

    action: Literal["clip"]
    input: Name
    output: Name | None = None
    lower: Number | None = None
    upper: Number | None = None
    OPTIONAL: ClassVar[frozenset[str]] = frozenset({"output", "lower", "upper"})


ACTION_MODELS: dict[str, type[_Action]] = {
    "select_columns": SelectColumns,
    "drop_columns": DropColumns,
    "rename_columns": RenameColumns,
    "filter_rows": FilterRows,
    "derive_column": DeriveColumn,
    "fill_missing": FillMissing,
    "drop_missing": DropMissing,
    "sort_rows": SortRows,
    "groupby_aggregate": GroupbyAggregate,
    "rolling_mean": RollingMean,
    "clip": Clip,
}
Action = Annotated[
    SelectColumns | DropColumns | RenameColumns | FilterRows | DeriveColumn | FillMissing | DropMissing
    | SortRows | GroupbyAggregate | RollingMean | Clip,
    Field(discriminator="action"),
]
_ACTION_ADAPTER: TypeAdapter[Any] = TypeAdapter(Action)


class Contract(BaseModel):
    """A validated contract; :meth:`payload` gives the canonical dict that is stored and hashed."""

    model_config = ConfigDict(frozen=True)
    schema_version: Literal[1] = SCHEMA_VERSION
    kind: Literal["agilab.generated_dataframe_actions"] = KIND
    actions: tuple[Action, ...] = ()
    notes: str = ""

    def payload(self) -> dict[str, Any]:
        """The canonical JSON-ready dict of this contract."""
        return {
            "schema_version": SCHEMA_VERSION,
            "kind": KIND,
            "actions": [action.payload() for action in self.actions],
            "notes": self.notes,
        }


def canonical_json(payload: Any) -> str:
    """Canonical JSON text (sorted keys, compact separators, UTF-8 kept) used for storage and hashing."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


_EXPECTED = {
    "columns": "a non-empty list of column names",
    "by": "a non-empty list of column names",
    "column": "a column name (non-empty string)",
    "input": "a column name (non-empty string)",
    "output": "a column name (non-empty string)",
    "mapping": "a non-empty object mapping column names to new names",
    "aggregations": f"a non-empty object mapping column names to one of {', '.join(AGGREGATIONS)}",
    "operator": f"one of {', '.join(FILTER_OPERATORS)}",
    "transform": f"one of {', '.join(DERIVE_TRANSFORMS)}",
    "ascending": "true or false",
    "window": "a positive integer",
    "lower": "a finite number",
    "upper": "a finite number",
}
_EXPECTED_VALUE = {
    "filter_rows": "a string, number or boolean (a list of them for isin)",
    "derive_column": "a finite number (null for copy and abs)",
    "fill_missing": "a string, number or boolean",
}


def _allowed_keys(action: str) -> list[str]:
    return list(ACTION_MODELS[action].model_fields)


def parse_action(raw: Any, index: int | None = None) -> _Action:
    """Check one action's shape and types and its cross-key rules (no dataframe needed).

    Args:
        raw: the action object as decoded from JSON.
        index: its 0-based position, used in error messages; None for a lone action.
    """
    if not isinstance(raw, Mapping):
        raise ContractError("must be a JSON object", action_index=index)
    name = raw.get("action")
    if not isinstance(name, str) or name not in ACTION_MODELS:
        known = ", ".join(ACTION_MODELS)
        shown = "missing" if name is None else json.dumps(name, default=str)
        raise ContractError(f"unknown action {shown} (known: {known})", action_index=index, key="action")
    try:
        action = _ACTION_ADAPTER.validate_python(dict(raw))
    except ValidationError as exc:
        raise _contract_error(exc, str(name), index) from None
    _check_rules(action, index)
    return action


def _contract_error(exc: ValidationError, name: str, index: int | None) -> ContractError:
    error = exc.errors()[0]
    loc = [part for part in error["loc"] if part != name]
    key = str(loc[0]) if loc else None
    if error["type"] == "extra_forbidden":
        message = f"not allowed for {name} (allowed: {', '.join(_allowed_keys(name))})"
    elif error["type"] == "missing":
        message = "missing required key"
    elif key == "value":
        message = f"must be {_EXPECTED_VALUE[name]}"
    elif key in _EXPECTED:
        message = f"must be {_EXPECTED[key]}"
    else:
        message = error["msg"]
    return ContractError(message, action_index=index, action=name, key=key)


def _check_rules(action: _Action, index: int | None) -> None:
    """Rules between keys of one action that the field types alone cannot express."""

    def fail(message: str, key: str) -> NoReturn:
        raise ContractError(message, action_index=index, action=action.action, key=key)

    for key in ("columns", "by"):
        names = getattr(action, key, None)
        if names and len(set(names)) != len(names):
            fail("lists a column more than once", key)
    if isinstance(action, RenameColumns) and len(set(action.mapping.values())) != len(action.mapping):
        fail("renames two columns to the same name", "mapping")
    if isinstance(action, FilterRows):
        value = action.value
        if action.operator == "isin":
            if not isinstance(value, list) or not value:
                fail("must be a non-empty list of values for operator isin", "value")
        elif isinstance(value, list):
            fail(f"must be a single value for operator {action.operator}", "value")
        elif action.operator == "contains" and (not isinstance(value, str) or not value):
            fail("must be a non-empty string for operator contains", "value")
        elif action.operator in ("gt", "ge", "lt", "le") and isinstance(value, bool):
            fail(f"must be a number or a string for operator {action.operator}", "value")
    if isinstance(action, DeriveColumn):
        if action.transform in ARITHMETIC_TRANSFORMS and action.value is None:
            fail(f"must be a number for transform {action.transform}", "value")
        if action.transform not in ARITHMETIC_TRANSFORMS and action.value is not None:
            fail(f"must be null for transform {action.transform}", "value")
        if action.transform == "divide" and action.value == 0:
            fail("must not be zero for transform divide", "value")
    if isinstance(action, GroupbyAggregate):
        for column in action.aggregations:
            if column in action.by:
                fail(f"column '{column}' is both grouped and aggregated", "aggregations")
    if isinstance(action, Clip):
        if action.lower is None and action.upper is None:
            fail("clip needs at least one of lower and upper", "lower")
        if action.lower is not None and action.upper is not None and action.lower > action.upper:
            fail(f"lower ({action.lower}) is greater than upper ({action.upper})", "lower")


def parse_contract_text(text: str) -> dict[str, Any]:
    """Decode the contract object from a model answer: bare JSON, a fenced block, or a span in prose.

    Raises:
        ContractParseError: when no candidate decodes to a JSON object.
    """
    stripped = (text or "").strip()
    if not stripped:
        raise ContractParseError("the answer is empty; expected a JSON contract")
    first_error: str | None = None
    for candidate in _candidates(stripped):
        try:
            decoded = json.loads(candidate)
        except json.JSONDecodeError as exc:
            first_error = first_error or f"{exc.msg} at line {exc.lineno} column {exc.colno}"
            continue
        if isinstance(decoded, dict):
            return decoded
        first_error = first_error or f"the JSON is a {type(decoded).__name__}, not an object"
    if first_error is None:
        raise ContractParseError("the answer holds no JSON object")
    raise ContractParseError(f"the answer holds no valid JSON object ({first_error})")


_FENCE = re.compile(r"```[ \t]*([A-Za-z0-9_+-]*)[ \t]*\r?\n(.*?)```", re.DOTALL)


def _candidates(text: str) -> list[str]:
    """Whole text first, then fenced blocks (json-labelled before others), then balanced ``{...}`` spans."""
    # The whole text is only worth decoding when it looks like JSON; prose gets the clearer "no object" error.
    found = [text] if text.startswith(("{", "[")) else []
    fences = [(label.lower(), body.strip()) for label, body in _FENCE.findall(text)]
    found += [body for label, body in fences if label == "json"]
    found += [body for label, body in fences if label != "json"]
    start = text.find("{")
    tried = 0
    while start != -1 and tried < _MAX_SPAN_STARTS:
        end = _balanced_end(text, start)
        if end is not None:
            found.append(text[start : end + 1])
        tried += 1
        start = text.find("{", start + 1)
    return [candidate for candidate in found if candidate]


def _balanced_end(text: str, start: int) -> int | None:
    """Index of the brace closing the one at ``start``, skipping braces inside JSON strings."""
    depth = 0
    in_string = False
    escaped = False
    for position in range(start, len(text)):
        char = text[position]
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return position
    return None
