"""Conversions between plain Python values and tomlkit items that keep stage files readable."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import tomlkit
from tomlkit.items import Item


def plain(value: Any) -> Any:
    """A tomlkit value (or container) as plain Python: dicts, lists, str, int, float, bool, dates."""
    unwrap = getattr(value, "unwrap", None)
    return unwrap() if callable(unwrap) else value


def inline_item(value: Any) -> Any:
    """A value for use inside an inline table or array: tables become inline tables, recursively."""
    if isinstance(value, Mapping):
        table = tomlkit.inline_table()
        for key, inner in value.items():
            table.append(str(key), inline_item(inner))
        return table
    if isinstance(value, list | tuple):
        array = tomlkit.array()
        for inner in value:
            array.append(inline_item(inner))
        return array
    if value is None:
        raise ValueError("TOML has no null value; leave the key out instead")
    return tomlkit.item(value)


def table_item(value: Any) -> Any:
    """A value for a key of a standard table: multi-line strings stay multi-line so code reads as code."""
    if isinstance(value, str) and "\n" in value:
        return tomlkit.string(value, multiline=True)
    if isinstance(value, Mapping):
        table = tomlkit.table()
        for key, inner in value.items():
            table.append(str(key), table_item(inner))
        return table
    if isinstance(value, list | tuple):
        # Arrays of tables inside a stage would turn into [[module.key]] headers; inline reads better.
        return inline_item(value)
    if value is None:
        raise ValueError("TOML has no null value; leave the key out instead")
    return tomlkit.item(value)


def new_table(stage: Mapping[str, Any], *, inline: bool) -> Item:
    """A fresh stage table (inline for ``module = [ {...} ]`` files, standard for ``[[module]]`` ones)."""
    present = {key: value for key, value in stage.items() if value is not None}
    if inline:
        return inline_item(present)  # type: ignore[no-any-return]
    table = tomlkit.table()
    for key, value in present.items():
        table.append(str(key), table_item(value))
    return table


def int_array(values: list[int]) -> Any:
    """A TOML array of integers built in one parse: appending item by item re-indexes the whole
    array each time in tomlkit, which made a 20,000-entry run order quadratic."""
    return tomlkit.array("[" + ", ".join(str(int(v)) for v in values) + "]")
