"""Template stages inside ``lab_stages.toml``: status against the registry, code, creation and refresh."""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from stage_templates import (
    RAW_PYTHON_KIND,
    TEMPLATE_KIND,
    TemplateError,
    TemplatePayload,
    TemplateRegistry,
    default_registry,
)

from .lab_file import LabStagesFile, StageError


class StageStatus(StrEnum):
    """How a saved stage relates to the template registry."""

    CURRENT = "current"
    OUTDATED = "outdated"
    RAW_PYTHON = "raw_python"
    UNKNOWN_TEMPLATE = "unknown_template"
    NEWER = "newer"
    """Saved by a newer registry (AGILab's v3 of a family we have at v1): rendered from its payload when
    that validates, never refreshed, since a refresh would move it to an older version."""


@dataclass(frozen=True)
class TemplateState:
    """The status of one stage, with the versions compared and a human reason."""

    status: StageStatus
    template_id: str = ""
    saved_version: int | None = None
    current_version: int | None = None
    reason: str = ""


def is_template_stage(stage: Mapping[str, Any]) -> bool:
    """True when the stage carries a template identity (``template_id``) or says ``kind = "template"``."""
    return bool(str(stage.get("template_id") or "").strip()) or stage.get("kind") == TEMPLATE_KIND


def _registry(registry: TemplateRegistry | None) -> TemplateRegistry:
    return registry if registry is not None else default_registry()


