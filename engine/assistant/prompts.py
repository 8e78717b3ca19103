"""Prompts sent to the Responses API: fixed instructions, the supported action list, the schema, the request."""

from __future__ import annotations

import json
from typing import Any

from .catalog import ACTION_CATALOG

SAFE_ACTIONS_INSTRUCTIONS = """\
You turn a request about a pandas DataFrame into a Safe Actions contract.
Return ONLY one JSON object, with no Python code and no prose, of exactly this shape:
{"schema_version": 1, "kind": "agilab.generated_dataframe_actions",
 "actions": [{"action": "select_columns", "columns": ["col_a", "col_b"]}],
 "notes": "one short sentence for the user"}
Use only the supported actions and exactly their keys; keys marked optional may be left out.
Refer only to columns of the schema, or to columns created by an earlier action.
Never include code, imports, shell commands, file paths, URLs or expressions.
If the request cannot be expressed with these actions, return an empty actions list and say why in notes."""

PYTHON_SNIPPET_INSTRUCTIONS = """\
You write a short Python snippet that transforms a pandas DataFrame already bound to the name df.
Leave the result in df. pandas is available as pd; import nothing else unless it is essential.
Do not read or write files, use the network, or start processes.
Return only the code, in a single ```python fenced block."""


def supported_actions_text() -> str:
    """One line per action with its keys, allowed values and optional markers, built from the catalog."""
    lines = []
    for spec in ACTION_CATALOG:
        keys = []
        for field in spec.fields:
            text = field.name
            if field.choices:
                text += f" ({'|'.join(field.choices)})"
            if not field.required:
                text += " optional"
            keys.append(text)
        lines.append(f"- {spec.name}: {', '.join(keys)} -- {spec.description}")
    lines.append("Notes: derive_column value is a number for add|subtract|multiply|divide and null for "
                 "copy|abs; filter_rows value is a list for isin; clip needs lower or upper.")
    return "\n".join(lines)


def _schema_text(prompt_schema: dict[str, Any] | None) -> str:
    if prompt_schema is None:
        return "No dataframe is loaded; use the column names given in the request."
    # One column per line keeps 80 columns readable and cheap in tokens, and the whole stays valid JSON.
    meta = {key: value for key, value in prompt_schema.items() if key != "columns"}
    rows = ",\n  ".join(json.dumps(column, ensure_ascii=False) for column in prompt_schema["columns"])
    text = json.dumps(meta, ensure_ascii=False)[:-1] + f', "columns": [\n  {rows}\n]}}'
    if prompt_schema.get("truncated"):
        text += f"\n(only the first {len(prompt_schema['columns'])} of {prompt_schema['column_count']} columns shown)"
    return text


def safe_actions_input(question: str, prompt_schema: dict[str, Any] | None) -> str:
    """The ``input`` of a Safe Actions request: action list, dataframe schema, then the user request."""
    return (
        f"Supported actions:\n{supported_actions_text()}\n\n"
        f"DataFrame schema (JSON):\n{_schema_text(prompt_schema)}\n\n"
        f"User request:\n{question.strip()}"
    )


def python_snippet_input(question: str, prompt_schema: dict[str, Any] | None) -> str:
    """The ``input`` of a Python snippet request: dataframe schema, then the user request."""
    return f"DataFrame schema (JSON):\n{_schema_text(prompt_schema)}\n\nUser request:\n{question.strip()}"
