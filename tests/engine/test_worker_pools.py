"""The pool bit in-process: process and thread executors give the same results as the plain loop."""

from __future__ import annotations

import os

import pytest

from workers.base_worker import BaseWorker, WorkerContext


class PidWorker(BaseWorker):
    def work_pool(self, item):
        return (item * item, os.getpid())

    def work_done(self, results, metadata):
        self.outputs.extend(str(value) for value, _ in results)
        self.pids = getattr(self, "pids", set()) | {pid for _, pid in results}


@pytest.mark.parametrize("mode, executor", [(0, "auto"), (1, "process"), (1, "thread")])
def test_pool_executors_match_the_plain_loop(tmp_path, mode, executor):
    context = WorkerContext(0, "local-0", mode, {}, str(tmp_path), str(tmp_path), pool_workers=2,
                            pool_executor=executor)
    worker = PidWorker(context)
    report = worker.works([[1, 2, 3], [4, 5]], [{"partition": "a"}, {"partition": "b"}])
    assert worker.outputs == ["1", "4", "9", "16", "25"] and report["items"] == 5
    if executor == "process":
        assert os.getpid() not in worker.pids  # work really ran in pool processes
    else:
        assert worker.pids == {os.getpid()}
