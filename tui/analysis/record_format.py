"""How run records' values read in the Runs table and the comparison screen (shared by both, so neither
module imports the other)."""

from __future__ import annotations

from typing import Any


def number(value: Any) -> str:
    """Numbers as the table and comparison show them: whole numbers with separators, else 6 digits."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return f"{value:,.0f}"
        return f"{value:,.0f}" if abs(value) >= 100_000 else f"{value:.6g}"
    return str(value)


def seconds(value: Any) -> str:
    """Durations to the hundredth of a second (whole seconds from 100 s on)."""
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return "-"
    return f"{value:.2f}" if value < 100 else f"{value:,.0f}"


def short_id(run_id: str) -> str:
    """``20261201T191655-3f2a9c`` -> ``3f2a9c``: the time is in its own column."""
    return run_id.rpartition("-")[2] or run_id


def when(started: str) -> str:
    """``2026-12-01T19:16:55+00:00`` -> ``12-01 19:16:55`` (UTC, as recorded)."""
    if len(started) >= 19 and started[10] == "T":
        return f"{started[5:10]} {started[11:19]}"
    return started or "-"
