"""The action sections of ORCHESTRATE (install, args, distribute, run, benchmark, notebook).

Sections only compose widgets and expose small ``show_*`` methods; the page (``OrchestrateView``)
reacts to their buttons, calls the engine and routes results back, so every engine call has one owner.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, SelectionList, Static

from tui.orchestrate.benchmark_panel import BenchmarkPanel
from tui.orchestrate.run_result import RunResult
from tui.orchestrate.workers_table import ClusterWorkersTable
from tui.orchestrate.workplan import WorkplanView
from tui.widgets.args_form import ArgsForm

SECTIONS = (("system", "System"), ("hosts", "Hosts"), ("install", "Install"), ("args", "Args"),
            ("distribute", "Distribute"), ("run", "Run"), ("benchmark", "Benchmark"), ("service", "Service"),
            ("notebook", "Notebook"), ("data", "Data"))
"""ORCHESTRATE's sections in list order: (widget id, label)."""

# SnippetPanel is imported in the compose methods below: it pulls in pygments, and these sections are
# mounted after the first frame, so startup does not pay for it.


class Section(Vertical):
    """A titled block of one ORCHESTRATE step with a status line."""

    TITLE = ""
    HELP = ""

    def __init__(self, *, id: str | None = None):
        super().__init__(id=id, classes="section")
        self.border_title = self.TITLE

    def compose_help(self) -> ComposeResult:
        yield Static(self.HELP, classes="section-help")

    def set_status(self, text: str, *, ok: bool | None = None) -> None:
        """Update the section's status line; ``ok`` colours it (None: neutral)."""
        status = self.query_one(".status-text", Static)
        status.update(text)
        status.set_class(ok is True, "-ok")
        status.set_class(ok is False, "-error")


class InstallSection(Section):
    TITLE = "Install"
    HELP = "Creates the worker environment (uv) and checks that the worker imports. Runs need it."

    def compose(self) -> ComposeResult:
        yield from self.compose_help()
        with Horizontal(classes="buttons"):
            yield Button("INSTALL", id="btn-install", variant="primary", compact=True)
        yield Static("", classes="status-text", id="install-status")
        from tui.orchestrate.snippet_panel import SnippetPanel

        yield SnippetPanel("install", id="snippet-install")


class ArgsSection(Section):
    TITLE = "Args"
    HELP = "Run arguments from the app's model; saved to [args]. ctrl+s saves."

    def compose(self) -> ComposeResult:
        with Horizontal(classes="buttons"):
            yield Button("SAVE ARGS", id="btn-save-args", variant="primary", compact=True)
            yield Static("", classes="status-text", id="args-status")
        yield ArgsForm(id="args-form")


class DistributeSection(Section):
    TITLE = "Distribute"
    HELP = "CHECK DISTRIBUTE builds the work plan; m moves a partition, ctrl+s saves the plan."

    def compose(self) -> ComposeResult:
        with Horizontal(classes="buttons"):
            yield Button("CHECK DISTRIBUTE", id="btn-distribute", variant="primary", compact=True)
            yield Button("SAVE PLAN", id="btn-save-plan", disabled=True, compact=True)
        yield Static("", classes="status-text", id="distribute-status")
        yield WorkplanView(id="workplan")
        from tui.orchestrate.snippet_panel import SnippetPanel

        yield SnippetPanel("distribute", id="snippet-distribute")


class RunSection(Section):
    TITLE = "Run"
    HELP = "RUN executes the app in the current mode; Esc or CANCEL stops it (its processes die)."

    def compose(self) -> ComposeResult:
        with Horizontal(classes="buttons"):
            yield Button("RUN", id="btn-run", variant="success", disabled=True, compact=True)
            yield Button("CANCEL", id="btn-cancel", variant="error", disabled=True, compact=True)
        yield Static("", classes="status-text", id="run-status")
        yield RunResult(id="run-result")
        yield ClusterWorkersTable(id="cluster-workers")
        from tui.orchestrate.snippet_panel import SnippetPanel

        yield SnippetPanel("run", id="snippet-run")

    def set_enabled(self, installed: bool, running: bool, reason: str) -> None:
        self.query_one("#btn-run", Button).disabled = running or not installed
        self.query_one("#btn-cancel", Button).disabled = not running
        if not installed and not running:
            self.set_status(reason or "install first", ok=False)


class BenchmarkSection(Section):
    TITLE = "Benchmark"
    HELP = "Space toggles a mode; BENCHMARK runs the chosen modes in turn and writes benchmark.json."

    def compose(self) -> ComposeResult:
        from engine.modes import MODE_LABELS

        with Horizontal(classes="buttons"):
            yield Button("BENCHMARK", id="btn-benchmark", variant="primary", disabled=True, compact=True)
            yield Static("", classes="status-text", id="benchmark-status")
        with Horizontal(id="benchmark-body"):
            # Modes 0-7 as AGILab's default benchmark range; RAPIDS modes need a GPU host.
            yield SelectionList[int](*[(MODE_LABELS[m], m, m in (0, 1)) for m in range(8)], id="benchmark-modes")
            yield BenchmarkPanel(show_seconds=not getattr(self.app, "test_mode", False), id="benchmark-panel")

    def chosen_modes(self) -> list[int]:
        return sorted(self.query_one("#benchmark-modes", SelectionList).selected)


class NotebookSection(Section):
    TITLE = "Notebook"
    HELP = "Exports the install, distribute and run snippets as <app>_orchestrate.ipynb (export only)."

    def compose(self) -> ComposeResult:
        yield from self.compose_help()
        with Horizontal(classes="buttons"):
            yield Button("EXPORT NOTEBOOK", id="btn-notebook", variant="primary", compact=True)
        yield Static("", classes="status-text", id="notebook-status")


def summarize_run(result: dict[str, Any]) -> str:
    """One line about a finished run (no durations: the op status line shows those)."""
    outputs = result.get("outputs") or []
    return f"✓ {result.get('label', 'run')} · {len(outputs)} output file(s) · enter or ctrl+t opens one in ANALYSIS"
