"""Terminal plots (textual-plotext): the explorer's chart with its kind/x/y choosers, and plain charts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Select, Static
from textual_plotext import PlotextPlot

if TYPE_CHECKING:
    from engine.analysis import PlotSeries

KINDS = ("line", "scatter", "histogram", "bar")


def draw(plot: PlotextPlot, series: PlotSeries) -> None:
    """Replace what ``plot`` shows by ``series`` (bars get string labels, histograms numeric centres)."""
    plt = plot.plt
    plt.clear_data()
    plt.clear_figure()
    if series.kind == "line":
        plt.plot(series.x, series.y, marker="braille")
    elif series.kind == "scatter":
        plt.scatter(series.x, series.y, marker="braille")
    elif series.kind == "histogram":
        plt.bar([f"{v:.3g}" for v in series.x], series.y, width=1)
    else:
        plt.bar([str(v) for v in series.x], series.y)
    plt.title(series.title)
    plt.xlabel(series.x_label)
    plt.ylabel(series.y_label)
    plot.refresh()


class PlotPanel(Vertical):
    """Kind, x and y choosers over one PlotextPlot; changing any of them posts :class:`PlotPanel.Requested`."""

    DEFAULT_CSS = """
    PlotPanel {
        height: 1fr;
        & > Horizontal { height: 1; }
        & Select { width: 1fr; }
        & > PlotextPlot { height: 1fr; }
        & > #plot-status { height: auto; max-height: 2; padding: 0 1; color: $text-muted; }
        & > #plot-status.-error { color: $error; text-style: bold; }
    }
    """

    @dataclass
    class Requested(Message):
        """Draw ``kind`` of ``x`` (and ``y``) from the explorer's current rows."""

        kind: str
        x: str
        y: str | None

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield Select([(k, k) for k in KINDS], value="histogram", allow_blank=False, compact=True, id="plot-kind")
            yield Select([], prompt="x column", compact=True, id="plot-x")
            yield Select([], prompt="y column", compact=True, id="plot-y")
        yield PlotextPlot(id="plot-chart")
        yield Static("Open a table in the explorer, then choose the columns", id="plot-status")

    def set_columns(self, columns: list[str], table: str = "") -> None:
        """Offer ``columns`` of the table just opened (``table`` names it in the status line)."""
        for select_id in ("#plot-x", "#plot-y"):
            select = self.query_one(select_id, Select)
            kept = select.value if select.value in columns else None
            with self.prevent(Select.Changed):
                select.set_options([(c, c) for c in columns])
                if kept is not None:
                    select.value = kept
        self.set_status(f"{table}: choose the x column (and y for line, scatter, bar)" if table
                        else "Choose the x column (and y for line, scatter, bar)")
        if any(self.query_one(s, Select).value in columns for s in ("#plot-x",)):
            self.request()  # the same columns on a rewritten file: draw again

    def choose(self, kind: str, x: str | None = None, y: str | None = None) -> None:
        """Set the choosers (as palette commands do) and request the plot."""
        self.query_one("#plot-kind", Select).value = kind
        if x is not None:
            self.query_one("#plot-x", Select).value = x
        if y is not None:
            self.query_one("#plot-y", Select).value = y
        self.request()

    @on(Select.Changed)
    def _changed(self, event: Select.Changed) -> None:
        event.stop()
        self.request()

    def request(self) -> None:
        kind = self.query_one("#plot-kind", Select).value
        x = self.query_one("#plot-x", Select).value
        y = self.query_one("#plot-y", Select).value
        if isinstance(kind, str) and isinstance(x, str):
            self.post_message(self.Requested(kind, x, y if isinstance(y, str) else None))

    def show(self, series: PlotSeries) -> None:
        draw(self.query_one("#plot-chart", PlotextPlot), series)
        self.set_status(series.title)

    def set_status(self, text: str, *, error: bool = False) -> None:
        status = self.query_one("#plot-status", Static)
        status.update(self.app.redact(text))
        status.set_class(error, "-error")
