"""Stage tables rendered straight to TOML text, as tomlkit would write them, for bulk appends.

Building one tomlkit item per key costs about a millisecond a stage (a 20,000-cell notebook import
spent 20 s there); plain strings, numbers and booleans are rendered here instead, and anything else
is handed to tomlkit.  Callers re-read the result with ``tomllib`` and compare it with what they
meant to write, so a rendering slip can never reach the file unnoticed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from .toml_values import inline_item

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_SHORT_ESCAPES = {"\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r", '"': '\\"', "\\": "\\\\"}
# Control characters TOML forbids raw in basic strings (all below 0x20, and DEL), quotes and backslashes.
_BASIC_SPECIAL = re.compile(r'[\x00-\x1f"\\\x7f]')
# In multi-line strings a newline stays literal and a third quote in a row is escaped.  A carriage
# return is always escaped: TOML readers turn a literal CRLF into a bare newline.
_MULTILINE_SPECIAL = re.compile(r'[\x00-\x09\x0b-\x1f\\\x7f]|(?<="")"')


def _escape(match: re.Match[str]) -> str:
    char = match.group(0)
    return _SHORT_ESCAPES.get(char) or f"\\u{ord(char):04x}"


def render_key(key: str) -> str:
    """A key bare when TOML allows it, else as a basic string."""
    return key if _BARE_KEY.fullmatch(key) else render_string(key)


def render_string(value: str) -> str:
    """A TOML string; values holding newlines are multi-line so code stays readable in the file."""
    if "\n" not in value:
        return '"' + _BASIC_SPECIAL.sub(_escape, value) + '"'
    body = _MULTILINE_SPECIAL.sub(_escape, value)
    # TOML drops a newline right after the opening quotes, so a leading one is written twice.
    return '"""' + ("\n" if body.startswith("\n") else "") + body + '"""'


def is_simple(value: Any) -> bool:
    """True for the values written here without a sub-table: anything but a mapping (or one nested)."""
    if isinstance(value, Mapping):
        return False
    if isinstance(value, list | tuple):
        return all(is_simple(inner) for inner in value)
    return True


def render_value(value: Any) -> str:
    """One value of a stage key (``is_simple`` values only)."""
    if isinstance(value, str):
        return render_string(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    # Floats (inf, nan, exponents), dates and arrays: tomlkit already writes these correctly.
    return str(inline_item(list(value) if isinstance(value, tuple) else value).as_string())


def render_stage(header: str, stage: Mapping[str, Any]) -> str:
    """``header`` (e.g. ``[[module]]``), one line per non-None key, then a blank line."""
    lines = [header]
    lines.extend(f"{render_key(str(key))} = {render_value(value)}"
                 for key, value in stage.items() if value is not None)
    return "\n".join(lines) + "\n\n"
