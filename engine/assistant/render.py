"""Deterministic pandas code for a validated Safe Actions contract."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .contract import (
    Clip,
    Contract,
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

HEADER = (
    "# AGILAB Safe Actions: pandas code rendered from a validated JSON action contract.",
    "# This is not raw model code; change the contract and render again rather than editing it.",
)
EMPTY_COMMENT = "# The contract has no action: df is unchanged."
_NOTES_LIMIT = 200
_COMPARISONS = {"eq": "==", "ne": "!=", "gt": ">", "ge": ">=", "lt": "<", "le": "<="}
_ARITHMETIC = {"add": "+", "subtract": "-", "multiply": "*", "divide": "/"}


def lit(value: Any) -> str:
    """A Python literal for a JSON scalar, list or object; ``repr`` escapes every name and string."""
    return repr(value)


def comment_text(text: str) -> str:
    """Free text made safe for a one-line comment: every kind of line break and run of spaces becomes one space."""
    flat = " ".join(text.split())
    return flat if len(flat) <= _NOTES_LIMIT else flat[: _NOTES_LIMIT - 3] + "..."


def render_contract(contract: Contract) -> str:
    """Pandas code for an already validated contract; the code reads and rebinds ``df``."""
    lines = [*HEADER]
    if contract.notes:
        lines.append(f"# notes: {comment_text(contract.notes)}")
    lines.append("df = df.copy()")
    if not contract.actions:
        lines.append(EMPTY_COMMENT)
    for number, action in enumerate(contract.actions, start=1):
        lines.append("")
        lines.append(f"# Action {number}: {action.action.replace('_', ' ')}")
        lines.extend(_RENDERERS[type(action)](action))
    return "\n".join(lines) + "\n"


def _select(action: SelectColumns) -> list[str]:
    return [f"df = df[{lit(action.columns)}].copy()"]


def _drop(action: DropColumns) -> list[str]:
    return [f"df = df.drop(columns={lit(action.columns)})"]


def _rename(action: RenameColumns) -> list[str]:
    return [f"df = df.rename(columns={lit(action.mapping)})"]


def _filter(action: FilterRows) -> list[str]:
    column = f"df[{lit(action.column)}]"
    if action.operator == "contains":
        mask = f"{column}.astype('string').str.contains({lit(action.value)}, case=False, na=False, regex=False)"
    elif action.operator == "isin":
        mask = f"{column}.isin({lit(action.value)})"
    else:
        mask = f"{column} {_COMPARISONS[action.operator]} {lit(action.value)}"
    return [f"df = df.loc[{mask}].copy()"]


def _derive(action: DeriveColumn) -> list[str]:
    source = f"df[{lit(action.input)}]"
    if action.transform == "copy":
        expression = source
    elif action.transform == "abs":
        expression = f"{source}.abs()"
    else:
        expression = f"{source} {_ARITHMETIC[action.transform]} {lit(action.value)}"
    return [f"df[{lit(action.output)}] = {expression}"]


def _fill(action: FillMissing) -> list[str]:
    columns = lit(action.columns)
    return [f"df[{columns}] = df[{columns}].fillna({lit(action.value)})"]


def _drop_missing(action: DropMissing) -> list[str]:
    if action.columns:
        return [f"df = df.dropna(subset={lit(action.columns)}).copy()"]
    return ["df = df.dropna().copy()"]


def _sort(action: SortRows) -> list[str]:
    # A stable sort keeps ties in their current order, so the result does not depend on the pandas build.
    return [
        f"df = df.sort_values(by={lit(action.columns)}, ascending={lit(action.ascending)}, kind='stable')"
        ".reset_index(drop=True)"
    ]


def _groupby(action: GroupbyAggregate) -> list[str]:
    return [f"df = df.groupby({lit(action.by)}, dropna=False).agg({lit(action.aggregations)}).reset_index()"]


def _rolling(action: RollingMean) -> list[str]:
    return [
        f"df[{lit(action.output)}] = df[{lit(action.input)}].rolling(window={action.window}, min_periods=1).mean()"
    ]


def _clip(action: Clip) -> list[str]:
    bounds = [f"{name}={lit(value)}" for name, value in (("lower", action.lower), ("upper", action.upper))
              if value is not None]
    return [f"df[{lit(action.output or action.input)}] = df[{lit(action.input)}].clip({', '.join(bounds)})"]


_RENDERERS: dict[type[_Action], Callable[[Any], list[str]]] = {
    SelectColumns: _select,
    DropColumns: _drop,
    RenameColumns: _rename,
    FilterRows: _filter,
    DeriveColumn: _derive,
    FillMissing: _fill,
    DropMissing: _drop_missing,
    SortRows: _sort,
    GroupbyAggregate: _groupby,
    RollingMean: _rolling,
    Clip: _clip,
}
