"""Both panels inside the real WORKFLOW page of the real app: mounted by their sub-tabs, palette gathered."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.widgets import Static

from engine.facade import Engine
from engine.workspace import Workspace
from tui.app import make_app
from tui.workflow.assistant.panel import AssistantPanel
from tui.workflow.dag.panel import DagPanel
from tui.workflow.dag.table import DagTable


async def settle(pilot: Any) -> None:
    """Wait until no worker has run for a few rounds: each engine reply may start the next call."""
    quiet = 0
    for _ in range(100):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        quiet = quiet + 1 if not any(w.is_running for w in pilot.app.workers) else 0
        if quiet >= 3:
            return


async def test_dag_and_assistant_subtabs_in_the_workflow_page(isolated_home: Path) -> None:
    app = make_app(Engine(Workspace(isolated_home)), test_mode=True)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        view = app.view("workflow")
        view.show_subtab("dag")
        await settle(pilot)
        panel = app.query_one(DagPanel)
        # The active app's checked-in template is the default source.
        table = panel.query_one(DagTable)
        assert table.step_ids == ["flight_context", "pandas_execution"]
        assert [table.status_of(s) for s in table.step_ids] == ["runnable", "blocked"]
        assert "flight-to-pandas-execution" in str(panel.query_one("#dag-title", Static).render())

        view.show_subtab("assistant")
        await settle(pilot)
        assistant = app.query_one(AssistantPanel)
        assert "none yet" in str(assistant.query_one("#assistant-frame", Static).render())

        titles = {command.title for command in app.get_system_commands(app.screen)}
        assert {"dag: check plan", "dag: run ready stages", "dag: preview next ready step",
                "assistant: ask", "assistant: add action", "assistant: save as stage"} <= titles


def test_bindings_and_palette_follow_the_view_contract() -> None:
    from tui.workflow.assistant.builder import AssistantBuilder

    for widget, group in ((DagPanel, "dag"), (AssistantPanel, "assistant"), (AssistantBuilder, "assistant")):
        bindings = widget.BINDINGS
        assert bindings and all(b.id and b.id.startswith(f"{group}.") and b.tooltip for b in bindings)
        assert sum(1 for b in bindings if b.show) <= 4
        # Bare digits switch pages and these ctrl keys edit text in an Input.
        assert not {b.key for b in bindings} & {"1", "2", "3", "4", *(f"ctrl+{k}" for k in "aedwukxcv")}
    for panel, group in ((DagPanel(), "dag"), (AssistantPanel(), "assistant")):
        titles = [command.title for command in panel.palette_commands()]
        assert titles and all(title.startswith(f"{group}: ") for title in titles)
        assert len(titles) == len(set(titles))
