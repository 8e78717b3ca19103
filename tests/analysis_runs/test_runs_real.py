"""The Runs view on real flight runs: records listed, compared, rerun identical, a changed input named,
and a refused rerun forced. The engine runs the installed app for real (uv env, worker processes)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from runs_helpers import APP, settle
from textual.widgets import DataTable

from engine.events import OperationFinished
from engine.facade import Engine
from engine.records.environment import site_packages
from engine.workspace import Workspace
from tui.analysis.compare import CompareScreen
from tui.analysis.records import RecordsPanel
from tui.app import make_app
from tui.widgets.dialogs import ConfirmScreen

pytestmark = pytest.mark.slow


async def _run(engine: Engine, overrides: dict | None = None) -> str:
    op = engine.run(APP, engine.request_from_settings(APP, mode=0), overrides=overrides)
    last = None
    async with op:
        async for event in op.events():
            last = event
    assert isinstance(last, OperationFinished), getattr(last, "error", last)
    return last.result["run_id"]


async def _open_runs(pilot) -> RecordsPanel:
    await settle(pilot)
    await pilot.press("4")
    await settle(pilot)
    view = pilot.app.view("analysis")
    view.show_section("records")
    view.query_one("#records-table").focus()
    await settle(pilot)
    return view.query_one(RecordsPanel)


async def _goto(pilot, panel: RecordsPanel, run_id: str) -> None:
    panel.query_one("#records-table", DataTable).move_cursor(row=[r.run_id for r in panel.runs].index(run_id))
    await settle(pilot)


def _verdict(panel: RecordsPanel) -> str:
    return str(panel.query_one("#records-verdict").content)


async def test_two_runs_compared_then_rerun_identical(shared_home: Path) -> None:
    engine = Engine(Workspace(shared_home))
    first = await _run(engine)
    second = await _run(engine, {"nfile": 3})
    app = make_app(test_mode=True)
    async with app.run_test(size=(120, 36)) as pilot:
        panel = await _open_runs(pilot)
        ids = [r.run_id for r in panel.runs]
        assert ids.index(second) < ids.index(first)  # newest first
        newer = panel.summary(second)
        assert newer is not None and newer.changed_args == ["nfile"] and newer.status == "completed"
        table = panel.query_one("#records-table", DataTable)
        row = [str(c) for c in table.get_row(second)]
        assert row[-1] == "nfile" and "3,600" in row, row  # changed args and the row_count metric column

        await _goto(pilot, panel, first)
        await pilot.press("b")
        await _goto(pilot, panel, second)
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, CompareScreen)
        assert app.screen.comparison["args"] == [{"key": "nfile", "a": 0, "b": 3}]
        metrics = {m["name"]: m for m in app.screen.comparison["metrics"]}
        assert metrics["row_count"]["pct"] == -50.0
        body = str(app.screen.query_one("#compare-body").content)
        assert body  # rendered (the fixed-record tests check the text)
        await pilot.press("escape")

        # R reruns the first run exactly (mode 0, nfile 0, its work plan) and checks every output hash
        await _goto(pilot, panel, first)
        await pilot.press("R")
        await settle(pilot)
        result = panel.rerun_result
        assert result is not None, panel.rerun_error
        assert result["identical"] is True and result["differences"] == [] and result["original_run_id"] == first
        assert "identical ✓" in _verdict(panel) and f"{len(result['outputs']['same'])} outputs" in _verdict(panel)
        rerun = panel.summary(result["new_run_id"])
        assert rerun is not None and rerun.kind == "rerun" and rerun.rerun_of == first
        assert panel.runs[0].run_id == result["new_run_id"]  # the list was re-read


async def test_rerun_after_an_input_changed_names_the_output_that_differs(shared_home: Path) -> None:
    engine = Engine(Workspace(shared_home))
    run_id = await _run(engine)
    inputs = [Path(i["path"]) for i in engine.run_record(run_id)["record"]["inputs"]]
    assert inputs
    target = inputs[0]
    original = target.read_bytes()
    try:
        lines = original.decode().splitlines(keepends=True)
        # another position for the aircraft's second point: its distance and speed change
        header, first_row, second_row = lines[0], lines[1], lines[2]
        cells = second_row.rstrip("\n").split(",")
        position = header.strip().split(",").index("lat")
        cells[position] = f"{float(cells[position]) + 0.5:.6f}"
        target.write_bytes(("".join([header, first_row, ",".join(cells) + "\n", *lines[3:]])).encode())
        app = make_app(test_mode=True)
        async with app.run_test(size=(120, 36)) as pilot:
            panel = await _open_runs(pilot)
            await _goto(pilot, panel, run_id)
            await pilot.press("R")
            await settle(pilot)
            result = panel.rerun_result
            assert result is not None, panel.rerun_error
            assert result["identical"] is False and result["differences"]
            verdict = _verdict(panel)
            assert "differs ✗" in verdict
            for name in result["differences"][:4]:
                assert name in verdict
            assert any(target.name in str(c["path"]) for c in result["inputs"]["changed"])
    finally:
        target.write_bytes(original)


async def test_refused_rerun_shows_the_reason_and_can_be_forced(shared_home: Path) -> None:
    engine = Engine(Workspace(shared_home))
    run_id = await _run(engine)
    from engine.install import worker_env

    site = site_packages(worker_env(engine.workspace, engine.app(APP)).venv)
    assert site is not None
    # A package appearing in the worker env after the run: the record no longer matches the environment.
    probe = site / "agilab_probe-1.0.dist-info"
    probe.mkdir()
    try:
        os.utime(site)  # the env's package cache is keyed by the folder's mtime
        app = make_app(test_mode=True)
        async with app.run_test(size=(120, 36)) as pilot:
            panel = await _open_runs(pilot)
            await _goto(pilot, panel, run_id)
            await pilot.press("R")
            await settle(pilot)
            assert isinstance(app.screen, ConfirmScreen)
            assert "worker package agilab-probe: absent -> 1.0" in app.screen.question
            assert "refused" in _verdict(panel) and panel.rerun_result is None
            await pilot.click("#confirm-yes")
            await settle(pilot)
            assert not isinstance(app.screen, ConfirmScreen)
            result = panel.rerun_result
            assert result is not None, panel.rerun_error
            assert result["forced"] is True and result["identical"] is True
            assert "(forced): identical ✓" in _verdict(panel)
            assert engine.run_record(result["new_run_id"])["record"]["reproduction"]["forced"] is True
    finally:
        probe.rmdir()
        os.utime(site)


async def test_escape_cancels_a_running_rerun(shared_home: Path) -> None:
    engine = Engine(Workspace(shared_home))
    run_id = await _run(engine)
    app = make_app(test_mode=True)
    async with app.run_test(size=(120, 36)) as pilot:
        panel = await _open_runs(pilot)
        await _goto(pilot, panel, run_id)
        await pilot.press("R")
        assert panel.operation is not None
        for _ in range(600):  # cancel once the rerun's record exists, i.e. while it really runs
            if any(r.rerun_of == run_id for r in engine.runs(APP)):
                break
            await pilot.pause(0.05)
        await pilot.press("escape")
        await settle(pilot)
        assert panel.operation is None and panel.rerun_result is None
        assert "rerun cancelled" in _verdict(panel)
        cancelled = [r for r in engine.runs(APP) if r.rerun_of == run_id]
        assert cancelled and cancelled[0].status == "cancelled", cancelled


async def test_benchmark_modes_are_nested_under_their_parent_and_the_parent_is_not_rerun(shared_home: Path) -> None:
    engine = Engine(Workspace(shared_home))
    op = engine.benchmark(APP, [0, 1], engine.request_from_settings(APP, mode=0))
    async with op:
        async for event in op.events():
            last = event
    assert isinstance(last, OperationFinished), getattr(last, "error", last)
    app = make_app(test_mode=True)
    async with app.run_test(size=(120, 36)) as pilot:
        panel = await _open_runs(pilot)
        parent = next(r for r in panel.runs if r.kind == "benchmark")
        index = panel.runs.index(parent)
        modes = panel.runs[index + 1:index + 3]
        assert [(r.kind, r.parent_id, r.mode) for r in modes] == [("benchmark-mode", parent.run_id, 0),
                                                                  ("benchmark-mode", parent.run_id, 1)]
        table = panel.query_one("#records-table", DataTable)
        assert str(table.get_row(modes[0].run_id)[1]).startswith("└ ")

        await _goto(pilot, panel, parent.run_id)
        await pilot.press("R")
        await settle(pilot)
        assert panel.operation is None and "only app runs can be rerun" in _verdict(panel)


async def test_a_run_started_in_orchestrate_appears_in_runs(shared_home: Path) -> None:
    app = make_app(test_mode=True)
    async with app.run_test(size=(120, 36)) as pilot:
        panel = await _open_runs(pilot)
        before = {r.run_id for r in panel.runs}
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("ctrl+r")
        await settle(pilot)
        panel = await _open_runs(pilot)
        new = [r for r in panel.runs if r.run_id not in before]
        assert len(new) == 1 and new[0].kind == "run" and new[0].status == "completed"
        assert panel.runs[0].run_id == new[0].run_id
