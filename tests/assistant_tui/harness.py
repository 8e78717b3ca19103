"""A real AgilabApp whose WORKFLOW tab holds just the panel under test (the other tabs stay empty)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from textual.app import ComposeResult
from textual.widget import Widget
from textual.widgets import Footer, Static, TabbedContent, TabPane

import tui.app as tui_app
from engine.facade import Engine
from engine.workspace import Workspace
from tui.app import PAGES, AgilabApp
from tui.widgets.status_line import StatusLine


class PanelApp(AgilabApp):
    """The shell (run_operation, call_engine, redact, palette) around one panel in the workflow tab."""

    # CSS_PATH is resolved beside the defining class's module, so point at the shell's stylesheet.
    CSS_PATH = str(Path(tui_app.__file__).with_name("app.tcss"))

    def __init__(self, panel: Callable[[], Widget], engine: Engine, *, test_mode: bool = True):
        super().__init__(engine, test_mode=test_mode)
        self._panel = panel

    def compose(self) -> ComposeResult:
        yield StatusLine(id="status-line")
        with TabbedContent(initial="workflow", id="tabs"):
            for index, (tab_id, label, *_rest) in enumerate(PAGES, start=1):
                with TabPane(f"{index} {label}", id=tab_id):
                    yield self._panel() if tab_id == "workflow" else Static("")
        yield Footer()


def panel_app(panel: Callable[[], Widget], home: object) -> PanelApp:
    return PanelApp(panel, Engine(Workspace(home)))  # type: ignore[arg-type]
