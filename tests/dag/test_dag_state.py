"""Runner state: AGILab-compatible fields, revision-checked writes, clear errors for broken files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from engine.dag import RUNNER_STATE_SCHEMA, RunnerStateStore, StaleRevisionError, check_plan
from engine.dag.state import new_state
from engine.errors import FileChangedError, SettingsError

from .conftest import APPS, two_step_plan


def _state() -> dict[str, Any]:
    return new_state(check_plan(two_step_plan(), APPS), dag_path="plan.json", run_id="run-1")


def test_new_state_has_the_agilab_runner_fields() -> None:
    state = _state()
    assert state["schema"] == RUNNER_STATE_SCHEMA and state["persistence_format"] == "json"
    assert state["run_status"] == "planned" and state["run_id"] == "run-1"
    assert state["source"]["execution_order"] == ["make", "double"]
    assert state["provenance"]["real_app_execution"] is False
    assert (state["unit_count"], state["runnable_unit_ids"], state["blocked_unit_ids"]) == (2, ["make"], ["double"])
    make, double = state["units"]
    assert make["dispatch_status"] == "runnable" and double["dispatch_status"] == "blocked"
    assert double["depends_on"] == ["make"]
    assert double["artifact_dependencies"] == [{"artifact": "number", "from": "make", "kind": "file",
                                                "path": "t/number.txt"}]
    assert double["operator_ui"]["state"] == "waiting_for_artifacts"
    assert double["operator_ui"]["blocked_by_artifacts"] == ["number"]
    assert make["operator_ui"]["state"] == "ready_to_dispatch"
    assert set(make["retry"]) == {"policy", "attempt", "max_attempts", "status", "last_error", "next_action"}
    assert make["execution_contract"]["command"][0] == "python"
    assert state["events"][0]["kind"] == "run_planned"
    assert set(state["events"][0]) >= {"timestamp", "kind", "unit_id", "from_status", "to_status", "detail"}


def test_revisions_increase_and_a_stale_write_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "runner_state.json"
    first = RunnerStateStore(path)
    assert first.load() is None
    assert first.save(_state()) == 1
    mine, theirs = RunnerStateStore(path), RunnerStateStore(path)
    state_a, state_b = mine.load(), theirs.load()
    assert state_a is not None and state_b is not None
    state_a["run_status"] = "written-by-a"
    assert mine.save(state_a) == 2
    on_disk = path.read_text()
    state_b["run_status"] = "written-by-b"
    with pytest.raises(StaleRevisionError, match="revision 2 but this write was based on revision 1") as info:
        theirs.save(state_b)
    assert isinstance(info.value, FileChangedError)
    assert path.read_text() == on_disk
    assert json.loads(on_disk)["run_status"] == "written-by-a"
    theirs.load()
    assert theirs.save(state_b) == 3


def test_a_store_that_never_loaded_cannot_overwrite_existing_state(tmp_path: Path) -> None:
    path = tmp_path / "runner_state.json"
    RunnerStateStore(path).save(_state())
    before = path.read_text()
    with pytest.raises(StaleRevisionError):
        RunnerStateStore(path).save(_state())
    assert path.read_text() == before


@pytest.mark.parametrize(("text", "words"), [
    ('{"schema": "agilab.global_pipeline_runner_state.v1",\n "units": [', "line 2"),
    ('{"schema": "something.else"}', "not a runner state"),
    ('{"schema": "agilab.global_pipeline_runner_state.v1"}', "lacks its units"),
])
def test_broken_state_file_is_reported_with_its_path(tmp_path: Path, text: str, words: str) -> None:
    path = tmp_path / "runner_state.json"
    path.write_text(text)
    with pytest.raises(SettingsError, match=words) as info:
        RunnerStateStore(path).load()
    assert str(path) in str(info.value)
    assert path.read_text() == text
