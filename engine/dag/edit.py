"""Editing a plan without touching raw JSON: steps, created artifacts, uses, check, save and export."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..atomic import atomic_write_text, content_digest, file_lock
from ..errors import AgilabError, FileChangedError, SettingsError
from ..workspace import AppProject, Workspace
from .check import CheckResult, check_plan
from .model import CONTROLLED_ADAPTER, CONTROLLED_RUNNER_STATUS, NODE_ID_RE, PLAN_SCHEMA
from .sources import drafts_dir, read_plan_text


class PlanEditError(AgilabError):
    """An edit would make the plan inconsistent; nothing was changed."""


class PlanDraft:
    """A plan being edited in memory; every method either applies its edit completely or raises."""

    def __init__(self, data: dict[str, Any], *, origin: Path | None = None, origin_digest: str | None = None):
        self.data = copy.deepcopy(data)
        self.data.setdefault("nodes", [])
        self.data.setdefault("edges", [])
        self.origin = origin
        self.origin_digest = origin_digest

    @classmethod
    def new(cls, dag_id: str, *, label: str = "", description: str = "") -> PlanDraft:
        _valid_id(dag_id, "plan id")
        return cls({"schema": PLAN_SCHEMA, "dag_id": dag_id, "label": label, "description": description,
                    "execution": {"mode": "sequential_dependency_order"}, "nodes": [], "edges": []})

    @classmethod
    def load(cls, path: Path | str) -> PlanDraft:
        """Open a plan file for editing; broken JSON raises an error naming the file and line."""
        path = Path(path)
        text = read_plan_text(path)
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise SettingsError(path, f"invalid JSON: {exc.msg} (column {exc.colno})", line=exc.lineno) from None
        if not isinstance(data, dict):
            raise SettingsError(path, "a plan must be a JSON object")
        return cls(data, origin=path, origin_digest=content_digest(path))

    # --- reading ------------------------------------------------------------------------------
    @property
    def step_ids(self) -> list[str]:
        return [n.get("id") for n in self.data["nodes"] if isinstance(n, dict)]

    def _node(self, step_id: str) -> dict[str, Any]:
        for node in self.data["nodes"]:
            if isinstance(node, dict) and node.get("id") == step_id:
                return node
        raise PlanEditError(f"no step '{step_id}' in plan '{self.data.get('dag_id', '')}'")

    def producer_of(self, artifact_id: str) -> str | None:
        for node in self.data["nodes"]:
            if any(isinstance(a, dict) and a.get("id") == artifact_id for a in node.get("produces") or ()):
                return node.get("id")
        return None

    def check(self, known_apps: Iterable[str] | None = None) -> CheckResult:
        return check_plan(self.data, known_apps, source=str(self.origin or ""))

    def to_json(self) -> str:
        """The generated plan JSON, as it would be saved."""
        return json.dumps(self.data, indent=2, ensure_ascii=False) + "\n"

    # --- editing ------------------------------------------------------------------------------
    def set_meta(self, *, label: str | None = None, description: str | None = None,
                 controlled: bool | None = None) -> None:
        """Change the readable name, purpose, or the controlled execution marker."""
        if label is not None:
            self.data["label"] = label
        if description is not None:
            self.data["description"] = description
        if controlled is not None:
            execution = self.data.setdefault("execution", {})
            if controlled:
                execution.update(runner_status=CONTROLLED_RUNNER_STATUS, adapter=CONTROLLED_ADAPTER)
            else:
                execution.pop("runner_status", None)
                execution.pop("adapter", None)

    def add_step(self, step_id: str, app: str, *, purpose: str = "", entrypoint: str | None = None,
                 command: list[str] | None = None, params: dict[str, Any] | None = None,
                 data_in: str | None = None, data_out: str | None = None) -> None:
        """Add a step owned by ``app``; run it with ``entrypoint`` (``<app>.run``) or ``command`` (argv)."""
        _valid_id(step_id, "step id")
        if step_id in self.step_ids:
            raise PlanEditError(f"step id '{step_id}' is already used")
        if not app:
            raise PlanEditError("a step needs an app")
        if isinstance(command, str):
            raise PlanEditError("command must be an argv list, not a shell string")
        execution: dict[str, Any] = {"params": dict(params or {}), "stages": []}
        if entrypoint:
            execution["entrypoint"] = entrypoint
        if command:
            execution["command"] = [str(a) for a in command]
        if data_in is not None:
            execution["data_in"] = data_in
        if data_out is not None:
            execution["data_out"] = data_out
        self.data["nodes"].append({"id": step_id, "app": app, "purpose": purpose, "execution": execution,
                                   "produces": [], "consumes": []})

    def remove_step(self, step_id: str) -> list[str]:
        """Remove a step, its edges, and the uses of what it created; returns what was dropped."""
        node = self._node(step_id)
        created = {a.get("id") for a in node.get("produces") or ()}
        dropped = [f"step {step_id}"]
        self.data["nodes"].remove(node)
        for other in self.data["nodes"]:
            kept = [a for a in other.get("consumes") or () if a.get("id") not in created]
            if len(kept) != len(other.get("consumes") or ()):
                dropped.append(f"uses of {', '.join(sorted(created))} by {other.get('id')}")
                other["consumes"] = kept
        edges = self.data["edges"]
        self.data["edges"] = [e for e in edges if step_id not in (e.get("from"), e.get("to"))]
        if len(self.data["edges"]) != len(edges):
            dropped.append(f"{len(edges) - len(self.data['edges'])} edge(s)")
        return dropped

    def add_created(self, step_id: str, artifact_id: str, *, kind: str = "", path: str = "") -> None:
        """Declare that ``step_id`` creates ``artifact_id`` (written at ``path`` under the data share)."""
        node = self._node(step_id)
        if not artifact_id:
            raise PlanEditError("an artifact needs an id")
        owner = self.producer_of(artifact_id)
        if owner is not None:
            raise PlanEditError(f"artifact '{artifact_id}' is already created by step '{owner}'")
        node.setdefault("produces", []).append({"id": artifact_id, "kind": kind, "path": path})

    def remove_created(self, step_id: str, artifact_id: str) -> None:
        """Drop a created artifact together with every use of it."""
        node = self._node(step_id)
        produces = node.get("produces") or []
        if not any(a.get("id") == artifact_id for a in produces):
            raise PlanEditError(f"step '{step_id}' does not create '{artifact_id}'")
        node["produces"] = [a for a in produces if a.get("id") != artifact_id]
        for other in self.data["nodes"]:
            if any(a.get("id") == artifact_id for a in other.get("consumes") or ()):
                self.remove_use(other["id"], artifact_id)

    def add_use(self, step_id: str, artifact_id: str, *, handoff: str = "") -> None:
        """Make ``step_id`` use an artifact created by another step (a consumes entry and an edge)."""
        node = self._node(step_id)
        owner = self.producer_of(artifact_id)
        if owner is None:
            raise PlanEditError(f"no step creates artifact '{artifact_id}'")
        if owner == step_id:
            raise PlanEditError(f"step '{step_id}' cannot use the artifact it creates")
        if any(a.get("id") == artifact_id for a in node.get("consumes") or ()):
            raise PlanEditError(f"step '{step_id}' already uses '{artifact_id}'")
        meta = next(a for a in self._node(owner)["produces"] if a.get("id") == artifact_id)
        before = copy.deepcopy(self.data)
        node.setdefault("consumes", []).append({"id": artifact_id, "kind": meta.get("kind", ""),
                                                "path": meta.get("path", "")})
        self.data["edges"].append({"from": owner, "to": step_id, "artifact": artifact_id, "handoff": handoff})
        cycles = [i.message for i in check_plan(self.data).issues if i.message.startswith("dependency cycle")]
        if cycles:
            self.data = before
            raise PlanEditError(f"using '{artifact_id}' in '{step_id}' would close a {cycles[0]}")

    def remove_use(self, step_id: str, artifact_id: str) -> None:
        """Stop ``step_id`` using ``artifact_id`` (its consumes entry and matching edges go)."""
        node = self._node(step_id)
        consumes = node.get("consumes") or []
        if not any(a.get("id") == artifact_id for a in consumes):
            raise PlanEditError(f"step '{step_id}' does not use '{artifact_id}'")
        node["consumes"] = [a for a in consumes if a.get("id") != artifact_id]
        self.data["edges"] = [e for e in self.data["edges"]
                              if not (e.get("to") == step_id and e.get("artifact") == artifact_id)]

    # --- saving -------------------------------------------------------------------------------
    def export(self, path: Path | str, *, overwrite: bool = False) -> Path:
        """Write the generated JSON to ``path`` atomically; an existing file is kept unless it is this
        draft's own unchanged origin or ``overwrite`` is set."""
        target = Path(path).expanduser()
        with file_lock(target):
            current = content_digest(target)
            is_origin = self.origin is not None and target.resolve() == self.origin.resolve()
            if current is not None and not overwrite:
                if not is_origin:
                    raise AgilabError(f"{target}: a file already exists there; choose another name or overwrite")
                if current != self.origin_digest:
                    raise FileChangedError(target)
            atomic_write_text(target, self.to_json())
        self.origin, self.origin_digest = target, content_digest(target)
        return target

    def save_workspace(self, workspace: Workspace, app: AppProject, *, overwrite: bool = False) -> Path:
        """Save as a workspace plan of ``app``: ``<export>/<module>/.agilab/multi_app_dags/<dag_id>.json``."""
        dag_id = self.data.get("dag_id")
        if not isinstance(dag_id, str) or not NODE_ID_RE.match(dag_id):
            raise PlanEditError(f"plan id {dag_id!r} cannot name a file: use letters, digits, '_', '.', '-'")
        return self.export(drafts_dir(workspace, app) / f"{dag_id}.json", overwrite=overwrite)


def _valid_id(value: str, what: str) -> None:
    if not isinstance(value, str) or not NODE_ID_RE.match(value):
        raise PlanEditError(f"{what} {value!r} is not valid: use letters, digits, '_', '.', '-' "
                            "and start with a letter or digit")
