"""The reduce contract: per-partition partials merged into one ``reduce_summary_worker_<id>.json``."""

from __future__ import annotations

import contextlib
import json
import math
import os
import tempfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SCHEMA_VERSION = 1


@dataclass(frozen=True)
class ReducePartial:
    """The contribution of one partition."""

    partial_id: str
    payload: dict[str, Any]


@dataclass(frozen=True)
class ReduceArtifact:
    """The merged result, serialised exactly as AGILab's ``ReduceArtifact.to_dict()``."""

    name: str
    reducer: str
    partial_ids: tuple[str, ...]
    payload: dict[str, Any]
    metadata: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "name": self.name,
            "reducer": self.reducer,
            "partial_count": len(self.partial_ids),
            "partial_ids": list(self.partial_ids),
            "payload": self.payload,
            "metadata": self.metadata,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ReduceArtifact:
        if data.get("schema_version") != SCHEMA_VERSION:
            raise ValueError(f"unsupported reduce artefact schema_version {data.get('schema_version')!r}")
        return cls(data["name"], data["reducer"], tuple(data["partial_ids"]), dict(data["payload"]),
                   dict(data.get("metadata", {})))


def require_payload_keys(*keys: str) -> Callable[[ReducePartial], None]:
    """A partial validator that rejects payloads missing any of ``keys``."""

    def check(partial: ReducePartial) -> None:
        missing = [k for k in keys if k not in partial.payload]
        if missing:
            raise ValueError(f"partial {partial.partial_id} lacks {', '.join(missing)}")

    return check


def numeric_sum_merge(payloads: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Sum numeric keys exactly (math.fsum), so the merge does not depend on partition order."""
    values: dict[str, list[float]] = {}
    for payload in payloads:
        for key, value in payload.items():
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                values.setdefault(key, []).append(value)
    merged: dict[str, Any] = {}
    for key, items in values.items():
        merged[key] = sum(items) if all(isinstance(v, int) for v in items) else math.fsum(items)
    return merged


@dataclass(frozen=True)
class ReduceContract:
    """How an app's partials merge: a name, a merge function, and validators."""

    name: str
    reducer: str
    merge: Callable[[list[dict[str, Any]]], dict[str, Any]]
    validate_partial: Callable[[ReducePartial], None] = lambda partial: None
    validate_artifact: Callable[[ReduceArtifact], None] = lambda artifact: None
    metadata: dict[str, Any] = field(default_factory=dict)

    def build(self, partials: Iterable[ReducePartial]) -> ReduceArtifact:
        """Validate and merge partials in a stable (sorted id) order."""
        ordered = sorted(partials, key=lambda p: p.partial_id)
        for partial in ordered:
            self.validate_partial(partial)
        artifact = ReduceArtifact(self.name, self.reducer, tuple(p.partial_id for p in ordered),
                                  self.merge([p.payload for p in ordered]), dict(self.metadata))
        self.validate_artifact(artifact)
        return artifact

    def merge_artifacts(self, artifacts: Iterable[ReduceArtifact]) -> ReduceArtifact:
        """Merge per-worker artefacts into one, as if all partials had been merged at once."""
        items = list(artifacts)
        ids = tuple(sorted(i for a in items for i in a.partial_ids))
        merged = ReduceArtifact(self.name, self.reducer, ids, self.merge([a.payload for a in items]),
                                dict(self.metadata))
        self.validate_artifact(merged)
        return merged


def artifact_filename(worker_id: int | str) -> str:
    return f"reduce_summary_worker_{worker_id}.json"


def write_artifact(artifact: ReduceArtifact, folder: Path | str, filename: str) -> Path:
    """Atomic JSON write (temp file + rename) so a reader never sees half an artefact."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / filename
    fd, tmp = tempfile.mkstemp(prefix=f".{filename}.", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(artifact.to_dict(), handle, indent=2, sort_keys=True)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)  # a full disk leaves no hidden temp file behind
        raise
    return target
