"""Property: executing the rendered pandas code gives the same frame as the direct reference implementation."""

from __future__ import annotations

from typing import Any

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pandas.testing import assert_frame_equal

from engine.assistant.columns import columns_after_actions
from engine.assistant.reference import apply_contract
from engine.assistant.safe_actions import KIND, render_pandas_code, validate_contract
from engine.assistant.schema import dataframe_schema

NAMES = ["a", "b", "c", "d", "e"]
NEW_NAMES = ["n1", "n2", "n3"]
WORDS = ["ab", "Ab", "abc", "bc", "x", ""]
# Quarter steps are exact in binary floating point, so sums and means are exact in every code path.
FLOATS = st.integers(-8, 8).map(lambda k: k / 4)
INTS = st.integers(-3, 3)
# Comparison values drawn near the data so that ties (where == and >= differ) happen often.
PIVOTS = st.sampled_from([-1, 0, 1, 2, 0.5, -0.25, 1.0])


@st.composite
def frames(draw: Any) -> tuple[pd.DataFrame, dict[str, str]]:
    """A small frame of int, float (with NaN) and string (with missing) columns, and their kinds."""
    rows = draw(st.integers(0, 8))
    names = draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=4, unique=True))
    data: dict[str, Any] = {}
    kinds: dict[str, str] = {}
    for name in names:
        kind = draw(st.sampled_from(["int", "float", "str"]))
        kinds[name] = kind
        if kind == "int":
            data[name] = pd.Series(draw(st.lists(INTS, min_size=rows, max_size=rows)), dtype="int64")
        elif kind == "float":
            values = draw(st.lists(st.one_of(FLOATS, st.just(float("nan"))), min_size=rows, max_size=rows))
            data[name] = pd.Series(values, dtype="float64")
        else:
            values = draw(st.lists(st.one_of(st.sampled_from(WORDS), st.none()), min_size=rows, max_size=rows))
            data[name] = pd.Series(values, dtype="str")
    return pd.DataFrame(data), kinds


def _number_for(kind: str, draw: Any) -> int | float:
    return draw(INTS) if kind == "int" else draw(st.one_of(INTS, FLOATS))


