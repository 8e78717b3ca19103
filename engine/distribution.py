"""Work plan editing for the UI: validation and moving partitions between worker slots."""

from __future__ import annotations

from typing import Any

from workers.plan import SCHEMA, reassign

from .errors import AgilabError

__all__ = ["reassign", "validate_plan", "slot_summary"]


def validate_plan(plan: dict[str, Any]) -> None:
    """Reject a plan whose shape cannot run: wrong schema, ragged metadata, slots not matching workers."""
    if plan.get("schema") != SCHEMA:
        raise AgilabError(f"work plan schema must be {SCHEMA}, got {plan.get('schema')!r}")
    work, meta, slots = plan.get("work_plan"), plan.get("work_plan_metadata"), plan.get("worker_slots")
    if not isinstance(work, list) or not isinstance(meta, list) or not isinstance(slots, list):
        raise AgilabError("work plan needs work_plan, work_plan_metadata and worker_slots lists")
    if not len(work) == len(meta) == len(slots):
        raise AgilabError(f"work plan has {len(work)} slots of work, {len(meta)} of metadata, {len(slots)} labels")
    for index, (chunks, chunk_meta) in enumerate(zip(work, meta, strict=True)):
        if len(chunks) != len(chunk_meta):
            raise AgilabError(f"slot {slots[index]}: {len(chunks)} chunks but {len(chunk_meta)} metadata entries")


def slot_summary(plan: dict[str, Any]) -> list[dict[str, Any]]:
    """Per slot: label, partitions with weights, and total load (for trees and load bars)."""
    rows = []
    for label, chunk_meta in zip(plan["worker_slots"], plan["work_plan_metadata"], strict=True):
        rows.append({"slot": label, "partitions": [(m.get("partition"), m.get("weight", 0.0)) for m in chunk_meta],
                     "load": sum(m.get("weight", 0.0) for m in chunk_meta)})
    return rows
