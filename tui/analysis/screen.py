"""ANALYSIS: dataframe explorer, plots, benchmark chart, evidence (reduce artefacts, manifests) and MLflow runs.

A section list on the left switches the section; handlers live in
:class:`~tui.analysis.actions.AnalysisActions`. This file holds layout, keys and palette commands.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import ContentSwitcher, OptionList, Static
from textual.widgets.option_list import Option
from textual_plotext import PlotextPlot

from tui.analysis.actions import AnalysisActions
from tui.analysis.evidence import EvidencePanel
from tui.analysis.explorer import Explorer
from tui.analysis.plots import PlotPanel
from tui.analysis.records import RecordsPanel
from tui.analysis.runs import RunsPanel
from tui.page import PaletteCommand, focus_first_in, focus_now

SECTIONS = (("explorer", "Explorer"), ("plot", "Plot"), ("benchmark", "Benchmark"), ("evidence", "Evidence"),
            ("records", "Runs"), ("runs", "MLflow"))


class AnalysisView(AnalysisActions):
    """The ANALYSIS page of the active app."""

    TAB_ID = "analysis"
    DEFAULT_CSS = """
    AnalysisView {
        #analysis-main { height: 1fr; }
        #analysis-sections { width: 15; height: 1fr; border: round $panel; &:focus { border: round $primary; } }
        #analysis-switcher { width: 1fr; height: 1fr; }
        #benchmark { height: 1fr; & > PlotextPlot { height: 1fr; } & > Static { height: auto; padding: 0 1; } }
    }
    """
    BINDINGS = [
        Binding("slash", "filter", "Filter", id="analysis.filter", tooltip="Filter the rows (pandas query syntax)"),
        Binding("s", "sort", "Sort", id="analysis.sort", tooltip="Sort by a column (again: descending)"),
        Binding("t", "stats", "Stats", id="analysis.stats", tooltip="Statistics of one column"),
        Binding("f5", "refresh", "Refresh", id="analysis.refresh", tooltip="Re-read outputs, evidence and runs"),
        Binding("b", "mark('baseline')", "Baseline", show=False, id="analysis.baseline",
                tooltip="Mark the highlighted evidence file or run as the baseline"),
        Binding("c", "mark('candidate')", "Candidate", show=False, id="analysis.candidate",
                tooltip="Mark the highlighted evidence file or run as the candidate (compares with the baseline)"),
        Binding("u", "mlflow_ui", "MLflow UI", show=False, id="analysis.mlflow-ui",
                tooltip="Start or stop the MLflow UI on 127.0.0.1 (shows the URL to forward)"),
    ]

    def compose(self) -> ComposeResult:
        with Horizontal(id="analysis-main"):
            yield OptionList(*[Option(label, id=key) for key, label in SECTIONS], id="analysis-sections")
            with ContentSwitcher(initial="explorer", id="analysis-switcher"):
                yield Explorer(id="explorer")
                yield PlotPanel(id="plot")
                with Vertical(id="benchmark"):
                    yield PlotextPlot(id="benchmark-chart")
                    yield Static("", id="benchmark-note")
                yield EvidencePanel(id="evidence")
                yield RecordsPanel(id="records")
                yield RunsPanel(id="runs")

    def on_mount(self) -> None:
        self.query_one("#analysis-sections", OptionList).highlighted = 0
        self.reload()

    def focus_first(self) -> None:
        focus_now(self.query_one("#analysis-sections", OptionList))

    @on(OptionList.OptionHighlighted, "#analysis-sections")
    def _section_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option.id:
            self.query_one("#analysis-switcher", ContentSwitcher).current = event.option.id

    @on(OptionList.OptionSelected, "#analysis-sections")
    def _section_selected(self, event: OptionList.OptionSelected) -> None:
        focus_first_in(self.query_one(f"#{event.option.id}"))

    def action_refresh(self) -> None:
        self.reload()

    def action_mark(self, role: str) -> None:
        self.mark(role)

    def palette_commands(self) -> list[PaletteCommand]:
        commands = [
            PaletteCommand("analysis: filter rows", "Filter the explorer with a pandas query", self.action_filter),
            PaletteCommand("analysis: sort rows", "Sort the explorer by a column", self.action_sort),
            PaletteCommand("analysis: column statistics", "Statistics of one column", self.action_stats),
            PaletteCommand("analysis: show benchmark", "Seconds per mode from benchmark.json",
                           lambda: self.show_section("benchmark")),
            PaletteCommand("analysis: show evidence", "Reduce artefacts, run manifests and their comparison",
                           lambda: self.show_section("evidence")),
            PaletteCommand("analysis: mark baseline", "Mark the highlighted evidence file or run",
                           lambda: self.mark("baseline")),
            PaletteCommand("analysis: mark candidate", "Mark the highlighted evidence file or run and compare",
                           lambda: self.mark("candidate")),
            PaletteCommand("analysis: show MLflow runs", "Runs of the workspace MLflow store",
                           lambda: self.show_section("runs")),
            PaletteCommand("analysis: toggle MLflow UI", "Start or stop mlflow server on 127.0.0.1",
                           self.action_mlflow_ui),
            PaletteCommand("analysis: refresh", "Re-read outputs, evidence and runs", self.action_refresh),
            *self.query_one(RecordsPanel).palette_commands(lambda: self.show_section("records")),
        ]
        for kind in ("line", "scatter", "histogram", "bar"):
            commands.append(PaletteCommand(f"analysis: plot {kind}", f"Draw a {kind} of the chosen columns",
                                           lambda kind=kind: self.plot(kind)))
        return commands
