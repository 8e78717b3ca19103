"""The offline action builder: catalog, form values to actions, and contract edits that never mutate."""

from __future__ import annotations

import copy
from typing import Any

import pandas as pd
import pytest

from engine.assistant import (
    ACTION_CATALOG,
    SUPPORTED_ACTIONS,
    ContractError,
    action_spec,
    add_action,
    apply_contract,
    build_action,
    columns_at,
    empty_contract,
    move_action,
    remove_action,
    render_pandas_code,
    replace_action,
    validate_contract,
)
from engine.assistant.contract import ACTION_MODELS

SCHEMA = {"speed": "float64", "alt": "int64", "callsign": "str", "on_ground": "bool"}


def test_catalog_describes_every_action_with_exactly_its_keys() -> None:
    assert [spec.name for spec in ACTION_CATALOG] == list(SUPPORTED_ACTIONS)
    assert len(ACTION_CATALOG) == 11
    for spec in ACTION_CATALOG:
        keys = [name for name in ACTION_MODELS[spec.name].model_fields if name != "action"]
        assert [field.name for field in spec.fields] == keys, spec.name
        optional = {field.name for field in spec.fields if not field.required}
        assert optional == set(ACTION_MODELS[spec.name].OPTIONAL), spec.name
        assert spec.label and spec.description


def test_catalog_choices_match_the_contract() -> None:
    assert action_spec("filter_rows").field("operator").choices == (
        "eq", "ne", "gt", "ge", "lt", "le", "contains", "isin")
    assert action_spec("derive_column").field("transform").choices == (
        "copy", "add", "subtract", "multiply", "divide", "abs")
    assert action_spec("groupby_aggregate").field("aggregations").choices == ("sum", "mean", "min", "max", "count")
    with pytest.raises(ContractError, match="unknown action 'pivot'"):
        action_spec("pivot")


@pytest.mark.parametrize(("name", "values", "expected"), [
    ("select_columns", {"columns": "speed, callsign"}, {"columns": ["speed", "callsign"]}),
    ("drop_columns", {"columns": ["alt"]}, {"columns": ["alt"]}),
    ("rename_columns", {"mapping": "alt=altitude, speed = ground_speed"},
     {"mapping": {"alt": "altitude", "speed": "ground_speed"}}),
    ("filter_rows", {"column": "alt", "operator": "ge", "value": "3000"},
     {"column": "alt", "operator": "ge", "value": 3000}),
    ("filter_rows", {"column": "speed", "operator": "lt", "value": "2.5"},
     {"column": "speed", "operator": "lt", "value": 2.5}),
    ("filter_rows", {"column": "callsign", "operator": "eq", "value": "007"},
     {"column": "callsign", "operator": "eq", "value": "007"}),
    ("filter_rows", {"column": "callsign", "operator": "isin", "value": "AF1, BA2"},
     {"column": "callsign", "operator": "isin", "value": ["AF1", "BA2"]}),
    ("filter_rows", {"column": "alt", "operator": "isin", "value": "1000,2000"},
     {"column": "alt", "operator": "isin", "value": [1000, 2000]}),
    ("filter_rows", {"column": "on_ground", "operator": "eq", "value": "true"},
     {"column": "on_ground", "operator": "eq", "value": True}),
    ("derive_column", {"input": "alt", "output": "alt_m", "transform": "multiply", "value": "0.3048"},
     {"input": "alt", "output": "alt_m", "transform": "multiply", "value": 0.3048}),
    ("derive_column", {"input": "alt", "output": "alt2", "transform": "copy", "value": ""},
     {"input": "alt", "output": "alt2", "transform": "copy", "value": None}),
    ("fill_missing", {"columns": "speed", "value": "0"}, {"columns": ["speed"], "value": 0}),
    ("fill_missing", {"columns": "callsign", "value": "unknown"}, {"columns": ["callsign"], "value": "unknown"}),
    ("drop_missing", {"columns": ""}, {}),
    ("drop_missing", {}, {}),
    ("sort_rows", {"columns": "speed", "ascending": "no"}, {"columns": ["speed"], "ascending": False}),
    ("groupby_aggregate", {"by": "callsign", "aggregations": "speed=mean, alt=max"},
     {"by": ["callsign"], "aggregations": {"speed": "mean", "alt": "max"}}),
    ("rolling_mean", {"input": "speed", "output": "speed_avg", "window": "5"},
     {"input": "speed", "output": "speed_avg", "window": 5}),
    ("clip", {"input": "speed", "output": "", "lower": "0", "upper": ""}, {"input": "speed", "lower": 0}),
    ("clip", {"input": "alt", "output": "alt_c", "upper": 9000}, {"input": "alt", "output": "alt_c", "upper": 9000}),
])
def test_build_action_from_form_values(name: str, values: dict[str, Any], expected: dict[str, Any]) -> None:
    action = build_action(name, values, SCHEMA)
    assert action == {"action": name, **expected}
    validate_contract(add_action(empty_contract(), action), SCHEMA)