def _draw_action(draw: Any, kinds: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """One valid action for the current columns, and the column kinds after it."""
    names = list(kinds)
    numeric = [name for name in names if kinds[name] != "str"]
    choices = ["select_columns", "rename_columns", "filter_rows", "fill_missing", "drop_missing", "sort_rows"]
    if len(names) > 1:
        choices += ["drop_columns", "groupby_aggregate"]
    if numeric:
        choices += ["derive_column", "rolling_mean", "clip"]
    name = draw(st.sampled_from(choices))
    pick = st.lists(st.sampled_from(names), min_size=1, max_size=len(names), unique=True)
    out = draw(st.sampled_from(NEW_NAMES + names))
    if name == "select_columns":
        columns = draw(pick)
        return {"action": name, "columns": columns}, {c: kinds[c] for c in columns}
    if name == "drop_columns":
        columns = draw(st.lists(st.sampled_from(names), min_size=1, max_size=len(names) - 1, unique=True))
        return {"action": name, "columns": columns}, {c: k for c, k in kinds.items() if c not in columns}
    if name == "rename_columns":
        free = [n for n in NAMES + NEW_NAMES if n not in names]
        sources = draw(st.lists(st.sampled_from(names), min_size=1, max_size=min(len(names), 2), unique=True))
        targets = draw(st.lists(st.sampled_from(free), min_size=len(sources), max_size=len(sources), unique=True))
        mapping = dict(zip(sources, targets, strict=True))
        return {"action": name, "mapping": mapping}, {mapping.get(c, c): k for c, k in kinds.items()}
    if name == "filter_rows":
        column = draw(st.sampled_from(names))
        if kinds[column] == "str":
            operator = draw(st.sampled_from(["eq", "ne", "gt", "ge", "lt", "le", "contains", "isin"]))
            if operator == "contains":
                value: Any = draw(st.sampled_from(["a", "B", "bc", "x"]))
            elif operator == "isin":
                value = draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=3))
            else:
                value = draw(st.sampled_from(WORDS))
        else:
            operator = draw(st.sampled_from(["eq", "ne", "gt", "ge", "lt", "le", "isin"]))
            value = draw(st.lists(PIVOTS, min_size=1, max_size=3)) if operator == "isin" else draw(PIVOTS)
        return {"action": name, "column": column, "operator": operator, "value": value}, kinds
    if name == "derive_column":
        source = draw(st.sampled_from(numeric))
        transform = draw(st.sampled_from(["copy", "add", "subtract", "multiply", "divide", "abs"]))
        value = None
        kind = kinds[source]
        if transform in ("add", "subtract", "multiply", "divide"):
            value = draw(_number_strategy(kind).filter(lambda v: v != 0 or transform != "divide"))
            if transform == "divide" or isinstance(value, float):
                kind = "float"
        action = {"action": name, "input": source, "output": out, "transform": transform, "value": value}
        return action, {**kinds, out: kind}
    if name == "fill_missing":
        kind = draw(st.sampled_from(sorted({kinds[n] for n in names})))
        same = [n for n in names if kinds[n] == kind]
        columns = draw(st.lists(st.sampled_from(same), min_size=1, max_size=len(same), unique=True))
        value = draw(st.sampled_from(WORDS)) if kind == "str" else _number_for(kind, draw)
        return {"action": name, "columns": columns, "value": value}, kinds
    if name == "drop_missing":
        if draw(st.booleans()):
            return {"action": name}, kinds
        return {"action": name, "columns": draw(pick)}, kinds
    if name == "sort_rows":
        return {"action": name, "columns": draw(pick), "ascending": draw(st.booleans())}, kinds
    if name == "groupby_aggregate":
        by = draw(st.lists(st.sampled_from(names), min_size=1, max_size=len(names) - 1, unique=True))
        rest = [n for n in names if n not in by]
        targets = draw(st.lists(st.sampled_from(rest), min_size=1, max_size=len(rest), unique=True))
        aggregations: dict[str, str] = {}
        after = {c: kinds[c] for c in by}
        for target in targets:
            allowed = ["min", "max", "count"] if kinds[target] == "str" else ["sum", "mean", "min", "max", "count"]
            function = draw(st.sampled_from(allowed))
            aggregations[target] = function
            after[target] = {"count": "int", "mean": "float"}.get(function, kinds[target])
        return {"action": name, "by": by, "aggregations": aggregations}, after
    if name == "rolling_mean":
        source = draw(st.sampled_from(numeric))
        action = {"action": name, "input": source, "output": out, "window": draw(st.integers(1, 4))}
        return action, {**kinds, out: "float"}
    source = draw(st.sampled_from(numeric))
    action = {"action": "clip", "input": source}
    bounds = draw(st.lists(_number_strategy(kinds[source]), min_size=1, max_size=2))
    which = draw(st.sampled_from(["lower", "upper", "both"])) if len(bounds) == 2 else draw(
        st.sampled_from(["lower", "upper"]))
    if which == "both":
        action["lower"], action["upper"] = min(bounds), max(bounds)
    else:
        action[which] = bounds[0]
    target = source
    if draw(st.booleans()):
        action["output"] = target = out
    float_bound = any(isinstance(action.get(key), float) for key in ("lower", "upper"))
    return action, {**kinds, target: "float" if float_bound else kinds[source]}


def _number_strategy(kind: str) -> st.SearchStrategy[int | float]:
    return INTS if kind == "int" else st.one_of(INTS, FLOATS)


@st.composite
def frames_and_contracts(draw: Any) -> tuple[pd.DataFrame, dict[str, Any]]:
    """A frame and a contract of 0-5 actions that is valid for it, step after step."""
    df, kinds = draw(frames())
    actions = []
    for _ in range(draw(st.integers(0, 5))):
        action, kinds = _draw_action(draw, kinds)
        actions.append(action)
    return df, {"schema_version": 1, "kind": KIND, "actions": actions, "notes": "generated"}


@settings(max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(frames_and_contracts())
def test_rendered_code_matches_reference(case: tuple[pd.DataFrame, dict[str, Any]]) -> None:
    df, contract = case
    schema = dataframe_schema(df).dtypes
    validated = validate_contract(contract, schema)
    namespace: dict[str, Any] = {"df": df}
    exec(render_pandas_code(contract), namespace)
    rendered = namespace["df"]
    expected = apply_contract(df, contract)
    assert_frame_equal(rendered, expected)
    predicted = columns_after_actions(validated.actions, schema)
    assert list(predicted) == [str(column) for column in rendered.columns]
