"""Golden pandas code for every Safe Action (checked by hand), each also executed on a small frame."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import pytest

from engine.assistant.reference import apply_contract
from engine.assistant.safe_actions import KIND, render_pandas_code

HEADER = (
    "# AGILAB Safe Actions: pandas code rendered from a validated JSON action contract.\n"
    "# This is not raw model code; change the contract and render again rather than editing it.\n"
)


def contract(*actions: dict[str, Any], notes: str = "") -> dict[str, Any]:
    return {"schema_version": 1, "kind": KIND, "actions": list(actions), "notes": notes}


def flights() -> pd.DataFrame:
    return pd.DataFrame({
        "callsign": ["AF1", "ba2", None, "AF4"],
        "carrier": ["AF", "BA", "AF", "AF"],
        "speed": [120.0, None, 300.0, 250.0],
        "alt": [1000, 2000, 3000, 4000],
    })


def run(code: str, df: pd.DataFrame) -> pd.DataFrame:
    namespace: dict[str, Any] = {"df": df}
    exec(code, namespace)
    return namespace["df"]


def values(series: pd.Series) -> list[Any]:
    """Series values with missing ones as None, so lists compare plainly."""
    return [None if (isinstance(v, float) and math.isnan(v)) or v is None else v for v in series.tolist()]


# (action, expected code line, check of the result frame)
GOLDEN: list[tuple[str, dict[str, Any], str, Any]] = [
    ("select", {"action": "select_columns", "columns": ["speed", "callsign"]},
     "df = df[['speed', 'callsign']].copy()",
     lambda out: list(out.columns) == ["speed", "callsign"] and len(out) == 4),
    ("drop", {"action": "drop_columns", "columns": ["alt", "carrier"]},
     "df = df.drop(columns=['alt', 'carrier'])",
     lambda out: list(out.columns) == ["callsign", "speed"]),
    ("rename", {"action": "rename_columns", "mapping": {"alt": "altitude_ft"}},
     "df = df.rename(columns={'alt': 'altitude_ft'})",
     lambda out: list(out.columns) == ["callsign", "carrier", "speed", "altitude_ft"]),
    ("filter_eq", {"action": "filter_rows", "column": "callsign", "operator": "eq", "value": "ba2"},
     "df = df.loc[df['callsign'] == 'ba2'].copy()",
     lambda out: values(out["alt"]) == [2000]),
    ("filter_ne", {"action": "filter_rows", "column": "carrier", "operator": "ne", "value": "AF"},
     "df = df.loc[df['carrier'] != 'AF'].copy()",
     lambda out: values(out["alt"]) == [2000]),
    ("filter_gt", {"action": "filter_rows", "column": "speed", "operator": "gt", "value": 200},
     "df = df.loc[df['speed'] > 200].copy()",
     lambda out: values(out["alt"]) == [3000, 4000] and list(out.index) == [2, 3]),
    ("filter_ge", {"action": "filter_rows", "column": "alt", "operator": "ge", "value": 3000},
     "df = df.loc[df['alt'] >= 3000].copy()",
     lambda out: values(out["alt"]) == [3000, 4000]),
    ("filter_lt", {"action": "filter_rows", "column": "speed", "operator": "lt", "value": 250.5},
     "df = df.loc[df['speed'] < 250.5].copy()",
     lambda out: values(out["alt"]) == [1000, 4000]),
    ("filter_le", {"action": "filter_rows", "column": "alt", "operator": "le", "value": 2000},
     "df = df.loc[df['alt'] <= 2000].copy()",
     lambda out: values(out["alt"]) == [1000, 2000]),
    ("filter_contains", {"action": "filter_rows", "column": "callsign", "operator": "contains", "value": "af"},
     "df = df.loc[df['callsign'].astype('string').str.contains('af', case=False, na=False, regex=False)].copy()",
     lambda out: values(out["alt"]) == [1000, 4000]),
    ("filter_contains_literal_dot", {"action": "filter_rows", "column": "callsign", "operator": "contains",
                                     "value": "."},
     "df = df.loc[df['callsign'].astype('string').str.contains('.', case=False, na=False, regex=False)].copy()",
     lambda out: len(out) == 0),
    ("filter_isin", {"action": "filter_rows", "column": "alt", "operator": "isin", "value": [1000, 3000]},
     "df = df.loc[df['alt'].isin([1000, 3000])].copy()",
     lambda out: values(out["alt"]) == [1000, 3000]),
    ("derive_copy", {"action": "derive_column", "input": "alt", "output": "alt2", "transform": "copy",
                     "value": None},
     "df['alt2'] = df['alt']",
     lambda out: values(out["alt2"]) == [1000, 2000, 3000, 4000]),
    ("derive_add", {"action": "derive_column", "input": "alt", "output": "alt", "transform": "add", "value": 5},
     "df['alt'] = df['alt'] + 5",
     lambda out: values(out["alt"]) == [1005, 2005, 3005, 4005]),
    ("derive_subtract", {"action": "derive_column", "input": "alt", "output": "delta", "transform": "subtract",
                         "value": 2500},
     "df['delta'] = df['alt'] - 2500",
     lambda out: values(out["delta"]) == [-1500, -500, 500, 1500]),
    ("derive_multiply", {"action": "derive_column", "input": "alt", "output": "alt_m", "transform": "multiply",
                         "value": 0.5},
     "df['alt_m'] = df['alt'] * 0.5",
     lambda out: values(out["alt_m"]) == [500.0, 1000.0, 1500.0, 2000.0]),
    ("derive_divide", {"action": "derive_column", "input": "alt", "output": "alt_k", "transform": "divide",
                       "value": 1000},
     "df['alt_k'] = df['alt'] / 1000",
     lambda out: values(out["alt_k"]) == [1.0, 2.0, 3.0, 4.0]),
    ("derive_abs", {"action": "derive_column", "input": "alt", "output": "alt_abs", "transform": "abs",
                    "value": None},
     "df['alt_abs'] = df['alt'].abs()",
     lambda out: values(out["alt_abs"]) == [1000, 2000, 3000, 4000]),
    ("fill_missing", {"action": "fill_missing", "columns": ["speed"], "value": 0},
     "df[['speed']] = df[['speed']].fillna(0)",
     lambda out: values(out["speed"]) == [120.0, 0.0, 300.0, 250.0]),
    ("drop_missing_columns", {"action": "drop_missing", "columns": ["callsign"]},
     "df = df.dropna(subset=['callsign']).copy()",
     lambda out: values(out["alt"]) == [1000, 2000, 4000]),
    ("drop_missing_any", {"action": "drop_missing"},
     "df = df.dropna().copy()",
     lambda out: values(out["alt"]) == [1000, 4000]),
    ("sort_rows", {"action": "sort_rows", "columns": ["speed"], "ascending": False},
     "df = df.sort_values(by=['speed'], ascending=False, kind='stable').reset_index(drop=True)",
     lambda out: values(out["alt"]) == [3000, 4000, 1000, 2000] and list(out.index) == [0, 1, 2, 3]),
    ("groupby_aggregate", {"action": "groupby_aggregate", "by": ["carrier"],
                           "aggregations": {"alt": "sum", "speed": "mean"}},
     "df = df.groupby(['carrier'], dropna=False).agg({'alt': 'sum', 'speed': 'mean'}).reset_index()",
     lambda out: values(out["carrier"]) == ["AF", "BA"] and values(out["alt"]) == [8000, 2000]
     and values(out["speed"]) == [(120.0 + 300.0 + 250.0) / 3, None]),
    ("rolling_mean", {"action": "rolling_mean", "input": "alt", "output": "alt_avg", "window": 2},
     "df['alt_avg'] = df['alt'].rolling(window=2, min_periods=1).mean()",
     lambda out: values(out["alt_avg"]) == [1000.0, 1500.0, 2500.0, 3500.0]),
    ("clip_both", {"action": "clip", "input": "speed", "lower": 150, "upper": 260},
     "df['speed'] = df['speed'].clip(lower=150, upper=260)",
     lambda out: values(out["speed"]) == [150.0, None, 260.0, 250.0]),
    ("clip_upper_into_output", {"action": "clip", "input": "alt", "output": "alt_c", "upper": 2500},
     "df['alt_c'] = df['alt'].clip(upper=2500)",
     lambda out: values(out["alt_c"]) == [1000, 2000, 2500, 2500] and values(out["alt"])[-1] == 4000),
]


@pytest.mark.parametrize(("action", "line", "check"), [case[1:] for case in GOLDEN], ids=[c[0] for c in GOLDEN])
def test_golden_code_and_result(action: dict[str, Any], line: str, check: Any) -> None:
    code = render_pandas_code(contract(action))
    label = action["action"].replace("_", " ")
    assert code == f"{HEADER}df = df.copy()\n\n# Action 1: {label}\n{line}\n"
    before = flights()
    out = run(code, before)
    assert check(out), out
    pd.testing.assert_frame_equal(out, apply_contract(before, contract(action)))
    pd.testing.assert_frame_equal(before, flights())  # the caller's frame is never modified


def test_golden_covers_all_eleven_actions() -> None:
    assert {case[1]["action"] for case in GOLDEN} == {
        "select_columns", "drop_columns", "rename_columns", "filter_rows", "derive_column", "fill_missing",
        "drop_missing", "sort_rows", "groupby_aggregate", "rolling_mean", "clip",
    }


def test_empty_contract_leaves_df_unchanged() -> None:
    code = render_pandas_code(contract())
    assert code == f"{HEADER}df = df.copy()\n# The contract has no action: df is unchanged.\n"
    pd.testing.assert_frame_equal(run(code, flights()), flights())


def test_several_actions_are_numbered_blocks_with_notes() -> None:
    code = render_pandas_code(contract(
        {"action": "filter_rows", "column": "carrier", "operator": "eq", "value": "AF"},
        {"action": "derive_column", "input": "alt", "output": "alt_k", "transform": "divide", "value": 1000},
        {"action": "select_columns", "columns": ["callsign", "alt_k"]},
        notes="Air France\nflights,   altitude in km",
    ))
    assert code == (
        f"{HEADER}"
        "# notes: Air France flights, altitude in km\n"
        "df = df.copy()\n"
        "\n# Action 1: filter rows\n"
        "df = df.loc[df['carrier'] == 'AF'].copy()\n"
        "\n# Action 2: derive column\n"
        "df['alt_k'] = df['alt'] / 1000\n"
        "\n# Action 3: select columns\n"
        "df = df[['callsign', 'alt_k']].copy()\n"
    )
    out = run(code, flights())
    assert values(out["alt_k"]) == [1.0, 3.0, 4.0]
    assert values(out["callsign"]) == ["AF1", None, "AF4"]


def test_rendering_is_deterministic_and_ignores_key_order() -> None:
    action = {"operator": "isin", "value": ["AF", "BA"], "column": "carrier", "action": "filter_rows"}
    reordered = {"action": "filter_rows", "column": "carrier", "operator": "isin", "value": ["AF", "BA"]}
    assert render_pandas_code(contract(action)) == render_pandas_code(contract(reordered))


def test_hostile_names_and_notes_cannot_inject_code() -> None:
    odd = "it's\n__import__('os')"
    df = pd.DataFrame({odd: [1, -2]})
    code = render_pandas_code(contract(
        {"action": "derive_column", "input": odd, "output": "x\u2028y", "transform": "abs", "value": None},
        notes="fine\nimport os; os.remove('x')\r\x0bexit()",
    ))
    assert all(line.startswith(("#", "df")) or line == "" for line in code.splitlines())
    assert "# notes: fine import os; os.remove('x') exit()" in code
    out = run(code, df)
    assert list(out.columns) == [odd, "x\u2028y"] and values(out["x\u2028y"]) == [1, 2]
