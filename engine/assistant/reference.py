"""Apply a contract to a DataFrame directly, without rendering code: the reference the renderer is checked against.

It also lets a preview show a contract's effect without executing generated source.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

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
from .safe_actions import validate_contract

if TYPE_CHECKING:
    import pandas as pd

_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "eq": operator.eq,
    "ne": operator.ne,
    "gt": operator.gt,
    "ge": operator.ge,
    "lt": operator.lt,
    "le": operator.le,
}
_ARITHMETIC: dict[str, Callable[[Any, Any], Any]] = {
    "add": operator.add,
    "subtract": operator.sub,
    "multiply": operator.mul,
    "divide": operator.truediv,
}


def apply_contract(df: pd.DataFrame, contract: Mapping[str, Any] | Contract) -> pd.DataFrame:
    """Return a new DataFrame with every action of the (validated) contract applied in order."""
    validated = validate_contract(contract)
    result = df.copy()
    for action in validated.actions:
        result = apply_action(result, action)
    return result


def apply_action(df: pd.DataFrame, action: _Action) -> pd.DataFrame:
    """Return a new DataFrame with one validated action applied."""
    return _APPLIERS[type(action)](df.copy(), action)


def _rows(df: pd.DataFrame, keep: list[bool]) -> pd.DataFrame:
    import numpy as np

    # A numpy mask, because an empty Python list would select zero columns instead of zero rows.
    return df.loc[np.array(keep, dtype=bool)]


def _is_missing(value: Any) -> bool:
    import pandas as pd

    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def _select(df: pd.DataFrame, action: SelectColumns) -> pd.DataFrame:
    return df.loc[:, list(action.columns)]


def _drop(df: pd.DataFrame, action: DropColumns) -> pd.DataFrame:
    return df.loc[:, [column for column in df.columns if column not in action.columns]]


def _rename(df: pd.DataFrame, action: RenameColumns) -> pd.DataFrame:
    df.columns = [action.mapping.get(column, column) for column in df.columns]
    return df


def _filter(df: pd.DataFrame, action: FilterRows) -> pd.DataFrame:
    values = df[action.column].tolist()
    if action.operator == "contains":
        # Case-insensitive substring test on the text form of each present value.
        needle = str(action.value).upper()
        keep = [not _is_missing(value) and needle in str(value).upper() for value in values]
    elif action.operator == "isin":
        wanted = list(action.value) if isinstance(action.value, list) else [action.value]
        keep = [not _is_missing(value) and any(value == item for item in wanted) for value in values]
    else:
        compare = _COMPARE[action.operator]
        # A missing value compares unequal to everything and fails every ordering, as in pandas.
        keep = [(action.operator == "ne") if _is_missing(value) else bool(compare(value, action.value))
                for value in values]
    return _rows(df, keep)


def _derive(df: pd.DataFrame, action: DeriveColumn) -> pd.DataFrame:
    source = df[action.input]
    if action.transform == "copy":
        df[action.output] = source.copy()
    elif action.transform == "abs":
        df[action.output] = source.abs()
    else:
        df[action.output] = _ARITHMETIC[action.transform](source, action.value)
    return df


def _fill(df: pd.DataFrame, action: FillMissing) -> pd.DataFrame:
    for column in action.columns:
        df[column] = df[column].fillna(action.value)
    return df


def _drop_missing(df: pd.DataFrame, action: DropMissing) -> pd.DataFrame:
    columns = list(action.columns) if action.columns else list(df.columns)
    keep = [not any(_is_missing(value) for value in row) for row in df[columns].itertuples(index=False)]
    return _rows(df, keep)


def _sort(df: pd.DataFrame, action: SortRows) -> pd.DataFrame:
    rows = list(zip(*(df[column].tolist() for column in action.columns), strict=True)) if len(df) else []

    def key(position: int) -> tuple[Any, ...]:
        # Missing values sort last in both directions; Python's sort is stable, like kind='stable'.
        parts: list[Any] = []
        for value in rows[position]:
            missing = _is_missing(value)
            parts.append((missing if action.ascending else not missing, 0 if missing else value))
        return tuple(parts)

    order = sorted(range(len(df)), key=key, reverse=not action.ascending)
    return df.iloc[order].reset_index(drop=True)


def _groupby(df: pd.DataFrame, action: GroupbyAggregate) -> pd.DataFrame:
    import pandas as pd

    grouped = df.groupby(list(action.by), dropna=False, sort=True)
    parts = [grouped[column].agg(function) for column, function in action.aggregations.items()]
    return pd.concat(parts, axis=1).reset_index()


def _rolling(df: pd.DataFrame, action: RollingMean) -> pd.DataFrame:
    import pandas as pd

    values = df[action.input].tolist()
    means: list[float] = []
    for end in range(len(values)):
        window = [float(value) for value in values[max(0, end - action.window + 1) : end + 1]
                  if not _is_missing(value)]
        means.append(math.fsum(window) / len(window) if window else math.nan)
    df[action.output] = pd.Series(means, index=df.index, dtype="float64")
    return df


def _clip(df: pd.DataFrame, action: Clip) -> pd.DataFrame:
    source = df[action.input]
    if action.lower is not None:
        source = source.where(~(source < action.lower), action.lower)
    if action.upper is not None:
        source = source.where(~(source > action.upper), action.upper)
    df[action.output or action.input] = source
    return df


_APPLIERS: dict[type[_Action], Callable[[Any, Any], Any]] = {
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
