"""Prompt text: every action and its keys, the schema as valid JSON, the request last."""

from __future__ import annotations

import json

import pandas as pd

from engine.assistant.catalog import ACTION_CATALOG
from engine.assistant.prompts import SAFE_ACTIONS_INSTRUCTIONS, safe_actions_input
from engine.assistant.schema import dataframe_schema_for_prompt


def schema_json(prompt: str) -> dict:
    start = prompt.index("DataFrame schema (JSON):\n") + len("DataFrame schema (JSON):\n")
    end = prompt.index("\n]}", start) + 3
    return json.loads(prompt[start:end])


def test_input_lists_every_action_with_its_keys_then_schema_then_request() -> None:
    df = pd.DataFrame({"speed": [1.0], 'odd "name"': ["x"]})
    prompt = safe_actions_input("  keep the fast ones \n", dataframe_schema_for_prompt(df))
    for spec in ACTION_CATALOG:
        line = next(text for text in prompt.splitlines() if text.startswith(f"- {spec.name}:"))
        for field in spec.fields:
            assert field.name in line
        for field in spec.fields:
            if not field.required:
                assert f"{field.name}{' (' + '|'.join(field.choices) + ')' if field.choices else ''} optional" in line
    assert schema_json(prompt)["columns"] == [{"name": "speed", "dtype": "float64"},
                                              {"name": 'odd "name"', "dtype": str(df['odd "name"'].dtype)}]
    assert prompt.endswith("User request:\nkeep the fast ones")
    assert prompt.index("Supported actions") < prompt.index("DataFrame schema") < prompt.index("User request")


def test_truncated_schema_says_so() -> None:
    wide = pd.DataFrame({f"c{i}": [0] for i in range(90)})
    prompt = safe_actions_input("q", dataframe_schema_for_prompt(wide))
    assert len(schema_json(prompt)["columns"]) == 80
    assert "(only the first 80 of 90 columns shown)" in prompt


def test_without_a_dataframe_the_prompt_says_so() -> None:
    assert "No dataframe is loaded" in safe_actions_input("q", None)


def test_instructions_fix_the_contract_shape() -> None:
    assert '"schema_version": 1' in SAFE_ACTIONS_INSTRUCTIONS
    assert "agilab.generated_dataframe_actions" in SAFE_ACTIONS_INSTRUCTIONS
    assert "Return ONLY one JSON object" in SAFE_ACTIONS_INSTRUCTIONS
