"""Pilot tests of the DAG panel on the real engine: real plans, real runner, real subprocess steps."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from rich.text import Text
from textual.widgets import Button, Input, Select, Static

from engine.workspace import Workspace
from tui.workflow.dag.details import HistoryTable
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


def statuses(app: Any) -> dict[str, str]:
    table = app.query_one(DagTable)
    return {step: table.status_of(step) for step in table.step_ids}


def cell(app: Any, step: str, column: str) -> str:
    return str(app.query_one(DagTable).get_cell(step, column))


def message(app: Any) -> str:
    return str(app.query_one("#dag-message", Static).render())


async def click(pilot: Any, selector: str) -> None:
    """Focus the button and press enter, as a keyboard user does."""
    pilot.app.query_one(selector, Button).focus()
    await pilot.pause()
    await pilot.press("enter")


async def choose_source(pilot: Any, source: str, custom: str = "") -> None:
    app = pilot.app
    app.query_one("#dag-source", Select).value = source
    await settle(pilot)
    if custom:
        path_input = app.query_one("#dag-custom-path", Input)
        path_input.value = custom
        path_input.focus()
        await pilot.press("enter")
        await settle(pilot)
    app.query_one(DagTable).focus()  # the panel's keys act while focus is inside it
    await pilot.pause()


async def test_sample_diamond_runs_for_real_and_cells_update_in_place(isolated_home: Path, monkeypatch: Any, panel_app: Any,
                                                                     owner_templates: Path) -> None:
    updates: list[tuple[str, str, str]] = []
    original = DagTable.update_cell

    def spy(self: DagTable, row_key: Any, column_key: Any, value: Any, **kwargs: Any) -> None:
        updates.append((str(row_key), str(column_key), str(value)))
        original(self, row_key, column_key, value, **kwargs)

    monkeypatch.setattr(DagTable, "update_cell", spy)
    app = panel_app(DagPanel, isolated_home)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await choose_source(pilot, "sample_library")
        assert app.query_one("#dag-plan", Select).value.endswith("multi_app_dag_command_diamond.json")
        assert statuses(app) == {"seed": "runnable", "squares": "blocked", "cubes": "blocked", "merge": "blocked"}
        assert cell(app, "squares", "blocked") == "seed_values"
        table = app.query_one(DagTable)
        rows_before = {key: table.rows[key] for key in table.rows}

        # A sample is preview-only (conservative execution) until promoted into the app's templates.
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert "Preview only" in message(app) and statuses(app)["seed"] == "runnable"
        assert "preview-only" in str(app.query_one("#dag-title", Static).render())
        assert "dag: promote to app templates" in [c.title for c in app.query_one(DagPanel).palette_commands()]
        app.query_one(DagPanel).action_promote()
        await settle(pilot)
        assert "Promoted to dag_owner_project" in message(app)
        assert (owner_templates / "multi_app_dag_command_diamond.json").is_file()
        assert "real runs allowed" in str(app.query_one("#dag-title", Static).render())
        table.focus()

        app.query_one("#dag-slots", Input).value = "2"
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert statuses(app) == {"seed": "completed", "squares": "runnable", "cubes": "runnable", "merge": "blocked"}
        await pilot.press("ctrl+r")  # squares and cubes, two slots
        await settle(pilot)
        await pilot.press("ctrl+r")
        await settle(pilot)

        assert set(statuses(app).values()) == {"completed"}
        assert "Completed 4 · Failed 0 · local" in str(app.query_one("#dag-metrics", Static).render())
        assert {key: table.rows[key] for key in table.rows} == rows_before  # same Row objects: never rebuilt
        seed_states = [value for row, column, value in updates if row == "seed" and column == "status"]
        assert seed_states == ["◷ running", "✔ completed"]
        assert cell(app, "merge", "duration") == "timed"  # test mode hides the duration itself
        assert (Workspace(isolated_home).data_dir / "dag_samples/diamond/summary.json").is_file()
        history = app.query_one(HistoryTable)
        assert "real run" in history.kinds and "PREVIEW" not in history.kinds
        assert "completed" in message(app)


async def test_failed_step_blocks_downstream_then_retry_completes(isolated_home: Path, failing_plan: Path, panel_app: Any) -> None:
    app = panel_app(DagPanel, isolated_home)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await choose_source(pilot, "app_templates")
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert statuses(app) == {"gate": "failed", "report": "blocked"}
        assert message(app).startswith("Run failed: 1 step(s) failed: gate")
        assert "exited with code 1" in cell(app, "gate", "blocked")
        assert cell(app, "report", "blocked") == "gate_out"
        assert "Failed 1" in str(app.query_one("#dag-metrics", Static).render())

        (Workspace(isolated_home).data_dir / "flag.txt").write_text("go")
        app.query_one(DagTable).focus()
        app.query_one(DagTable).move_cursor(row=0)
        await pilot.press("ctrl+t")
        await settle(pilot)
        assert statuses(app) == {"gate": "completed", "report": "runnable"}


async def test_preview_is_recorded_as_preview_and_real_runs_are_refused(isolated_home: Path, panel_app: Any) -> None:
    app = panel_app(DagPanel, isolated_home)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await choose_source(pilot, "sample_library")
        plans = app.query_one("#dag-plan", Select)
        plans.value = next(str(v) for _, v in plans._options if str(v).endswith("multi_app_dag_sample.json"))
        await settle(pilot)
        assert "preview-only" in str(app.query_one("#dag-title", Static).render())
        await pilot.press("ctrl+n")
        await settle(pilot)
        first = app.query_one(DagTable).step_ids[0]
        assert statuses(app)[first] == "completed"
        assert cell(app, first, "blocked") == "preview only (no app ran)"
        history = app.query_one(HistoryTable)
        assert history.kinds[-1] == "PREVIEW" and "real run" not in history.kinds
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert "preview-only" in message(app)
        assert not app.query_one(DagPanel).running


@pytest.mark.parametrize("width, shown", [(120, True), (80, False)])
async def test_graph_hidden_on_narrow_terminals_and_toggled(isolated_home: Path, width: int, shown: bool, panel_app: Any) -> None:
    app = panel_app(DagPanel, isolated_home)
    async with app.run_test(size=(width, 30)) as pilot:
        await settle(pilot)
        await choose_source(pilot, "sample_library")
        panel = app.query_one(DagPanel)
        assert panel.has_class("-graph") is shown
        graph = app.query_one("#dag-graph", Static).render()
        assert "◀── seed (seed_values)" in str(graph if not isinstance(graph, Text) else graph.plain)
        await pilot.press("ctrl+g")
        assert panel.has_class("-graph") is not shown


async def test_partial_rerun_resets_the_step_and_its_downstream(isolated_home: Path, panel_app: Any,
                                                               diamond_template: Path) -> None:
    app = panel_app(DagPanel, isolated_home)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await choose_source(pilot, "app_templates")
        for _ in range(3):
            await pilot.press("ctrl+r")
            await settle(pilot)
        assert set(statuses(app).values()) == {"completed"}
        table = app.query_one(DagTable)
        table.move_cursor(row=table.get_row_index("squares"))
        await pilot.press("ctrl+o")
        await settle(pilot)
        assert statuses(app) == {"seed": "completed", "squares": "runnable", "cubes": "completed",
                                 "merge": "blocked"}
        assert "squares, merge will run again" in message(app)
        assert app.query_one(HistoryTable).kinds[-1] == "operator"


async def test_distributed_backend_shows_why_or_the_exact_request(isolated_home: Path, panel_app: Any,
                                                                 diamond_template: Path) -> None:
    app = panel_app(DagPanel, isolated_home)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await choose_source(pilot, "app_templates")
        panel = app.query_one(DagPanel)
        app.query_one("#dag-backend", Select).value = "distributed"
        await settle(pilot)
        assert panel.has_class("-distributed")
        request = str(app.query_one("#dag-request", Static).render())
        assert "Distributed backend unavailable" in request and "cluster_enabled is off" in request
        await pilot.press("ctrl+r")  # refused: nothing may run on an unconfigured backend
        await settle(pilot)
        assert "Distributed backend unavailable" in message(app)
        assert statuses(app)["seed"] == "runnable"

        engine = app.engine
        settings = engine.settings(engine.active_app())
        settings.update_cluster(cluster_enabled=True, scheduler="10.0.0.5:8786", workers={"10.0.0.6": 2},
                                workers_data_path="clustershare/agi")
        settings.save()
        app.query_one("#dag-backend", Select).value = "local"
        await settle(pilot)
        app.query_one("#dag-backend", Select).value = "distributed"
        await settle(pilot)
        request = str(app.query_one("#dag-request", Static).render())
        assert "unavailable" not in request
        assert "seed → minimal_app_project" in request
        assert "scheduler: tcp://10.0.0.5:8786" in request and '{"10.0.0.6": 2}' in request
        assert "$AGILAB_TUI_HOME/data/clustershare/agi" in request and "RunRequest: {" in request
        assert str(app.query_one("#dag-metrics", Static).render()).endswith("· distributed")


async def test_edit_plan_without_json_then_save_and_show_json(isolated_home: Path, panel_app: Any) -> None:
    app = panel_app(DagPanel, isolated_home)
    async with app.run_test(size=(120, 60)) as pilot:
        await settle(pilot)
        app.query_one(DagPanel).action_new_plan()
        await settle(pilot)

        async def add_step(step_id: str, app_name: str, command: str) -> None:
            app.query_one("#edit-step-id", Input).value = step_id
            app.query_one("#edit-step-app", Select).value = app_name
            app.query_one("#edit-step-command", Input).value = command
            await click(pilot, "#edit-add-step")
            await settle(pilot)

        await add_step("make", "minimal_app_project", "python -c \"open('n.txt','w').write('1')\"")
        await add_step("use", "execution_pandas_project", "python -c \"print(open('n.txt').read())\"")
        assert app.query_one(DagTable).step_ids == ["make", "use"]
        app.query_one("#edit-created-step", Select).value = "make"
        app.query_one("#edit-artifact-id", Input).value = "number"
        app.query_one("#edit-artifact-path", Input).value = "n.txt"
        await click(pilot, "#edit-add-created")
        await settle(pilot)
        app.query_one("#edit-use-step", Select).value = "use"
        app.query_one("#edit-use-artifact", Select).value = "number"
        await click(pilot, "#edit-add-use")
        await settle(pilot)
        assert statuses(app) == {"make": "runnable", "use": "blocked"}
        assert cell(app, "use", "blocked") == "number"

        # An inconsistent edit is refused with the engine's reason and changes nothing.
        app.query_one("#edit-use-step", Select).value = "make"
        await click(pilot, "#edit-add-use")
        await settle(pilot)
        assert "cannot use the artifact it creates" in message(app)
        await click(pilot, "#edit-check")
        await settle(pilot)
        assert "Check: OK" in str(app.query_one("#dag-issues", Static).render())
        await click(pilot, "#edit-save")
        await settle(pilot)
        saved = Workspace(isolated_home).export_dir(app.engine.active_app()) / ".agilab/multi_app_dags/new-plan.json"
        assert saved.is_file() and '"artifact": "number"' in saved.read_text()
        await click(pilot, "#edit-json")
        await settle(pilot)
        assert app.query_one("#dag-json").text == saved.read_text()
        assert app.query_one("#dag-json").read_only
        exported = isolated_home / "exported" / "plan.json"
        exported.parent.mkdir()
        app.query_one("#dag-export-path", Input).value = str(exported)
        await click(pilot, "#dag-export")
        await settle(pilot)
        assert exported.read_text() == saved.read_text()
        assert "$AGILAB_TUI_HOME/exported/plan.json" in message(app)

        await choose_source(pilot, "workspace_drafts")
        assert app.query_one("#dag-plan", Select).value == str(saved)
        assert app.query_one(DagTable).step_ids == ["make", "use"]


async def test_plan_with_errors_lists_issues_with_locations(isolated_home: Path, panel_app: Any) -> None:
    broken = isolated_home / "plans" / "broken.json"
    broken.parent.mkdir(parents=True)
    broken.write_text('{"schema": "agilab.multi_app_dag.v1", "dag_id": "broken", "nodes": ['
                      '{"id": "a", "app": "no_such_project", "execution": {"command": ["true"]}}]}')
    app = panel_app(DagPanel, isolated_home)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await choose_source(pilot, "custom_path", str(broken))
        issues = app.query_one("#dag-issues", Static)
        assert issues.has_class("-errors")
        assert "nodes[0].app" in str(issues.render()) and "no_such_project" in str(issues.render())
        assert app.query_one(DagTable).row_count == 0
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert "errors" in message(app)



async def test_escape_cancels_a_running_step(isolated_home: Path, slow_plan: Path, panel_app: Any) -> None:
    app = panel_app(DagPanel, isolated_home)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await choose_source(pilot, "app_templates")
        await pilot.press("ctrl+r")
        for _ in range(400):  # wait for the child to be running (no timing is asserted)
            await pilot.pause(0.05)
            if statuses(app)["sleeper"] == "running":
                break
        panel = app.query_one(DagPanel)
        assert panel.running and statuses(app)["sleeper"] == "running"
        await pilot.press("escape")
        await settle(pilot)
        assert not panel.running
        assert message(app).startswith("Run cancelled")
        assert statuses(app)["sleeper"] == "failed" and cell(app, "sleeper", "blocked") == "cancelled"
