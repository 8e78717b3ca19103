"""Follow a dataframe's columns through a sequence of actions, checking every column reference."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from .contract import (
    ARITHMETIC_TRANSFORMS,
    Clip,
    DeriveColumn,
    DropColumns,
    DropMissing,
    FillMissing,
    FilterRows,
    GroupbyAggregate,
    RenameColumns,
    RollingMean,
    SelectColumns,
    SortRows,
    _Action,
)
from .errors import ContractError

# Dtype name given to a column whose dtype cannot be predicted; it disables dtype checks.
UNKNOWN_DTYPE = "unknown"
_NUMERIC_PREFIXES = ("int", "uint", "float", "complex")


def is_numeric_dtype(dtype: str) -> bool | None:
    """True for int/uint/float/complex dtype names (numpy or nullable), None when unknown."""
    if dtype == UNKNOWN_DTYPE:
        return None
    return dtype.lower().startswith(_NUMERIC_PREFIXES)


def columns_after_actions(actions: Iterable[_Action], schema: Mapping[str, str]) -> dict[str, str]:
    """Check each action's columns exist (and are numeric where needed) and return the final columns.

    Args:
        actions: validated actions in order.
        schema: ``{column: dtype}`` of the dataframe before the first action.

    Returns:
        ``{column: dtype}`` after the last action; predicted dtypes may be ``"unknown"``.
    """
    columns = dict(schema)
    for index, action in enumerate(actions):
        columns = _apply(action, columns, index)
    return columns


def _apply(action: _Action, columns: dict[str, str], index: int) -> dict[str, str]:
    def need(names: Iterable[str], key: str) -> None:
        for name in names:
            if name not in columns:
                known = ", ".join(repr(column) for column in list(columns)[:20]) or "none"
                raise ContractError(
                    f"unknown column '{name}' (columns at this step: {known})",
                    action_index=index, action=action.action, key=key, column=name,
                )

    def need_numeric(name: str, key: str) -> None:
        if is_numeric_dtype(columns[name]) is False:
            raise ContractError(
                f"column '{name}' is not numeric (dtype {columns[name]})",
                action_index=index, action=action.action, key=key, column=name,
            )

    if isinstance(action, SelectColumns):
        need(action.columns, "columns")
        return {name: columns[name] for name in action.columns}
    if isinstance(action, DropColumns):
        need(action.columns, "columns")
        return {name: dtype for name, dtype in columns.items() if name not in action.columns}
    if isinstance(action, RenameColumns):
        need(action.mapping, "mapping")
        renamed = {action.mapping.get(name, name): dtype for name, dtype in columns.items()}
        if len(renamed) != len(columns):
            clash = next(new for new in action.mapping.values() if new in columns and new not in action.mapping)
            raise ContractError(
                f"renaming would create a second column named '{clash}'",
                action_index=index, action=action.action, key="mapping", column=clash,
            )
        return renamed
    if isinstance(action, FilterRows):
        need([action.column], "column")
        ordering = action.operator in ("eq", "ne", "gt", "ge", "lt", "le")
        if ordering and isinstance(action.value, str) and is_numeric_dtype(columns[action.column]):
            raise ContractError(
                f"column '{action.column}' is numeric ({columns[action.column]}); compare it with a number",
                action_index=index, action=action.action, key="value", column=action.column,
            )
        return columns
    if isinstance(action, DeriveColumn):
        need([action.input], "input")
        if action.transform != "copy":
            need_numeric(action.input, "input")
        return {**columns, action.output: _derived_dtype(action, columns[action.input])}
    if isinstance(action, FillMissing):
        need(action.columns, "columns")
        if isinstance(action.value, str):
            for name in action.columns:
                if is_numeric_dtype(columns[name]):
                    raise ContractError(
                        f"column '{name}' is numeric ({columns[name]}); fill it with a number",
                        action_index=index, action=action.action, key="value", column=name,
                    )
        return columns
    if isinstance(action, DropMissing):
        need(action.columns or [], "columns")
        return columns
    if isinstance(action, SortRows):
        need(action.columns, "columns")
        return columns
    if isinstance(action, GroupbyAggregate):
        need(action.by, "by")
        need(action.aggregations, "aggregations")
        for name, function in action.aggregations.items():
            if function in ("sum", "mean"):
                need_numeric(name, "aggregations")
        grouped = {name: columns[name] for name in action.by}
        for name, function in action.aggregations.items():
            grouped[name] = {"count": "int64", "mean": "float64"}.get(function, columns[name])
        return grouped
    if isinstance(action, RollingMean):
        need([action.input], "input")
        need_numeric(action.input, "input")
        return {**columns, action.output: "float64"}
    if isinstance(action, Clip):
        need([action.input], "input")
        need_numeric(action.input, "input")
        output = action.output or action.input
        return {**columns, output: _clipped_dtype(action, columns[action.input])}
    raise AssertionError(f"unhandled action {action.action}")  # every model is handled above


def _derived_dtype(action: DeriveColumn, source: str) -> str:
    if action.transform in ("copy", "abs"):
        return source
    if action.transform == "divide" or isinstance(action.value, float):
        return "float64" if is_numeric_dtype(source) else UNKNOWN_DTYPE
    return source if action.transform in ARITHMETIC_TRANSFORMS else UNKNOWN_DTYPE


def _clipped_dtype(action: Clip, source: str) -> str:
    if isinstance(action.lower, float) or isinstance(action.upper, float):
        return "float64" if is_numeric_dtype(source) else UNKNOWN_DTYPE
    return source