def _version(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def stage_status(stage: Mapping[str, Any], registry: TemplateRegistry | None = None) -> TemplateState:
    """Compare a saved stage with the registry; nothing is rewritten, the result only describes it."""
    if not is_template_stage(stage):
        return TemplateState(StageStatus.RAW_PYTHON, reason="custom Python, stored and run as written")
    template_id = str(stage.get("template_id") or "").strip()
    saved = _version(stage.get("template_version"))
    family = _registry(registry).get(template_id)
    if family is None:
        return TemplateState(StageStatus.UNKNOWN_TEMPLATE, template_id, saved,
                             reason=f"template '{template_id}' is not in this registry; the saved code is used")
    if "args" not in stage and "template_payload" in stage:
        return TemplateState(StageStatus.UNKNOWN_TEMPLATE, template_id, saved, family.version,
                             reason="payload written by another AGILab template registry; the saved code is used")
    if saved is not None and saved > family.version:
        return TemplateState(StageStatus.NEWER, template_id, saved, family.version,
                             reason=f"saved with v{saved} (AGILab's registry), newer than this registry's "
                                    f"v{family.version}: run from its payload as saved, never refreshed to an "
                                    "older version")
    if saved != family.version:
        return TemplateState(StageStatus.OUTDATED, template_id, saved, family.version,
                             reason=f"saved with v{saved}, the registry has v{family.version}; "
                                    "refresh it from the template to update")
    return TemplateState(StageStatus.CURRENT, template_id, saved, family.version, reason="up to date")


def payload_from_stage(stage: Mapping[str, Any], registry: TemplateRegistry | None = None) -> TemplatePayload:
    """The structured payload of a template stage (``question`` falls back to AGILab's ``Q``)."""
    template_id = str(stage.get("template_id") or "")
    family = _registry(registry).get(template_id)
    default_action = default_engine = ""
    if family is not None:
        args = family.stage_args(stage)
        default_action, default_engine = family.default_action, family.default_engine
    else:
        args = stage.get("args") or {}
        if not isinstance(args, Mapping):
            raise TemplateError(f"template stage '{template_id}': 'args' must be a table")
    return TemplatePayload(
        template_id=template_id,
        template_version=_version(stage.get("template_version")) or 0,
        app=str(stage.get("app") or ""),
        action=str(stage.get("action") or stage.get("task") or default_action),
        engine=str(stage.get("engine") or stage.get("R") or default_engine),
        question=str(stage.get("question") or stage.get("Q") or ""),
        args=dict(args),
    )


def stage_code(stage: Mapping[str, Any], registry: TemplateRegistry | None = None) -> str:
    """The Python a stage runs: the rendering for a current template stage, the saved ``C`` otherwise.

    Outdated and unknown template stages run their saved code: a newer template is only used after an
    explicit refresh.

    Raises:
        TemplateError: a current template stage whose args do not validate or render.
    """
    state = stage_status(stage, registry)
    if state.status is StageStatus.NEWER and not str(stage.get("C") or "").strip():
        # AGILab's payload without a rendering: our renderer runs it when the payload validates.
        family = _registry(registry).require(state.template_id)
        return family.render(payload_from_stage(stage, registry))
    if state.status is not StageStatus.CURRENT:
        return str(stage.get("C") or "")
    family = _registry(registry).require(state.template_id)
    return family.render(payload_from_stage(stage, registry))


def _same_content(saved: Any, proposed: Any) -> bool:
    # A contract saved as a table and the same contract as JSON text are one value in two forms.
    if isinstance(proposed, str) and isinstance(saved, Mapping | list):
        try:
            return bool(json.loads(proposed) == saved)
        except json.JSONDecodeError:
            return False
    return bool(saved == proposed)


def template_keys(payload: TemplatePayload, registry: TemplateRegistry | None = None,
                  existing: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Every key a template stage stores: the payload, the rendered ``C`` and AGILab's mirror keys.

    Keys of ``existing`` that already hold the same content keep their saved form.
    """
    family = _registry(registry).require(payload.template_id)
    current = TemplatePayload(
        template_id=family.template_id,
        template_version=family.version,
        app=payload.app,
        action=payload.action or family.default_action,
        engine=payload.engine or family.default_engine,
        question=payload.question,
        args=family.dump_args(family.validate(payload)),
    )
    keys: dict[str, Any] = {
        "kind": TEMPLATE_KIND,
        "template_id": current.template_id,
        "template_version": current.template_version,
        "app": current.app,
        "action": current.action,
        "engine": current.engine,
        "question": current.question,
        "args": current.args_dict(),
        "C": family.render(current),
    }
    if not family.stores_args:
        del keys["args"]
    keys.update(family.extra_keys(current))
    if existing is not None:
        keys = {key: existing[key] if key in existing and _same_content(existing[key], value) else value
                for key, value in keys.items()}
    return keys


def new_template_stage(template_id: str, *, app: str = "", action: str = "", engine: str = "",
                       question: str = "", args: Mapping[str, Any] | None = None, description: str = "",
                       registry: TemplateRegistry | None = None) -> dict[str, Any]:
    """A complete new template stage (AGILab's ``D/Q/M/C/R/E`` plus the payload), ready for ``add_stage``."""
    payload = TemplatePayload(template_id, 0, app, action, engine, question, dict(args or {}))
    keys = template_keys(payload, registry)
    stage: dict[str, Any] = {"D": description or question, "Q": question, "M": "", "C": keys.pop("C"),
                             "R": keys["engine"], "E": ""}
    stage.update(keys)
    return stage


def raw_python_stage(code: str, *, description: str = "", question: str = "", runtime: str = "runpy",
                     env: str = "") -> dict[str, Any]:
    """A new custom-code stage, stored and run exactly as written."""
    return {"D": description, "Q": question, "M": "", "C": code, "R": runtime, "E": env,
            "kind": RAW_PYTHON_KIND}


def describe_stage(stage: Mapping[str, Any]) -> str:
    """A stage as ``key = value`` lines followed by its code: the text compared in previews."""
    lines = [f"{key} = {json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)}"
             for key, value in stage.items() if key != "C"]
    code = str(stage.get("C") or "")
    return "\n".join(lines) + "\n--- C ---\n" + code + ("" if code.endswith("\n") or not code else "\n")


def stage_diff(before: Mapping[str, Any], after: Mapping[str, Any], label: str) -> str:
    """Unified diff between two versions of a stage (payload keys and code)."""
    return "".join(difflib.unified_diff(
        describe_stage(before).splitlines(keepends=True), describe_stage(after).splitlines(keepends=True),
        fromfile=f"{label} (saved)", tofile=f"{label} (proposed)"))


@dataclass(frozen=True)
class TemplateRefresh:
    """A proposed refresh of one stage; nothing is written until :func:`apply_refresh`."""

    before: dict[str, Any]
    after: dict[str, Any]
    diff: str
    changes: dict[str, Any] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        """True when applying the refresh would change the stage."""
        return bool(self.changes)


def refresh_from_template(stage: Mapping[str, Any], registry: TemplateRegistry | None = None) -> TemplateRefresh:
    """Re-render a template stage with the registry's current version and show what would change.

    Raises:
        TemplateError: the stage is not a known template, or its args are invalid for the current version.
    """
    state = stage_status(stage, registry)
    if state.status in (StageStatus.RAW_PYTHON, StageStatus.UNKNOWN_TEMPLATE, StageStatus.NEWER):
        raise TemplateError(f"stage '{stage.get('D') or stage.get('Q') or ''}' cannot be refreshed: "
                            f"{state.reason}")
    payload = payload_from_stage(stage, registry)
    keys = template_keys(payload, registry, existing=stage)
    before = dict(stage)
    # A payload key the stage leaves out but already implies (question from Q, a default) is not a change.
    implied = {"app": payload.app, "action": payload.action, "engine": payload.engine,
               "question": payload.question}
    changes = {key: value for key, value in keys.items()
               if (before[key] != value if key in before else implied.get(key, object()) != value)}
    after = {**before, **changes}
    label = f"{state.template_id} v{state.saved_version}->v{state.current_version}"
    return TemplateRefresh(before, after, stage_diff(before, after, label), changes)


def apply_refresh(lab: LabStagesFile, module: str, index: int, refresh: TemplateRefresh) -> None:
    """Apply a previewed refresh to the in-memory lab (call ``lab.save()`` to write it).

    Raises:
        StageError: the stage changed since the refresh was previewed.
    """
    if lab.stage(module, index) != refresh.before:
        raise StageError(f"{lab.path}: stage {index} of '{module}' changed since the refresh was previewed")
    lab.update_stage(module, index, refresh.changes, allow_locked=True)
