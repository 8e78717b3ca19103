"""What a finished RUN produced, shown in the Run section: the reduce summary's key figures and the outputs.

The figures come from the merged reduce artefact's payload (AGILab's keys, so some carry a unit only in
their suffix: the labels here say it). Enter on an output, or the page's ctrl+t, opens it in ANALYSIS.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable, Static

MAX_OUTPUTS = 500
"""Outputs counted and listed; a run with more says how many were left out."""

UNITS = {"speed_sum_m": "m/s", "mean_speed_m": "m/s", "max_speed_m": "m/s", "distance_sum_m": "m"}
"""AGILab's flight payload keys keep their names for compatibility; their unit is spelled out here."""


def unit_of(key: str) -> str:
    if key in UNITS:
        return UNITS[key]
    for suffix, unit in (("_mps", "m/s"), ("_seconds", "s"), ("_s", "s"), ("_km", "km"), ("_m", "m"), ("_kb", "KB")):
        if key.endswith(suffix):
            return unit
    return ""


def key_figures(reduce: dict[str, Any] | None) -> list[tuple[str, str]]:
    """(label, value) for every scalar number of the reduce payload, with its unit; lists are counted elsewhere."""
    payload = (reduce or {}).get("payload") or {}
    figures: list[tuple[str, str]] = []
    for key, value in payload.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            continue
        unit = unit_of(key)
        text = f"{value:,}" if isinstance(value, int) else f"{value:,.3f}"
        figures.append((key, f"{text} {unit}".strip()))
    return figures


def count_rows(outputs: list[str]) -> list[tuple[str, int | None, str]]:
    """(path, rows or None, error) per output (runs in a thread: parquet footers, CSV line index)."""
    from engine.table_source import open_table

    counted: list[tuple[str, int | None, str]] = []
    for output in outputs[:MAX_OUTPUTS]:
        try:
            counted.append((output, int(open_table(Path(output)).row_count), ""))
        except Exception as exc:  # a file the run listed but that cannot be read: say why, keep the rest
            counted.append((output, None, f"{type(exc).__name__}: {exc}"))
    return counted


class RunResult(Vertical):
    """Key figures and the outputs table of the last run; empty until a run finishes."""

    DEFAULT_CSS = """
    RunResult {
        height: auto;
        display: none;
        &.-shown { display: block; }
        #run-figures { height: auto; padding: 0 1; }
        #run-outputs { height: auto; max-height: 12; }
    }
    """
    @dataclass
    class OpenRequested(Message):
        """Open ``path`` in ANALYSIS."""

        path: str

    def compose(self) -> ComposeResult:
        yield Static("", id="run-figures")
        table: DataTable[str] = DataTable(id="run-outputs", cursor_type="row", zebra_stripes=True)
        table.add_columns("output", "rows")
        yield table

    def show_figures(self, result: dict[str, Any]) -> None:
        figures = key_figures(result.get("reduce"))
        width = max((len(label) for label, _ in figures), default=0)
        lines = [f"{label:<{width}}  {value}" for label, value in figures]
        self.query_one("#run-figures", Static).update("\n".join(lines) or "no reduce summary")
        self.set_class(True, "-shown")

    def show_outputs(self, counted: list[tuple[str, int | None, str]], total: int, redact: Any = str) -> None:
        table = self.query_one("#run-outputs", DataTable)
        table.clear()
        for path, rows, error in counted:
            table.add_row(redact(Path(path).name), f"{rows:,}" if rows is not None else f"✗ {error}", key=path)
        if total > len(counted):
            table.add_row(f"… {total - len(counted)} more", "", key="")
        self.set_class(True, "-shown")

    def highlighted_path(self) -> str | None:
        table = self.query_one("#run-outputs", DataTable)
        if table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return key or None

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value:
            self.post_message(self.OpenRequested(event.row_key.value))