@pytest.mark.parametrize(("name", "values", "key", "fragment"), [
    ("select_columns", {}, "columns", "required"),
    ("select_columns", {"columns": "speed, heading"}, "columns", "unknown column 'heading'"),
    ("filter_rows", {"column": "alt", "operator": "gt", "value": "high"}, "value", "compare it with a number"),
    ("filter_rows", {"column": "alt", "operator": "between", "value": "1"}, "operator", "one of eq"),
    ("rename_columns", {"mapping": "alt"}, "mapping", "not a name=value pair"),
    ("sort_rows", {"columns": "alt", "ascending": "maybe"}, "ascending", "true or false"),
    ("rolling_mean", {"input": "speed", "output": "s", "window": "2.5"}, "window", "whole number"),
    ("derive_column", {"input": "alt", "output": "a", "transform": "add", "value": ""}, "value", "must be a number"),
    ("derive_column", {"input": "alt", "output": "a", "transform": "add", "value": "x"}, "value", "must be a number"),
    ("clip", {"input": "alt"}, "lower", "at least one of lower and upper"),
    ("clip", {"input": "alt", "lower": "1", "colour": "red"}, "colour", "has no key 'colour'"),
])
def test_build_action_errors_name_the_key(name: str, values: dict[str, Any], key: str, fragment: str) -> None:
    with pytest.raises(ContractError) as caught:
        build_action(name, values, SCHEMA)
    assert caught.value.key == key
    assert fragment in str(caught.value), str(caught.value)


def test_builder_contract_renders_and_runs() -> None:
    df = pd.DataFrame({"speed": [1.0, None, 3.0], "alt": [10, 20, 30], "callsign": ["a", "b", "c"],
                       "on_ground": [False, True, False]})
    contract = empty_contract("built offline")
    contract = add_action(contract, build_action("fill_missing", {"columns": "speed", "value": "2"}, SCHEMA), SCHEMA)
    after = columns_at(contract, SCHEMA)
    contract = add_action(contract, build_action(
        "derive_column", {"input": "speed", "output": "speed2", "transform": "multiply", "value": "2"}, after), SCHEMA)
    after = columns_at(contract, SCHEMA)
    assert list(after) == ["speed", "alt", "callsign", "on_ground", "speed2"]
    contract = add_action(contract, build_action("select_columns", {"columns": "callsign, speed2"}, after), SCHEMA)

    namespace: dict[str, Any] = {"df": df}
    exec(render_pandas_code(contract), namespace)
    assert namespace["df"]["speed2"].tolist() == [2.0, 4.0, 6.0]
    pd.testing.assert_frame_equal(namespace["df"], apply_contract(df, contract))
    assert contract["notes"] == "built offline"


def test_edits_return_new_contracts_and_leave_the_input_unchanged() -> None:
    first = build_action("drop_missing", {}, SCHEMA)
    second = build_action("sort_rows", {"columns": "alt", "ascending": "true"}, SCHEMA)
    third = build_action("select_columns", {"columns": "alt"}, SCHEMA)
    contract = add_action(add_action(add_action(empty_contract(), first), second), third)
    frozen = copy.deepcopy(contract)

    assert [a["action"] for a in remove_action(contract, 1)["actions"]] == ["drop_missing", "select_columns"]
    assert [a["action"] for a in move_action(contract, 2, 0)["actions"]] == [
        "select_columns", "drop_missing", "sort_rows"]
    replaced = replace_action(contract, 0, build_action("drop_missing", {"columns": "speed"}, SCHEMA))
    assert replaced["actions"][0] == {"action": "drop_missing", "columns": ["speed"]}
    assert contract == frozen


def test_failed_edits_raise_and_change_nothing() -> None:
    derive = build_action("derive_column", {"input": "alt", "output": "alt2", "transform": "copy"}, SCHEMA)
    use = build_action("filter_rows", {"column": "alt2", "operator": "gt", "value": "5"}, {**SCHEMA, "alt2": "int64"})
    contract = add_action(add_action(empty_contract(), derive, SCHEMA), use, SCHEMA)
    frozen = copy.deepcopy(contract)

    with pytest.raises(ContractError) as caught:
        remove_action(contract, 0, SCHEMA)  # the filter needs the derived column
    assert caught.value.column == "alt2"
    with pytest.raises(ContractError, match="no action 3; the contract has 2"):
        remove_action(contract, 2)
    with pytest.raises(ContractError, match="unknown action"):
        add_action(contract, {"action": "shell", "command": "rm -rf /"})
    with pytest.raises(ContractError):
        move_action(contract, 1, 0, SCHEMA)  # the filter would come before the column exists
    assert contract == frozen


def test_columns_at_an_index_sees_only_earlier_actions() -> None:
    contract = add_action(empty_contract(), {"action": "drop_columns", "columns": ["speed"]}, SCHEMA)
    assert "speed" in columns_at(contract, SCHEMA, 0)
    assert "speed" not in columns_at(contract, SCHEMA, 1)
