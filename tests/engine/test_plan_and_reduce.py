from __future__ import annotations

import json

import pytest

from engine import distribution
from engine.errors import AgilabError
from workers.base_worker import WorkerContext
from workers.dag_worker import DagWorker, topological_order
from workers.plan import WorkPlan, make_chunks, reassign
from workers.reduce import ReduceContract, ReducePartial, numeric_sum_merge, require_payload_keys


def test_make_chunks_balances_weights_deterministically():
    weights = [9, 7, 6, 5, 4, 3, 2, 1]
    bins = make_chunks(weights, 3)
    loads = [sum(weights[i] for i in b) for b in bins]
    assert sorted(i for b in bins for i in b) == list(range(8))
    assert max(loads) - min(loads) <= max(weights) / 2
    assert make_chunks(weights, 3) == bins
    with pytest.raises(ValueError):
        make_chunks(weights, 0)


def test_work_plan_round_trip_and_reassign():
    parts = [(f"f{i}.csv", float(10 - i), [f"/d/f{i}.csv"]) for i in range(5)]
    plan = WorkPlan.from_partitions({"127.0.0.1": 2, "10.0.0.2": 1}, parts, partition_key="file",
                                    nb_unit="size_kb", weights_unit="KB").to_dict()
    assert plan["worker_slots"] == ["127.0.0.1-0", "127.0.0.1-1", "10.0.0.2-0"]
    assert WorkPlan.from_dict(json.loads(json.dumps(plan))).fingerprint() == plan["cache_context"]["fingerprint"]
    moved = reassign(plan, 0, 0, 2)
    assert len(moved["work_plan"][2]) == len(plan["work_plan"][2]) + 1
    assert moved["work_plan_metadata"][2][-1] == plan["work_plan_metadata"][0][0]
    assert plan["work_plan"] != moved["work_plan"]  # the input is left as it was
    distribution.validate_plan(moved)
    with pytest.raises(ValueError):
        reassign(plan, 0, 99, 1)
    broken = dict(moved, work_plan_metadata=moved["work_plan_metadata"][:1])
    with pytest.raises(AgilabError):
        distribution.validate_plan(broken)


def test_topological_order_and_cycle():
    items = [{"id": "c", "deps": ["a", "b"]}, {"id": "a", "deps": []}, {"id": "b", "deps": ["a"]}]
    assert [i["id"] for i in topological_order(items)] == ["a", "b", "c"]
    with pytest.raises(ValueError, match="cycle"):
        topological_order([{"id": "x", "deps": ["y"]}, {"id": "y", "deps": ["x"]}])


class SumWorker(DagWorker):
    def load(self, value):
        return value

    def add(self, results):
        return sum(results.values())


def test_dag_worker_runs_dependencies_first(tmp_path):
    ctx = WorkerContext(0, "h-0", 1, {}, str(tmp_path), str(tmp_path))
    items = [[{"id": "sum", "functions name": "add", "args": {}, "deps": ["x", "y"]}],
             [{"id": "x", "functions name": "load", "args": {"value": 2}, "deps": []},
              {"id": "y", "functions name": "load", "args": {"value": 5}, "deps": []}]]
    worker = SumWorker(ctx)
    report = worker.works(items, [{"partition": "a"}, {"partition": "b"}])
    assert worker.results["sum"] == 7 and report["items"] == 3


def test_reduce_contract_merges_in_stable_order():
    contract = ReduceContract("n", "r.v1", numeric_sum_merge, require_payload_keys("a"))
    artifact = contract.build([ReducePartial("p2", {"a": 0.1}), ReducePartial("p1", {"a": 0.2})])
    assert artifact.partial_ids == ("p1", "p2") and artifact.to_dict()["partial_count"] == 2
    assert artifact.payload["a"] == pytest.approx(0.3)
    with pytest.raises(ValueError, match="lacks a"):
        contract.build([ReducePartial("p", {"b": 1})])
