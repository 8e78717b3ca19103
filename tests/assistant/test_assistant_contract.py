"""Parsing model answers and validating contracts: clear errors naming the action, key and column."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest

from engine.assistant import (
    ContractError,
    ContractParseError,
    contract_sha256,
    dataframe_schema_sha256,
    parse_contract_text,
    stage_fields_for_contract,
    summarize_contract,
    validate_contract,
)
from engine.assistant.safe_actions import KIND

SCHEMA = {"speed": "float64", "alt": "int64", "callsign": "str"}
GOOD = {
    "schema_version": 1,
    "kind": KIND,
    "actions": [{"action": "filter_rows", "column": "speed", "operator": "gt", "value": 3}],
    "notes": "fast",
}


def with_actions(*actions: Any) -> dict[str, Any]:
    return {**GOOD, "actions": list(actions)}


def error_of(payload: Any, schema: dict[str, str] | None = SCHEMA) -> ContractError:
    with pytest.raises(ContractError) as caught:
        validate_contract(payload, schema)
    return caught.value


# --- parsing ---------------------------------------------------------------------------------


def test_parse_bare_json() -> None:
    assert parse_contract_text(json.dumps(GOOD)) == GOOD


def test_parse_fenced_json_with_prose_around() -> None:
    text = "Sure! Here it is:\n```json\n" + json.dumps(GOOD, indent=2) + "\n```\nLet me know."
    assert parse_contract_text(text) == GOOD


def test_parse_unlabelled_fence() -> None:
    assert parse_contract_text("```\n" + json.dumps(GOOD) + "\n```") == GOOD


def test_parse_first_balanced_object_in_prose_skipping_non_json_braces() -> None:
    inner = {**GOOD, "notes": "braces } and { inside strings"}
    text = "I considered {speed} first. Result: " + json.dumps(inner) + " and then {\"other\": 1}."
    assert parse_contract_text(text) == inner


@pytest.mark.parametrize("text", ["", "   \n", "no json here at all"])
def test_parse_without_any_object_fails_clearly(text: str) -> None:
    with pytest.raises(ContractParseError, match="empty|no JSON object"):
        parse_contract_text(text)


def test_parse_truncated_json_reports_the_decode_error() -> None:
    with pytest.raises(ContractParseError, match="no valid JSON object") as caught:
        parse_contract_text('{"schema_version": 1, "actions": [')
    assert "line 1" in str(caught.value)


def test_parse_rejects_a_json_list() -> None:
    with pytest.raises(ContractParseError, match="list, not an object"):
        parse_contract_text("[1, 2]")


# --- validation: the contract envelope ----------------------------------------------------------


def test_valid_contract_round_trips_to_the_same_payload() -> None:
    assert validate_contract(GOOD, SCHEMA).payload() == GOOD


@pytest.mark.parametrize(("change", "key", "fragment"), [
    ({"schema_version": 2}, "schema_version", "must be 1, got 2"),
    ({"schema_version": True}, "schema_version", "must be 1, got true"),
    ({"schema_version": "1"}, "schema_version", 'got "1"'),
    ({"kind": "something.else"}, "kind", "agilab.generated_dataframe_actions"),
    ({"actions": {"action": "drop_missing"}}, "actions", "list of action objects"),
    ({"notes": 3}, "notes", "must be a string"),
    ({"extra": 1}, "extra", "not part of the contract"),
])
def test_envelope_errors_name_the_key(change: dict[str, Any], key: str, fragment: str) -> None:
    error = error_of({**GOOD, **change})
    assert error.key == key and error.action_index is None
    assert fragment in str(error)


def test_non_object_contract_is_refused() -> None:
    assert "JSON object" in str(error_of(["not", "a", "dict"]))


# --- validation: actions ----------------------------------------------------------------------


@pytest.mark.parametrize(("action", "key", "fragment"), [
    ({"action": "exec_python", "code": "1"}, "action", "unknown action \"exec_python\""),
    ({"columns": ["speed"]}, "action", "unknown action missing"),
    ({"action": ["select_columns"], "columns": ["speed"]}, "action", 'unknown action ["select_columns"]'),
    ("drop_missing", None, "must be a JSON object"),
    ({"action": "select_columns", "columns": ["speed"], "where": "x"}, "where", "not allowed for select_columns"),
    ({"action": "select_columns"}, "columns", "missing required key"),
    ({"action": "select_columns", "columns": []}, "columns", "non-empty list of column names"),
    ({"action": "select_columns", "columns": "speed"}, "columns", "non-empty list"),
    ({"action": "select_columns", "columns": ["speed", "speed"]}, "columns", "more than once"),
    ({"action": "select_columns", "columns": ["  "]}, "columns", "non-empty list"),
    ({"action": "rename_columns", "mapping": {}}, "mapping", "non-empty object"),
    ({"action": "rename_columns", "mapping": {"speed": "v", "alt": "v"}}, "mapping", "same name"),
    ({"action": "filter_rows", "column": "speed", "operator": "between", "value": 1}, "operator", "one of eq"),
    ({"action": "filter_rows", "column": "speed", "operator": "gt"}, "value", "missing required key"),
    ({"action": "filter_rows", "column": "speed", "operator": "gt", "value": None}, "value", "string, number"),
    ({"action": "filter_rows", "column": "speed", "operator": "gt", "value": [1]}, "value", "single value"),
    ({"action": "filter_rows", "column": "speed", "operator": "gt", "value": True}, "value", "number or a string"),
    ({"action": "filter_rows", "column": "speed", "operator": "isin", "value": 1}, "value", "non-empty list"),
    ({"action": "filter_rows", "column": "speed", "operator": "isin", "value": []}, "value", "non-empty list"),
    ({"action": "filter_rows", "column": "callsign", "operator": "contains", "value": 5}, "value", "non-empty string"),
    ({"action": "filter_rows", "column": "speed", "operator": "gt", "value": float("nan")}, "value", "string, number"),
    ({"action": "derive_column", "input": "speed", "output": "v", "transform": "add"}, "value", "missing required"),
    ({"action": "derive_column", "input": "speed", "output": "v", "transform": "add", "value": None}, "value",
     "must be a number for transform add"),
    ({"action": "derive_column", "input": "speed", "output": "v", "transform": "abs", "value": 2}, "value",
     "must be null for transform abs"),
    ({"action": "derive_column", "input": "speed", "output": "v", "transform": "divide", "value": 0}, "value",
     "not be zero"),
    ({"action": "derive_column", "input": "speed", "output": "v", "transform": "log", "value": None}, "transform",
     "one of copy"),
    ({"action": "fill_missing", "columns": ["speed"], "value": [0]}, "value", "string, number or boolean"),
    ({"action": "drop_missing", "columns": None, "how": "any"}, "how", "allowed: action, columns"),
    ({"action": "sort_rows", "columns": ["speed"]}, "ascending", "missing required key"),
    ({"action": "sort_rows", "columns": ["speed"], "ascending": "yes"}, "ascending", "true or false"),
    ({"action": "groupby_aggregate", "by": ["callsign"], "aggregations": {"speed": "median"}}, "aggregations",
     "sum, mean, min, max, count"),
    ({"action": "groupby_aggregate", "by": ["callsign"], "aggregations": {"callsign": "count"}}, "aggregations",
     "both grouped and aggregated"),
    ({"action": "rolling_mean", "input": "speed", "output": "r", "window": 0}, "window", "positive integer"),
    ({"action": "rolling_mean", "input": "speed", "output": "r", "window": 2.5}, "window", "positive integer"),
    ({"action": "clip", "input": "speed"}, "lower", "at least one of lower and upper"),
    ({"action": "clip", "input": "speed", "lower": 5, "upper": 1}, "lower", "greater than upper"),
    ({"action": "clip", "input": "speed", "lower": "5"}, "lower", "finite number"),
])
def test_action_errors_name_the_index_and_key(action: dict[str, Any], key: str, fragment: str) -> None:
    error = error_of(with_actions(GOOD["actions"][0], action))
    assert error.action_index == 1
    assert error.key == key
    assert str(error).startswith("action 2")
    assert fragment in str(error), str(error)


def test_optional_keys_may_be_left_out_or_null() -> None:
    contract = with_actions(
        {"action": "drop_missing"},
        {"action": "clip", "input": "speed", "upper": 10},
        {"action": "clip", "input": "alt", "output": None, "lower": 0, "upper": None},
    )
    payload = validate_contract(contract, SCHEMA).payload()
    assert payload["actions"] == [
        {"action": "drop_missing"},
        {"action": "clip", "input": "speed", "upper": 10},
        {"action": "clip", "input": "alt", "lower": 0},
    ]


# --- validation against a dataframe schema ----------------------------------------------------------


@pytest.mark.parametrize(("action", "column"), [
    ({"action": "select_columns", "columns": ["speed", "heading"]}, "heading"),
    ({"action": "rename_columns", "mapping": {"altitude": "a"}}, "altitude"),
    ({"action": "filter_rows", "column": "Speed", "operator": "gt", "value": 1}, "Speed"),
    ({"action": "groupby_aggregate", "by": ["callsign"], "aggregations": {"fuel": "sum"}}, "fuel"),
    ({"action": "drop_missing", "columns": ["gate"]}, "gate"),
])
def test_unknown_columns_are_named(action: dict[str, Any], column: str) -> None:
    error = error_of(with_actions(action))
    assert error.column == column and error.action_index == 0
    assert f"unknown column '{column}'" in str(error)
    validate_contract(with_actions(action), None)  # without a schema, columns are not checked


def test_columns_follow_earlier_actions() -> None:
    derive = {"action": "derive_column", "input": "alt", "output": "alt_m", "transform": "multiply", "value": 0.3}
    use_new = {"action": "filter_rows", "column": "alt_m", "operator": "gt", "value": 100}
    validate_contract(with_actions(derive, use_new), SCHEMA)

    drop = {"action": "drop_columns", "columns": ["speed"]}
    error = error_of(with_actions(drop, {"action": "sort_rows", "columns": ["speed"], "ascending": True}))
    assert (error.action_index, error.column) == (1, "speed")

    rename = {"action": "rename_columns", "mapping": {"alt": "altitude"}}
    error = error_of(with_actions(rename, {"action": "clip", "input": "alt", "lower": 0}))
    assert (error.action_index, error.column) == (1, "alt")

    grouped = {"action": "groupby_aggregate", "by": ["callsign"], "aggregations": {"speed": "mean"}}
    error = error_of(with_actions(grouped, {"action": "drop_missing", "columns": ["alt"]}))
    assert (error.action_index, error.column) == (1, "alt")


@pytest.mark.parametrize(("action", "key", "fragment"), [
    ({"action": "rolling_mean", "input": "callsign", "output": "r", "window": 2}, "input", "not numeric"),
    ({"action": "derive_column", "input": "callsign", "output": "r", "transform": "abs", "value": None}, "input",
     "not numeric"),
    ({"action": "groupby_aggregate", "by": ["alt"], "aggregations": {"callsign": "mean"}}, "aggregations",
     "not numeric"),
    ({"action": "filter_rows", "column": "speed", "operator": "gt", "value": "fast"}, "value",
     "compare it with a number"),
    ({"action": "fill_missing", "columns": ["speed"], "value": "none"}, "value", "fill it with a number"),
    ({"action": "rename_columns", "mapping": {"alt": "speed"}}, "mapping", "second column named 'speed'"),
])
def test_dtype_and_collision_checks(action: dict[str, Any], key: str, fragment: str) -> None:
    error = error_of(with_actions(action))
    assert error.key == key and fragment in str(error), str(error)


def test_rename_swap_is_allowed() -> None:
    """Swapping two names is one simultaneous rename: valid, and the rendered stage really swaps the columns."""
    import pandas as pd

    from engine.assistant.reference import apply_contract
    from engine.assistant.render import render_contract

    contract = validate_contract(with_actions({"action": "rename_columns", "mapping": {"alt": "speed", "speed": "alt"}}),
                                 SCHEMA)
    assert contract.actions[0].mapping == {"alt": "speed", "speed": "alt"}
    frame = pd.DataFrame({"speed": [250.0], "alt": [9000], "callsign": ["A1"]})
    swapped = apply_contract(frame, contract)
    assert list(swapped.columns) == ["alt", "speed", "callsign"]
    assert swapped["alt"].tolist() == [250.0] and swapped["speed"].tolist() == [9000]
    namespace = {"df": frame.copy(), "pd": pd}
    exec(render_contract(contract), namespace)  # the code the stage would run
    assert namespace["df"].equals(swapped)


# --- hashes and stage fields -----------------------------------------------------------------


def test_contract_sha256_is_of_canonical_json_and_ignores_key_order() -> None:
    canonical = json.dumps(GOOD, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert contract_sha256(GOOD) == hashlib.sha256(canonical.encode()).hexdigest()
    shuffled = {"notes": "fast", "actions": [{"value": 3, "operator": "gt", "column": "speed",
                                              "action": "filter_rows"}], "kind": KIND, "schema_version": 1}
    assert contract_sha256(shuffled) == contract_sha256(GOOD)
    assert contract_sha256(with_actions()) != contract_sha256(GOOD)


def test_dataframe_schema_sha256_depends_on_names_dtypes_and_order() -> None:
    listing = [{"name": "speed", "dtype": "float64"}, {"name": "alt", "dtype": "int64"}]
    expected = hashlib.sha256(json.dumps(listing, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
    assert dataframe_schema_sha256({"speed": "float64", "alt": "int64"}) == expected
    assert dataframe_schema_sha256({"alt": "int64", "speed": "float64"}) != expected
    assert dataframe_schema_sha256({"speed": "float32", "alt": "int64"}) != expected
    assert dataframe_schema_sha256(None) == hashlib.sha256(b"[]").hexdigest()


def test_stage_fields_hold_the_contract_its_hash_and_the_code() -> None:
    fields = stage_fields_for_contract(GOOD, SCHEMA, "fast ones", "gpt-x")
    assert set(fields) == {"generation_mode", "action_contract", "action_contract_sha256", "dataframe_schema_sha256",
                           "C", "Q", "M", "template_id", "template_version", "kind"}
    assert json.loads(fields["action_contract"]) == GOOD
    assert fields["action_contract_sha256"] == hashlib.sha256(fields["action_contract"].encode()).hexdigest()
    assert fields["action_contract_sha256"] == contract_sha256(GOOD)
    assert fields["dataframe_schema_sha256"] == dataframe_schema_sha256(SCHEMA)
    assert "df = df.loc[df['speed'] > 3].copy()" in fields["C"]
    assert (fields["Q"], fields["M"], fields["generation_mode"]) == ("fast ones", "gpt-x", "safe_actions")


def test_stage_fields_refuse_an_invalid_contract() -> None:
    with pytest.raises(ContractError, match="unknown column 'heading'"):
        stage_fields_for_contract(with_actions({"action": "drop_columns", "columns": ["heading"]}), SCHEMA, "q", "m")


def test_summary_lists_actions() -> None:
    many = with_actions(*[{"action": "drop_missing"}] * 6)
    assert summarize_contract(many) == "Safe actions: drop missing, drop missing, drop missing, drop missing, +2 more"
    assert summarize_contract(with_actions()) == "fast"
