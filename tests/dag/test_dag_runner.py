"""The runner for real: command steps run as processes, artifacts unlock downstream steps, state persists."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from engine.dag import DagRunner, check_plan
from engine.errors import AgilabError
from engine.events import LogLines, OperationFailed, OperationFinished, Progress

from .conftest import APPS, node, plan, save_plan, two_step_plan, write_step


async def _drain(op: Any) -> tuple[list[Any], Any]:
    events = []
    async with op:
        async for event in op.events():
            events.append(event)
    return events, events[-1]


def _unit(runner: DagRunner, uid: str) -> dict[str, Any]:
    return next(u for u in runner.state["units"] if u["id"] == uid)


def _times(runner: DagRunner, uid: str) -> tuple[datetime, datetime]:
    prov = _unit(runner, uid)["provenance"]
    return datetime.fromisoformat(prov["started_at"]), datetime.fromisoformat(prov["finished_at"])


async def test_two_step_plan_runs_for_real_and_artifact_unlocks_downstream(workspace: Any, tmp_path: Path, templates: Path) -> None:
    runner = DagRunner.open(save_plan(templates, two_step_plan()), workspace)
    assert runner.readiness().runnable_ids == ["make"]
    assert runner.readiness().steps["double"].blocked_by_artifacts == ["number"]

    events, last = await _drain(runner.run_next())
    assert isinstance(last, OperationFinished), last
    assert (workspace.data_dir / "t/number.txt").read_text() == "21"
    assert runner.readiness().runnable_ids == ["double"]
    assert any(isinstance(e, LogLines) and e.source == "make:stdout" for e in events)

    _, last = await _drain(runner.run_ready())
    assert isinstance(last, OperationFinished), last
    assert (workspace.data_dir / "t/double.txt").read_text() == "42"
    state = json.loads(runner.store.path.read_text())
    assert state["run_status"] == "completed" and state["completed_count"] == 2
    assert state["provenance"]["real_app_execution"] is True
    assert {a["id"]: a["status"] for a in state["artifacts"]} == {"number": "available", "double": "available"}
    started = datetime.fromisoformat(_unit(runner, "double")["provenance"]["started_at"])
    assert started >= _times(runner, "make")[1]
    kinds = [(e["kind"], e["unit_id"]) for e in state["events"]]
    assert kinds.index(("unit_completed", "make")) < kinds.index(("unit_started", "double"))


async def test_independent_branches_overlap_in_time(workspace: Any, tmp_path: Path, templates: Path) -> None:
    data = plan([
        node("left", APPS[0], write_step("b/left.txt", sleep=0.8), [("left", "b/left.txt")]),
        node("right", APPS[1], write_step("b/right.txt", sleep=0.8), [("right", "b/right.txt")]),
    ])
    runner = DagRunner.open(save_plan(templates, data), workspace)
    _, last = await _drain(runner.run_ready(slots=2))
    assert isinstance(last, OperationFinished), last
    (left_start, left_end), (right_start, right_end) = _times(runner, "left"), _times(runner, "right")
    assert left_start < right_end and right_start < left_end, "branches did not overlap"


async def test_one_slot_runs_branches_one_after_the_other(workspace: Any, tmp_path: Path, templates: Path) -> None:
    data = plan([
        node("left", APPS[0], write_step("s/left.txt", sleep=0.2), [("left", "s/left.txt")]),
        node("right", APPS[1], write_step("s/right.txt", sleep=0.2), [("right", "s/right.txt")]),
    ])
    runner = DagRunner.open(save_plan(templates, data), workspace)
    await _drain(runner.run_ready(slots=1))
    (left_start, left_end), (right_start, right_end) = _times(runner, "left"), _times(runner, "right")
    assert left_end <= right_start or right_end <= left_start


async def test_failing_step_blocks_downstream_and_retry_after_fix_completes(workspace: Any, tmp_path: Path, templates: Path) -> None:
    data = plan([
        node("fragile", APPS[0], write_step("f/out.txt", fail_unless="f/fixed.flag"), [("out", "f/out.txt")]),
        node("after", APPS[1], write_step("f/after.txt", reads=("f/out.txt",)), [("after", "f/after.txt")],
             [("out", "f/out.txt")]),
    ])
    runner = DagRunner.open(save_plan(templates, data), workspace)
    events, last = await _drain(runner.run_ready(until_done=True))
    assert isinstance(last, OperationFailed) and "fragile" in last.error
    assert any(isinstance(e, LogLines) and any("missing f/fixed.flag" in line for line in e.lines) for e in events)
    readiness = runner.readiness()
    assert readiness.steps["fragile"].status == "failed"
    assert readiness.steps["after"].status == "blocked"
    assert readiness.steps["after"].blocked_by_artifacts == ["out"]
    assert _unit(runner, "fragile")["retry"]["last_error"] == "command exited with code 1"
    assert not (workspace.data_dir / "f/after.txt").exists()

    (workspace.data_dir / "f").mkdir(parents=True, exist_ok=True)
    (workspace.data_dir / "f/fixed.flag").write_text("")
    _, last = await _drain(runner.retry("fragile"))
    assert isinstance(last, OperationFinished), last
    assert _unit(runner, "fragile")["retry"] | {"last_error": ""} == {
        **_unit(runner, "fragile")["retry"], "attempt": 2, "status": "succeeded"}
    _, last = await _drain(runner.run_ready())
    assert isinstance(last, OperationFinished), last
    assert runner.state["run_status"] == "completed"
    assert [e["kind"] for e in runner.state["events"] if e["unit_id"] == "fragile"] == [
        "unit_started", "unit_failed", "unit_retry", "unit_started", "unit_completed"]


async def test_exit_zero_without_its_artifact_fails_the_step(workspace: Any, tmp_path: Path, templates: Path) -> None:
    data = plan([
        node("liar", APPS[0], write_step("l/other.txt"), [("promised", "l/promised.txt")]),
        node("next", APPS[1], write_step("l/next.txt"), [("next", "l/next.txt")], [("promised", "l/promised.txt")]),
    ])
    runner = DagRunner.open(save_plan(templates, data), workspace)
    _, last = await _drain(runner.run_ready(until_done=True))
    assert isinstance(last, OperationFailed)
    liar = _unit(runner, "liar")
    assert liar["dispatch_status"] == "failed"
    assert liar["provenance"]["exit_code"] == 0
    assert "did not produce: promised" in liar["retry"]["last_error"]
    assert runner.readiness().steps["next"].status == "blocked"


async def test_state_survives_a_reload_mid_plan(workspace: Any, tmp_path: Path, templates: Path) -> None:
    plan_path = save_plan(templates, two_step_plan())
    state_path = tmp_path / "state" / "runner_state.json"
    first = DagRunner.open(plan_path, workspace, state_path=state_path)
    await _drain(first.run_next())
    del first

    second = DagRunner.open(plan_path, workspace, state_path=state_path)
    assert second.readiness().steps["make"].status == "completed"
    assert second.readiness().runnable_ids == ["double"]
    revision = second.state["runner_state_revision"]
    _, last = await _drain(second.run_ready())
    assert isinstance(last, OperationFinished), last
    assert (workspace.data_dir / "t/double.txt").read_text() == "42"
    assert second.state["runner_state_revision"] > revision
    assert [u["retry"]["attempt"] for u in second.state["units"]] == [1, 1]


async def test_stale_running_step_can_be_recovered_and_retried(workspace: Any, tmp_path: Path, templates: Path) -> None:
    plan_path = save_plan(templates, two_step_plan())
    runner = DagRunner.open(plan_path, workspace)
    state = json.loads(runner.store.path.read_text())
    state["units"][0]["dispatch_status"] = "running"  # as left by a runner that was killed
    runner.store.path.write_text(json.dumps(state))
    reopened = DagRunner.open(plan_path, workspace)
    assert reopened.readiness().steps["make"].status == "running"
    reopened.recover("make")
    assert reopened.readiness().steps["make"].status == "failed"
    _, last = await _drain(reopened.retry("make"))
    assert isinstance(last, OperationFinished), last


async def test_preview_is_recorded_apart_from_real_runs(workspace: Any, tmp_path: Path, templates: Path) -> None:
    runner = DagRunner.open(save_plan(templates, two_step_plan()), workspace)
    assert runner.preview_next() == "make"
    assert not (workspace.data_dir / "t/number.txt").exists()
    assert runner.readiness().runnable_ids == ["double"]
    assert runner.state["provenance"]["real_app_execution"] is False
    with pytest.raises(AgilabError, match="preview completions"):
        await runner.run_ready().wait()
    assert runner.reset_preview() == ["make"]
    await runner.run_next().wait()
    history = runner.history()
    assert [(h.kind, h.action, h.unit_id) for h in history if h.unit_id == "make"] == [
        ("preview", "preview_dispatch", "make"), ("real", "unit_started", "make"), ("real", "unit_completed", "make")]
    assert runner.state["provenance"]["real_app_execution"] is True


async def test_preview_only_plan_refuses_real_runs(workspace: Any, tmp_path: Path, templates: Path) -> None:
    data = two_step_plan()
    data["execution"].pop("runner_status")
    runner = DagRunner.open(save_plan(templates, data), workspace)
    with pytest.raises(AgilabError, match="preview-only"):
        await runner.run_next().wait()
    assert not (workspace.data_dir / "t/number.txt").exists()
    assert runner.preview_next() == "make"


async def test_rerun_from_resets_the_step_and_its_downstream(workspace: Any, tmp_path: Path, templates: Path) -> None:
    runner = DagRunner.open(save_plan(templates, two_step_plan()), workspace)
    await runner.run_ready(until_done=True).wait()
    assert runner.rerun_from("make") == ["make", "double"]
    readiness = runner.readiness()
    assert (readiness.steps["make"].status, readiness.steps["double"].status) == ("runnable", "blocked")
    assert (workspace.data_dir / "t/double.txt").exists(), "rerun never deletes files"
    (workspace.data_dir / "t/number.txt").unlink()
    await runner.run_ready(until_done=True).wait()
    assert (workspace.data_dir / "t/number.txt").read_text() == "21"
    assert runner.state["run_status"] == "completed"


async def test_cancelling_a_run_kills_the_step_and_records_it(workspace: Any, tmp_path: Path, templates: Path) -> None:
    data = plan([node("slow", APPS[0], write_step("c/slow.txt", sleep=30), [("slow", "c/slow.txt")])])
    runner = DagRunner.open(save_plan(templates, data), workspace)
    op = runner.run_ready()
    async with op:
        async for event in op.events():
            if isinstance(event, LogLines) and any("slow: started" in line for line in event.lines):
                break
        assert _unit(runner, "slow")["dispatch_status"] == "running"
        await asyncio.sleep(0.5)  # let the child get going before it is killed
        await op.cancel()
    assert op.cancelled
    unit = _unit(runner, "slow")
    assert unit["dispatch_status"] == "failed" and unit["retry"]["last_error"] == "cancelled"
    assert not (workspace.data_dir / "c/slow.txt").exists()


async def test_plan_with_errors_cannot_be_opened(workspace: Any, tmp_path: Path) -> None:
    data = two_step_plan()
    data["nodes"][1]["app"] = "ghost_project"
    path = save_plan(tmp_path, data)
    with pytest.raises(AgilabError, match=r"nodes\[1\]\.app"):
        DagRunner.open(path, workspace)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.json"]


async def test_state_of_another_plan_version_is_refused(workspace: Any, tmp_path: Path, templates: Path) -> None:
    state_path = tmp_path / "runner_state.json"
    DagRunner.open(save_plan(templates, two_step_plan()), workspace, state_path=state_path)
    changed = two_step_plan()
    changed["nodes"].append(node("extra", APPS[2], write_step("t/x"), [("x", "t/x")]))
    before = state_path.read_text()
    with pytest.raises(AgilabError, match="another version"):
        DagRunner.open(save_plan(templates, changed, "v2.json"), workspace, state_path=state_path)
    assert state_path.read_text() == before


async def test_progress_events_follow_each_step(workspace: Any, tmp_path: Path, templates: Path) -> None:
    runner = DagRunner.open(save_plan(templates, two_step_plan()), workspace)
    events, _ = await _drain(runner.run_ready(until_done=True))
    steps = [e.step for e in events if isinstance(e, Progress)]
    assert steps[1:] == ["make completed", "double completed"]
    assert check_plan(runner.check.data).ok


async def test_request_preview_of_local_backend(workspace: Any, tmp_path: Path, templates: Path) -> None:
    runner = DagRunner.open(save_plan(templates, two_step_plan()), workspace)
    [preview] = runner.request_previews()
    assert preview["backend"] == "local" and preview["unit_id"] == "make"
    assert preview["command"][1] == "-c" and Path(preview["command"][0]).name.startswith("python")
    assert preview["cwd"] == str(workspace.data_dir)




async def test_retries_stop_at_max_attempts(workspace: Any, tmp_path: Path, templates: Path) -> None:
    data = plan([node("never", APPS[0], ["python", "-c", "raise SystemExit(2)"], [("x", "n/x.txt")])])
    runner = DagRunner.open(save_plan(templates, data), workspace)
    _, last = await _drain(runner.run_ready())
    for _ in range(2):
        _, last = await _drain(runner.retry("never"))
        assert isinstance(last, OperationFailed)
    assert _unit(runner, "never")["retry"]["status"] == "exhausted"
    with pytest.raises(AgilabError, match="already used 3 of 3 attempts"):
        await runner.retry("never").wait()
    runner.rerun_from("never")
    assert _unit(runner, "never")["retry"]["attempt"] == 0
