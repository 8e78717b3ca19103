"""``DagWorker``: runs dependent work items of one slot in topological order."""

from __future__ import annotations

import inspect
from collections import deque
from typing import Any

from .base_worker import BaseWorker


def topological_order(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Kahn's algorithm over ``id``/``deps``; ties keep the plan order; a cycle is an error naming it."""
    by_id = {item["id"]: item for item in items}
    indegree = {item["id"]: 0 for item in items}
    children: dict[str, list[str]] = {item["id"]: [] for item in items}
    for item in items:
        for dep in item.get("deps", []):
            if dep not in by_id:
                raise ValueError(f"work item '{item['id']}' depends on unknown item '{dep}'")
            indegree[item["id"]] += 1
            children[dep].append(item["id"])
    ready = deque(i["id"] for i in items if indegree[i["id"]] == 0)
    order: list[dict[str, Any]] = []
    while ready:
        current = ready.popleft()
        order.append(by_id[current])
        for child in children[current]:
            indegree[child] -= 1
            if indegree[child] == 0:
                ready.append(child)
    if len(order) != len(items):
        stuck = sorted(k for k, v in indegree.items() if v > 0)
        raise ValueError(f"work items form a cycle: {', '.join(stuck)}")
    return order


class DagWorker(BaseWorker):
    """Each item is ``{"id", "functions name", "args", "deps"}``; a function may take ``results``."""

    def __init__(self, context: Any):
        super().__init__(context)
        self.results: dict[str, Any] = {}

    def _invoke(self, item: dict[str, Any]) -> Any:
        function = getattr(self, item["functions name"])
        kwargs = dict(item.get("args", {}))
        if "results" in inspect.signature(function).parameters:
            kwargs["results"] = {dep: self.results[dep] for dep in item.get("deps", [])}
        return function(**kwargs)

    def works(self, chunks: list[list[Any]], metadata: list[dict[str, Any]], progress: Any = None) -> dict[str, Any]:
        """Dependencies cross chunks, so all items of the slot are ordered together, then run in-process."""
        items = [item for chunk in chunks for item in chunk]
        ordered = topological_order(items)
        flat_chunks = [[item] for item in ordered]
        flat_meta = [{"partition": item["id"], "weight": 1.0} for item in ordered]
        original_mode = self.context.mode
        self.context.mode = original_mode & ~1  # dependent items cannot be farmed out to a pool blindly
        try:
            return super().works(flat_chunks, flat_meta, progress)
        finally:
            self.context.mode = original_mode

    def work_pool(self, item: dict[str, Any]) -> Any:
        result = self._invoke(item)
        self.results[item["id"]] = result
        return result
