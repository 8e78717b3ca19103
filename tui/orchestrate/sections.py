"""The action sections of ORCHESTRATE (install, args, distribute, run, benchmark, notebook).

Sections only compose widgets and expose small ``show_*`` methods; the page (``OrchestrateView``)
reacts to their buttons, calls the engine and routes results back, so every engine call has one owner.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, SelectionList, Static
from textual.widgets.selection_list import Selection

# The widgets of the sections below are imported in their compose methods: the sections mount after the
# first frame (the System form too, first of them).
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
        if str(status.content) != text:  # an update relayouts the section: none when the text is the same
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
        from tui.widgets.args_form import ArgsForm
        with Horizontal(classes="buttons"):
            yield Button("SAVE ARGS", id="btn-save-args", variant="primary", compact=True)
            yield Static("", classes="status-text", id="args-status")
        yield ArgsForm(id="args-form")


class DistributeSection(Section):
    TITLE = "Distribute"
    HELP = "CHECK DISTRIBUTE builds the work plan; m moves a partition, ctrl+s saves the plan."

    def compose(self) -> ComposeResult:
        from tui.orchestrate.workplan import WorkplanView
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
        from tui.orchestrate.run_result import RunResult
        from tui.orchestrate.workers_table import ClusterWorkersTable
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


RAPIDS_BIT = 8


class BenchmarkSection(Section):
    TITLE = "Benchmark"
    HELP = "Space toggles a mode, ALL every runnable one; BENCHMARK runs them in turn and writes benchmark.json."

    def __init__(self, *, id: str | None = None):
        super().__init__(id=id)
        self.rapids_reason = "checking whether cuDF imports in the worker environment…"
        """Why modes 8-15 cannot be chosen ('' when they can)."""

    def compose(self) -> ComposeResult:
        from engine.modes import MODE_LABELS
        from tui.orchestrate.benchmark_panel import BenchmarkPanel

        with Horizontal(classes="buttons"):
            yield Button("BENCHMARK", id="btn-benchmark", variant="primary", disabled=True, compact=True)
            yield Button("ALL", id="btn-benchmark-all", compact=True)
            yield Static("", classes="status-text", id="benchmark-status")
        with Horizontal(id="benchmark-body"):
            with Vertical(id="benchmark-choice"):
                # Every mode 0-15; the rapids ones (bit 8) stay disabled until cuDF is known to import.
                yield SelectionList[int](*[Selection(MODE_LABELS[m], m, m in (0, 1), disabled=bool(m & RAPIDS_BIT))
                                           for m in range(16)], id="benchmark-modes")
                yield Static(f"8-15: {self.rapids_reason}", id="benchmark-rapids")
            yield BenchmarkPanel(id="benchmark-panel")

    def chosen_modes(self) -> list[int]:
        return sorted(self.query_one("#benchmark-modes", SelectionList).selected)

    def runnable_modes(self) -> list[int]:
        return [m for m in range(16) if not (m & RAPIDS_BIT) or not self.rapids_reason]

    def set_rapids(self, reason: str) -> None:
        """Enable modes 8-15 (``reason`` empty) or keep them disabled and say why."""
        self.rapids_reason = reason
        modes = self.query_one("#benchmark-modes", SelectionList)
        for mode in range(RAPIDS_BIT, 16):
            option = modes.get_option_at_index(mode)
            if reason:
                modes.deselect(mode)
                modes.disable_option_at_index(mode)
            elif option.disabled:
                modes.enable_option_at_index(mode)
        self.query_one("#benchmark-rapids", Static).update(f"8-15: {reason}" if reason else "8-15: cuDF imports: "
                                                           "rapids modes can run")

    def toggle_all(self) -> None:
        """Choose every runnable mode; when all of them are chosen already, go back to none."""
        modes = self.query_one("#benchmark-modes", SelectionList)
        runnable = self.runnable_modes()
        if set(runnable) <= set(modes.selected):
            modes.deselect_all()
        else:
            for mode in runnable:
                modes.select(mode)


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
