from __future__ import annotations

import pytest

from engine.errors import ModeError
from engine.run_request import RunRequest, RunRequestError, StageRequest


def test_forbidden_params_fail_fast():
    for key in ("args", "steps", "_agilab_run_stages", "data_in"):
        with pytest.raises(RunRequestError, match=key):
            RunRequest(params={key: 1})


def test_share_root_aliases_must_match():
    with pytest.raises(RunRequestError, match="aliases"):
        RunRequest(workers_data_path="a", workflow_share_root="b")
    assert RunRequest(workers_data_path="a", workflow_share_root="a").share_root == "a"


def test_kwargs_and_modes():
    request = RunRequest(params={"nfile": 2}, stages=[{"name": "s", "args": {"k": 1}}], data_in="in", data_out="out",
                         reset_target=False, mode="dp")
    assert request.mode == 5
    assert request.to_app_kwargs() == {"nfile": 2, "data_in": "in", "data_out": "out", "reset_target": False}
    assert request.to_dispatch_kwargs()["_agilab_run_stages"] == [{"name": "s", "args": {"k": 1}}]
    assert isinstance(request.stages[0], StageRequest)
    assert RunRequest(mode=None).benchmark_modes == list(range(8))
    assert RunRequest(mode=[0, 4]).benchmark_modes == [0, 4]
    with pytest.raises(ModeError):
        RunRequest(mode=64)


def test_with_execution_only_touches_execution_fields():
    request = RunRequest(params={"a": 1})
    assert request.with_execution(mode=1).mode == 1
    with pytest.raises(RunRequestError):
        request.with_execution(params={})
    assert RunRequest.from_dict({"mode": 2, "verbose": 1}).mode == 2
    with pytest.raises(RunRequestError, match="unknown"):
        RunRequest.from_dict({"bogus": 1})
