"""``benchmark.json`` as a table (mode, token, seconds, order, delta) and a horizontal bar chart."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, Static

BAR_WIDTH = 30
COLUMNS = ("mode", "token", "variant", "seconds", "order", "delta", "delta %")


def sorted_rows(benchmark: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Entries ranked by ``order`` (fastest first), keyed by their mode string."""
    return sorted(benchmark.items(), key=lambda item: (item[1].get("order", 0), item[0]))


def delta_percent(entry: dict[str, Any], best: float) -> float:
    return 100.0 * float(entry.get("delta", 0.0)) / best if best > 0 else 0.0


def bar_chart(benchmark: dict[str, Any]) -> Text:
    """Seconds per mode as bars, the slowest ``BAR_WIDTH`` long, each at least one cell."""
    rows = sorted_rows(benchmark)
    slowest = max((float(e.get("seconds", 0.0)) for _, e in rows), default=0.0) or 1.0
    text = Text(no_wrap=True)
    for mode, entry in rows:
        seconds = float(entry.get("seconds", 0.0))
        filled = max(1, round(BAR_WIDTH * seconds / slowest))
        text.append(f"{mode:>3} {entry.get('mode', ''):<5} ")
        text.append("█" * filled, style="bold")
        text.append(f" {seconds:.2f} s\n")
    return text


class BenchmarkPanel(Vertical):
    """Table plus chart of one benchmark; ``show()`` replaces both."""

    DEFAULT_CSS = """
    BenchmarkPanel {
        height: auto;
        DataTable { height: auto; max-height: 10; }
        #bench-chart { height: auto; padding: 0 1; }
    }
    """

    def __init__(self, *, id: str | None = None):
        super().__init__(id=id)

    def compose(self) -> ComposeResult:
        table: DataTable[str] = DataTable(id="bench-table", cursor_type="row", zebra_stripes=True)
        table.add_columns(*COLUMNS)
        yield table
        yield Static("", id="bench-chart")

    def show(self, benchmark: dict[str, Any] | None) -> None:
        """Fill the table (row key = mode) and the chart; None shows an empty table."""
        table = self.query_one(DataTable)
        table.clear()
        chart = self.query_one("#bench-chart", Static)
        if not benchmark:
            chart.update("No benchmark yet: choose modes and press BENCHMARK.")
            return
        rows = sorted_rows(benchmark)
        best = min(float(e.get("seconds", 0.0)) for _, e in rows)
        for mode, entry in rows:
            # benchmark.json's own numbers: tests show them from a fixed file, never hidden.
            seconds = f"{float(entry.get('seconds', 0.0)):.3f}"
            delta = f"+{float(entry.get('delta', 0.0)):.3f}"
            percent = f"+{delta_percent(entry, best):.0f}%"
            table.add_row(mode, str(entry.get("mode", "")), str(entry.get("variant", "")), seconds,
                          str(entry.get("order", "")), delta, percent, key=mode)
        chart.update(bar_chart(benchmark))
