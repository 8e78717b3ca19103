"""Cluster state during a real Dask run (mode 4, two local workers) and the per-source log filter."""

from __future__ import annotations

from pathlib import Path

import pytest
from cluster_tui_helpers import FLIGHT, configure, settle, wait_until

from engine.facade import Engine
from engine.workspace import Workspace
from tui.app import make_app
from tui.orchestrate.workers_table import ClusterWorkersTable
from tui.widgets.log_pane import LogPane

pytestmark = [pytest.mark.slow]


def worker_rows(table: ClusterWorkersTable) -> dict[str, tuple[str, ...]]:
    return {str(key.value): tuple(str(c) for c in table.get_row(key)) for key in table.rows}


async def test_dask_run_shows_workers_and_log_follows_one_worker(isolated_home: Path):
    engine = Engine(Workspace(isolated_home))
    # verbose 2: the scheduler's and workers' own (Dask INFO) lines reach the live log and its source filter.
    configure(engine, FLIGHT, {"127.0.0.1": 2}, cluster_enabled=True, verbose=2)
    app = make_app(test_mode=True)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        view = app.view("orchestrate")
        table = view.query_one(ClusterWorkersTable)
        assert not table.display  # no cluster run yet: the table stays out of the way
        await pilot.press("ctrl+b")
        await wait_until(pilot, lambda: view.current is None, "the install to end")
        await settle(pilot)
        assert not view.installed_reason, view.installed_reason

        seen: set[tuple[str, str]] = set()

        def record() -> None:
            seen.update((name, row[2]) for name, row in worker_rows(table).items())

        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: view.current is None, "the mode-4 run to end", on_tick=record)
        await settle(pilot)
        assert "✓" in str(view.query_one("#run-status").content)
        assert table.display
        rows = worker_rows(table)
        assert list(rows) == ["127.0.0.1-0", "127.0.0.1-1"]
        for name, (_, host, state, address) in rows.items():
            assert host == "127.0.0.1" and address.startswith("tcp://127.0.0.1:")
            assert state == "■ exited" and (name, "▶ running") in seen

        pane = view.query_one(LogPane)
        assert view.log_filter.choices()[:2] == ["", "scheduler"]  # all, then the scheduler first
        await pilot.press("ctrl+f")
        assert view.log_filter.current == "scheduler" and "⟨scheduler⟩" in str(pane.border_title)
        await pilot.press("ctrl+f")
        assert view.log_filter.current == "127.0.0.1-0"
        worker_lines = [line for source, line in view.log_filter.records if source == "127.0.0.1-0"]
        assert worker_lines and "\n".join(pane.log.lines) == "\n".join(worker_lines)
        assert any("Start worker at" in line for line in worker_lines)
        assert not any("Scheduler at" in line for line in pane.log.lines)

        view.action_log_all()
        await pilot.pause()
        assert pane.total_lines == len(view.log_filter.records) and "⟨" not in str(pane.border_title)
