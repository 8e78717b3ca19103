"""Work plans: partitions balanced by weight over worker slots, saved as ``distribution_tree.json``."""

from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

SCHEMA = "agilab.distribution_tree.v2"


def host_name(host: str) -> str:
    """The bare host of a worker-map key (``user@host:sshport`` -> ``host``), as Dask workers are named."""
    bare = host.rsplit("@", 1)[-1]
    if bare.count(":") == 1:
        bare = bare.split(":", 1)[0]
    return bare


def slot_labels(workers: dict[str, int]) -> list[str]:
    """AGILab expands each host into ``<host>-<i>`` labels, one per slot."""
    return [f"{host_name(host)}-{i}" for host, slots in workers.items() for i in range(slots)]


def make_chunks(weights: list[float], n_slots: int) -> list[list[int]]:
    """Assign item indices to ``n_slots`` bins, heaviest first onto the lightest bin (LPT).

    Ties go to the lowest slot and items keep a stable order inside each bin, so the plan
    is deterministic for the same inputs.
    """
    if n_slots < 1:
        raise ValueError("a work plan needs at least one worker slot")
    bins: list[list[int]] = [[] for _ in range(n_slots)]
    loads = [0.0] * n_slots
    for index in sorted(range(len(weights)), key=lambda i: (-weights[i], i)):
        target = min(range(n_slots), key=lambda s: (loads[s], s))
        bins[target].append(index)
        loads[target] += weights[index]
    return [sorted(b) for b in bins]


@dataclass
class WorkPlan:
    """Per slot, a list of chunks; each chunk a list of items, with one metadata dict per chunk."""

    workers: dict[str, int]
    work_plan: list[list[list[Any]]]
    work_plan_metadata: list[list[dict[str, Any]]]
    partition_key: str = "file"
    nb_unit: str = "size_kb"
    weights_unit: str = "KB"
    target_args: dict[str, Any] = field(default_factory=dict)
    cache_context: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_partitions(cls, workers: dict[str, int], partitions: list[tuple[str, float, list[Any]]], *,
                        partition_key: str, nb_unit: str, weights_unit: str,
                        target_args: dict[str, Any] | None = None) -> WorkPlan:
        """Balance ``(name, weight, items)`` partitions over the slots of ``workers``."""
        labels = slot_labels(workers)
        bins = make_chunks([w for _, w, _ in partitions], len(labels))
        plan = [[list(partitions[i][2]) for i in b] for b in bins]
        meta = [[{"partition": partitions[i][0], "weight": partitions[i][1]} for i in b] for b in bins]
        return cls(dict(workers), plan, meta, partition_key, nb_unit, weights_unit, dict(target_args or {}))

    @property
    def worker_slots(self) -> list[str]:
        return slot_labels(self.workers)

    def slot_loads(self) -> list[float]:
        return [sum(m.get("weight", 0.0) for m in chunks) for chunks in self.work_plan_metadata]

    def fingerprint(self) -> str:
        payload = json.dumps({"args": self.target_args, "workers": self.workers, "ctx": self.cache_context},
                             sort_keys=True, default=str)
        return hashlib.sha256(payload.encode()).hexdigest()[:16]

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "cache_context": {**self.cache_context, "fingerprint": self.fingerprint()},
            "target_args": self.target_args,
            "workers": self.workers,
            "worker_slots": self.worker_slots,
            "work_plan": self.work_plan,
            "work_plan_metadata": self.work_plan_metadata,
            "partition_key": self.partition_key,
            "nb_unit": self.nb_unit,
            "weights_unit": self.weights_unit,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> WorkPlan:
        if data.get("schema") not in (SCHEMA, None):
            raise ValueError(f"unsupported distribution schema {data.get('schema')!r}")
        plan, meta = data["work_plan"], data["work_plan_metadata"]
        if len(plan) != len(meta) or any(len(p) != len(m) for p, m in zip(plan, meta, strict=True)):
            raise ValueError("work_plan and work_plan_metadata must have the same shape")
        context = {k: v for k, v in data.get("cache_context", {}).items() if k != "fingerprint"}
        return cls(dict(data["workers"]), plan, meta, data.get("partition_key", "file"),
                   data.get("nb_unit", "size_kb"), data.get("weights_unit", "KB"),
                   dict(data.get("target_args", {})), context)


def reassign(plan: dict[str, Any], from_slot: int, chunk_index: int, to_slot: int) -> dict[str, Any]:
    """Move one chunk (partition) from a slot to another; returns a new plan dict, the input is unchanged."""
    new = copy.deepcopy(plan)
    slots = len(new["work_plan"])
    for name, value in (("from_slot", from_slot), ("to_slot", to_slot)):
        if not 0 <= value < slots:
            raise ValueError(f"{name} {value} is outside the {slots} worker slots")
    if not 0 <= chunk_index < len(new["work_plan"][from_slot]):
        raise ValueError(f"slot {from_slot} has no partition number {chunk_index}")
    if from_slot == to_slot:
        return new
    chunk = new["work_plan"][from_slot].pop(chunk_index)
    meta = new["work_plan_metadata"][from_slot].pop(chunk_index)
    new["work_plan"][to_slot].append(chunk)
    new["work_plan_metadata"][to_slot].append(meta)
    new.setdefault("cache_context", {})["reassigned"] = True
    return new
