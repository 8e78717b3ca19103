"""Stale detection against the app: the args a stage passes to an app, checked against its current model.

Template run stages (``pipeline.agi_run.single_action``) and imported ORCHESTRATE run snippets carry
the app's arguments (``RunRequest.params`` plus ``data_in``/``data_out``/``reset_target``). When the
app renames or removes an argument, such a stage is flagged before anything runs, with the explicit
refresh offered; saved code is never rewritten silently. The app's model comes from its manager env
(see :mod:`engine.manager_client`), so nothing of the app is imported here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from stage_templates import TemplateError, TemplatePayload, agi_run

from ..errors import AgilabError
from ..workspace import Workspace
from .templates import TemplateRefresh, is_template_stage, payload_from_stage, stage_diff, template_keys

_EXECUTION_KEYS = ("data_in", "data_out", "reset_target")
SchemaLookup = Callable[[str], "dict[str, Any] | None"]


@dataclass(frozen=True)
class AppArgsStale:
    """One stage whose app arguments no longer match the app's model."""

    index: int
    app: str
    source: str
    """``template`` (a template run stage) or ``snippet`` (an imported ORCHESTRATE snippet)."""
    unknown: list[str] = field(default_factory=list)
    fix: str = ""

    @property
    def reason(self) -> str:
        names = ", ".join(f"'{n}'" for n in self.unknown)
        return (f"stale against {self.app}: argument(s) {names} are not in the app's current args model "
                "(renamed or removed)")

    def to_dict(self) -> dict[str, Any]:
        return {"index": self.index, "app": self.app, "source": self.source, "unknown": self.unknown,
                "reason": self.reason, "fix": self.fix}


def _run_args(args: Mapping[str, Any]) -> dict[str, Any]:
    """The app arguments of an ``AGI.run`` payload: its params and the execution keys it sets."""
    normalised = agi_run.AgiRunArgs.model_validate(dict(args))
    values = dict(normalised.params)
    for key in _EXECUTION_KEYS:
        value = getattr(normalised, key)
        if value is not None:
            values[key] = value
    return values


def stage_app_args(stage: Mapping[str, Any]) -> tuple[str, dict[str, Any], str] | None:
    """``(app, arguments, source)`` of a stage that runs an app, or None for every other stage."""
    try:
        if is_template_stage(stage):
            if str(stage.get("template_id") or "") != agi_run.TEMPLATE_ID:
                return None
            payload = payload_from_stage(stage)
            return payload.app, _run_args(payload.args), "template"
        from .converter import NotConvertible, recognise_run_snippet

        try:
            found = recognise_run_snippet(str(stage.get("C") or ""))
        except NotConvertible:
            return None
        return found.payload.app, _run_args(found.payload.args), "snippet"
    except (TemplateError, ValueError):
        return None  # an invalid payload is reported by the template status itself


def check_stage(index: int, stage: Mapping[str, Any], schema_for: SchemaLookup) -> AppArgsStale | None:
    """The stale report of one stage, or None when it is current (or its app's model is unknown)."""
    found = stage_app_args(stage)
    if found is None:
        return None
    app, args, source = found
    reply = schema_for(app)
    if not reply or not reply.get("has_model") or not isinstance(reply.get("schema"), dict):
        return None
    known = set((reply["schema"].get("properties") or {}).keys())
    unknown = sorted(k for k in args if k not in known)
    if not unknown:
        return None
    fix = ("refresh the stage against the app (WORKFLOW: refresh; CLI: agilab-tui stages refresh-args), "
           "which drops the stale argument(s) and shows the diff first"
           if source == "template" else
           "regenerate the snippet in ORCHESTRATE and import it again, or convert it to a template stage "
           "(agilab-tui stages convert) and refresh it")
    return AppArgsStale(index, app, source, unknown, fix)


def schema_lookup(workspace: Workspace) -> SchemaLookup:
    """App name -> its args schema from the manager env; None when the app or its env is not there."""
    from ..manager_client import ManagerError, args_schema

    cache: dict[str, dict[str, Any] | None] = {}

    def lookup(name: str) -> dict[str, Any] | None:
        if name not in cache:
            try:
                cache[name] = args_schema(workspace, workspace.app(name))
            except (ManagerError, AgilabError):
                cache[name] = None  # not installed or broken: reported by the health cards, not here
        return cache[name]

    return lookup


def stale_stages(workspace: Workspace, stages: Sequence[Mapping[str, Any]],
                 indices: Sequence[int] | None = None) -> list[AppArgsStale]:
    """Every stale stage among ``indices`` (default: all)."""
    lookup = schema_lookup(workspace)
    wanted = range(len(stages)) if indices is None else indices
    return [issue for i in wanted if (issue := check_stage(i, stages[i], lookup)) is not None]


class StaleStageError(AgilabError):
    """A stage passes arguments its app no longer accepts; nothing ran."""

    def __init__(self, source: str, issues: list[AppArgsStale]):
        self.issues = issues
        listed = "\n".join(f"  stage {i.index}: {i.reason}; {i.fix}" for i in issues)
        super().__init__(f"{source}: {len(issues)} stage(s) are stale against their app, nothing ran:\n{listed}")


def ensure_current(workspace: Workspace, stages: Sequence[Mapping[str, Any]], indices: Sequence[int],
                   source: str) -> None:
    """Refuse to run when a selected stage is stale against its app (checked before anything runs)."""
    issues = stale_stages(workspace, stages, indices)
    if issues:
        raise StaleStageError(source, issues)


def refresh_against_app(stage: Mapping[str, Any], issue: AppArgsStale) -> TemplateRefresh:
    """The explicit refresh of a stale template stage: its stale arguments dropped, re-rendered, with a diff.

    Raises:
        TemplateError: the stage is an imported snippet (regenerate it instead) or does not render.
    """
    if issue.source != "template":
        raise TemplateError(f"stage {issue.index} is an imported snippet: {issue.fix}")
    payload = payload_from_stage(stage)
    normalised = agi_run.AgiRunArgs.model_validate(dict(payload.args)).model_dump(mode="json", exclude_none=True)
    normalised["params"] = {k: v for k, v in normalised.get("params", {}).items() if k not in issue.unknown}
    for key in _EXECUTION_KEYS:
        if key in issue.unknown:
            normalised.pop(key, None)
    fresh = TemplatePayload(payload.template_id, payload.template_version, payload.app, payload.action,
                            payload.engine, payload.question, normalised)
    keys = template_keys(fresh, existing=stage)
    before = dict(stage)
    changes = {k: v for k, v in keys.items() if before.get(k) != v}
    after = {**before, **changes}
    label = f"stage {issue.index} vs {issue.app}'s args"
    return TemplateRefresh(before, after, stage_diff(before, after, label), changes)
