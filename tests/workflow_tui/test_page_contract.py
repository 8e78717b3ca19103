"""The page contract: keys with ids and tooltips, a short footer, palette titles, the graph, optional panels."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.widgets import Static

from tui.app import AgilabApp
from tui.help import HelpScreen, page_bindings
from tui.workflow import optional as workflow_optional
from tui.workflow.graph import GraphView, graph_nodes, waves
from tui.workflow.optional import optional_panel
from tui.workflow.screen import WorkflowView
from tui.workflow.stages import StagesPanel

from .conftest import SEED_LAB, open_workflow, settle

REQUIRED_COMMANDS = {"stage: save", "stage: next", "stage: remove", "stage: run", "stage: cancel",
                     "stage: import snippet", "stage: generate from prompt", "template: refresh",
                     "template: convert snippets", "pipeline: run", "history: save", "notebook: export",
                     "notebook: preview import", "notebook: merge", "workflow: graph"}


async def test_bindings_palette_and_footer(app: AgilabApp, write_lab: Callable[[str], Path]) -> None:
    write_lab(SEED_LAB)
    async with app.run_test(size=(80, 24)) as pilot:
        view = await open_workflow(pilot)
        assert isinstance(view, WorkflowView)
        bindings = page_bindings(view)
        assert all(b.id and b.tooltip for b in bindings)  # the page's own plus reused widgets' (log.*)
        assert {"workflow.save", "workflow.run", "workflow.next", "workflow.remove", "workflow.cancel",
                "workflow.refresh", "workflow.pipeline-run", "workflow.history-save"} <= {b.id for b in bindings}
        assert not [b for b in bindings if b.key in {"1", "2", "3", "4"}]

        # The footer shows at most 4 page keys wherever focus is on the page.
        shown = _footer_page_keys(app)
        assert shown == ["Save", "Run", "Next"]  # Cancel joins them only while a run is active

        titles = [c.title for c in view.palette_commands()]
        assert REQUIRED_COMMANDS <= set(titles)
        assert all(re.fullmatch(r"[a-z]+: [a-z ]+", t) for t in titles), titles
        assert len(titles) == len(set(titles))
        in_palette = {command.title for command in app.get_system_commands(app.screen)}
        assert REQUIRED_COMMANDS <= in_palette  # the App's command provider gathers the page's commands

        await pilot.press("f1")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)


def _footer_page_keys(app: AgilabApp) -> list[str]:
    """What the footer offers for this page: active, shown bindings with a ``workflow.`` id."""
    return [active.binding.description for active in app.screen.active_bindings.values()
            if active.binding.show and (active.binding.id or "").startswith("workflow.")]


async def test_palette_command_switches_sub_tab_and_acts(app: AgilabApp, write_lab: Callable[[str], Path]) -> None:
    write_lab(SEED_LAB)
    async with app.run_test(size=(120, 36)) as pilot:
        view = await open_workflow(pilot)
        assert isinstance(view, WorkflowView)
        view.show_subtab("history")
        await settle(pilot)
        command = next(c for c in view.palette_commands() if c.title == "stage: open following")
        command.callback()
        await settle(pilot)
        assert view.subtab == "stages" and app.query_one(StagesPanel).current == 1
        await pilot.press("f2")
        assert view.subtab == "pipeline"
        await pilot.press("f3")
        assert view.subtab == "stages"


async def test_graph_shows_order_and_declared_dependencies(app: AgilabApp, write_lab: Callable[[str], Path]) -> None:
    write_lab(SEED_LAB)
    async with app.run_test(size=(120, 36)) as pilot:
        view = await open_workflow(pilot)
        view.show_subtab("graph")  # type: ignore[attr-defined]
        await settle(pilot)
        text = str(app.query_one(GraphView).query_one("#graph-text", Static).render())
        assert "2 stages · sequential order" in text
        assert text.index("wave 1: [1] stage_1 · Seed data (raw)") < text.index("wave 2: [2] stage_2 · Double a")


def test_graph_waves_follow_declared_deps() -> None:
    stages = [{"id": "load"}, {"id": "clean", "deps": ["load"]}, {"id": "plot", "depends_on": "load"},
              {"id": "report", "dependencies": ["clean", "plot"]}, {"deps": ["ghost"]}]
    nodes, explicit = graph_nodes(stages)
    assert explicit and nodes[4].stage_id == "stage_5"
    layers, stuck = waves(nodes)
    assert [[n.stage_id for n in layer] for layer in layers] == [["load"], ["clean", "plot"], ["report"]]
    assert stuck == ["stage_5"]
    sequential, explicit = graph_nodes([{}, {}, {}])
    assert not explicit and [n.deps for n in sequential] == [(), ("stage_1",), ("stage_2",)]


def test_a_missing_optional_panel_says_coming(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(workflow_optional.OPTIONAL_PANELS, "later",
                        ("tui.widgets.no_such_panel_module", "NoSuchPanel", "Later panel", "Does things later."))
    widget = optional_panel("later")
    assert isinstance(widget, Static) and "Later panel — coming." in str(widget.render())


async def test_switching_the_active_app_opens_its_own_lab(app: AgilabApp, write_lab: Callable[[str], Path]) -> None:
    write_lab(SEED_LAB)
    async with app.run_test(size=(120, 36)) as pilot:
        view = await open_workflow(pilot)
        assert isinstance(view, WorkflowView)
        app.set_active_app("minimal_app_project")
        await settle(pilot)
        assert view.lab is not None and view.lab.lab.module == "minimal_app"
        panel = app.query_one(StagesPanel)
        assert panel.snapshot is not None and panel.snapshot.stages == ()
        assert panel.info() is None  # an empty lab opens on a new stage


async def test_a_stage_saved_by_the_assistant_is_reloaded_and_opened(app: AgilabApp,
                                                                     write_lab: Callable[[str], Path]) -> None:
    assistant_panel = pytest.importorskip("tui.workflow.assistant.panel")
    path = write_lab(SEED_LAB)
    async with app.run_test(size=(120, 36)) as pilot:
        view = await open_workflow(pilot)
        # What the Assistant does when it saves: append to the file, then say so with StageSaved.
        from engine.stages import LabStagesFile, raw_python_stage

        lab = LabStagesFile.load(path)
        index = lab.add_stage("flight_telemetry", raw_python_stage("df = df.head(1)\n", description="From assistant"))
        lab.save()
        view.post_message(assistant_panel.StageSaved(str(path), index))
        await settle(pilot)
        panel = app.query_one(StagesPanel)
        assert panel.current == 2 and panel.info() is not None and panel.info().title == "From assistant"
        # The page's copy is current again: a save from the editor is not refused as a conflict.
        from textual.widgets import Input

        app.query_one("#stage-d", Input).value = "From the assistant"
        await pilot.press("ctrl+s")
        await settle(pilot)
    assert "From the assistant" in path.read_text("utf-8")
