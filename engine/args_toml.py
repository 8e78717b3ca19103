"""``[args]`` edited as TOML text (apps without an ``Args`` model, or before INSTALL): parsed and checked."""

from __future__ import annotations

from typing import Any

import tomlkit
from tomlkit.exceptions import ParseError

from .errors import SettingsError


def args_as_toml(values: dict[str, Any]) -> str:
    """The body of an ``[args]`` table (no header), as the editor shows it."""
    return tomlkit.dumps({k: v for k, v in values.items() if v is not None})


def parse_args_toml(text: str, label: str) -> dict[str, Any]:
    """Parse the body of ``[args]``; a syntax error or a nested table names the line/key."""
    try:
        document = tomlkit.parse(text)
    except ParseError as exc:
        raise SettingsError(label, f"invalid TOML: {exc}", line=exc.line) from exc
    values = document.unwrap()
    if list(values) == ["args"] and isinstance(values["args"], dict):
        values = values["args"]  # the text was pasted with its [args] header
    for key, value in values.items():
        if isinstance(value, dict) and not value:
            raise SettingsError(label, "an empty table is not an argument value", key=f"args.{key}")
    return values
