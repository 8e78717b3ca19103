"""One-shot converter: known generated snippets become template stages, everything else stays raw Python.

Snippets are read with ``ast`` and never executed. A snippet is only converted when every statement
belongs to the generated shape, so hand-added logic is never dropped: such a snippet stays raw.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stage_templates import TemplateError, TemplatePayload, TemplateRegistry, agi_run, safe_actions

from .lab_file import LabStagesFile, StageError
from .templates import is_template_stage, stage_diff, template_keys

_ALLOWED_CALLS = frozenset({"print", "asyncio.run", "AgiEnv", "RunRequest", "StageRequest", "AGI.run", "main",
                            "require_supported_snippet_api", "json.loads"})
_ALLOWED_STATEMENTS = (ast.Import, ast.ImportFrom, ast.Assign, ast.AnnAssign, ast.Expr, ast.Return,
                       ast.FunctionDef, ast.AsyncFunctionDef, ast.If, ast.Pass)
_ENV_KEYWORDS = frozenset({"app", "apps_path", "verbose"})


class NotConvertible(Exception):
    """Internal: why a snippet is kept as raw Python."""


@dataclass(frozen=True)
class Recognised:
    """A snippet or stage recognised as an instance of a template family."""

    payload: TemplatePayload


@dataclass(frozen=True)
class ConversionPreview:
    """One stage the converter would change: its position, both versions and a unified diff."""

    module: str
    index: int
    before: dict[str, Any]
    after: dict[str, Any]
    diff: str


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    if isinstance(node, ast.Call):
        return f"{_dotted(node.func)}()"
    return ""


def _has_header(code: str) -> bool:
    head = [line.strip() for line in code.splitlines()[:12]]
    return agi_run.SNIPPET_HEADER in head and agi_run.SNIPPET_API_LINE in head


def _header_value(code: str, name: str) -> str:
    for line in code.splitlines()[:12]:
        text = line.strip()
        if text.startswith(f"# {name}:"):
            return text.split(":", 1)[1].strip()
    return ""


def _literal(node: ast.AST) -> Any:
    if isinstance(node, ast.Call) and _dotted(node.func) == "json.loads" and len(node.args) == 1 \
            and not node.keywords:
        return json.loads(ast.literal_eval(node.args[0]))
    return ast.literal_eval(node)


def _constants(tree: ast.Module) -> dict[str, Any]:
    constants: dict[str, Any] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            name = node.targets[0].id
            try:
                value = _literal(node.value)
            except (ValueError, TypeError, SyntaxError, json.JSONDecodeError):
                continue
            if name in constants:
                raise NotConvertible(f"'{name}' is assigned more than once")
            constants[name] = value
    return constants


def _check_shape(tree: ast.Module) -> None:
    for node in ast.walk(tree):
        if isinstance(node, ast.stmt) and not isinstance(node, _ALLOWED_STATEMENTS):
            raise NotConvertible(f"line {node.lineno}: '{type(node).__name__}' is not part of a generated snippet")
        if isinstance(node, ast.Assign | ast.AnnAssign) and not all(
                isinstance(t, ast.Name) for t in (node.targets if isinstance(node, ast.Assign) else [node.target])):
            raise NotConvertible(f"line {node.lineno}: assignment to something other than a plain name")
        if isinstance(node, ast.If) and not (isinstance(node.test, ast.Compare)
                                             and _dotted(node.test.left) == "__name__"):
            raise NotConvertible(f"line {node.lineno}: only the __main__ guard is part of a generated snippet")
        if isinstance(node, ast.Call) and _dotted(node.func) not in _ALLOWED_CALLS:
            raise NotConvertible(f"line {node.lineno}: call to '{_dotted(node.func) or 'an expression'}' "
                                 "is not part of a generated snippet")


def _value(node: ast.AST, constants: Mapping[str, Any]) -> Any:
    if isinstance(node, ast.Name):
        if node.id not in constants:
            raise NotConvertible(f"line {node.lineno}: '{node.id}' is not a literal constant")
        return constants[node.id]
    if isinstance(node, ast.List | ast.Tuple) and all(isinstance(e, ast.Call) for e in node.elts):
        return [_stage_request(e, constants) for e in node.elts]  # type: ignore[arg-type]
    if isinstance(node, ast.ListComp) and isinstance(node.elt, ast.Call) \
            and _dotted(node.elt.func) == "StageRequest" and len(node.generators) == 1:
        return _value(node.generators[0].iter, constants)
    try:
        return _literal(node)
    except (ValueError, TypeError, SyntaxError, json.JSONDecodeError) as exc:
        raise NotConvertible(f"line {getattr(node, 'lineno', '?')}: value is computed, not a literal") from exc


def _stage_request(call: ast.Call, constants: Mapping[str, Any]) -> dict[str, Any]:
    if _dotted(call.func) != "StageRequest" or call.args:
        raise NotConvertible(f"line {call.lineno}: stages must be StageRequest(name=..., args=...)")
    return {kw.arg: _value(kw.value, constants) for kw in call.keywords if kw.arg}


def _single_call(tree: ast.Module, name: str) -> ast.Call | None:
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and _dotted(n.func) == name]
    if len(calls) > 1:
        raise NotConvertible(f"{len(calls)} calls to {name}; a generated snippet has one")
    return calls[0] if calls else None


def recognise_run_snippet(code: str) -> Recognised:
    """Recognise a generated ``AGI.run`` snippet as a ``pipeline.agi_run.single_action`` payload.

    Raises:
        NotConvertible: the code is not a generated run snippet; the message says why.
    """
    if not _has_header(code):
        raise NotConvertible("no generated-snippet header (# AGILAB generated snippet / # snippet_api)")
    try:
        tree = ast.parse(code)
    except SyntaxError as exc:
        raise NotConvertible(f"does not parse: {exc.msg} (line {exc.lineno})") from exc
    _check_shape(tree)
    constants = _constants(tree)
    if _single_call(tree, "AGI.run") is None:
        raise NotConvertible("no AGI.run call (only run snippets have a template)")
    request = _single_call(tree, "RunRequest")
    if request is None or request.args or any(kw.arg is None for kw in request.keywords):
        raise NotConvertible("no RunRequest(...) call with keyword arguments")
    args: dict[str, Any] = {}
    for keyword in request.keywords:
        if keyword.arg not in agi_run.RUN_CONSTANTS:
            raise NotConvertible(f"RunRequest keyword '{keyword.arg}' has no place in the template")
        value = _value(keyword.value, constants)
        if value is not None:
            args[str(keyword.arg)] = value
    env = _single_call(tree, "AgiEnv")
    app = constants.get("APP")
    if env is not None:
        for keyword in env.keywords:
            if keyword.arg not in _ENV_KEYWORDS:
                raise NotConvertible(f"AgiEnv keyword '{keyword.arg}' has no place in the template")
            if keyword.arg == "app":
                app = _value(keyword.value, constants)
    if not isinstance(app, str) or not app.strip():
        raise NotConvertible("APP is not a literal app name")
    payload = TemplatePayload(agi_run.TEMPLATE_ID, agi_run.VERSION, app=app,
                              action=_header_value(code, "action") or agi_run.DEFAULT_ACTION, args=args)
    try:
        agi_run.FAMILY.validate(payload)
    except TemplateError as exc:
        raise NotConvertible(str(exc)) from exc
    return Recognised(payload)


def recognise_stage(stage: Mapping[str, Any]) -> Recognised:
    """Recognise a saved raw stage as a template instance (run snippet or AGILab Safe Actions stage).

    Raises:
        NotConvertible: the stage stays raw Python; the message says why.
    """
    if is_template_stage(stage):
        raise NotConvertible("already a template stage")
    question = str(stage.get("Q") or "")
    engine = str(stage.get("R") or "")
    contract = stage.get(safe_actions.CONTRACT_KEY)
    if stage.get("generation_mode") == safe_actions.GENERATION_MODE and isinstance(contract, Mapping | str):
        try:
            payload = TemplatePayload(safe_actions.TEMPLATE_ID, safe_actions.VERSION,
                                      app=str(stage.get("app") or ""), engine=engine, question=question,
                                      args=safe_actions.args_from_stage(stage))
            safe_actions.FAMILY.validate(payload)
        except TemplateError as exc:
            raise NotConvertible(str(exc)) from exc
        return Recognised(payload)
    found = recognise_run_snippet(str(stage.get("C") or ""))
    p = found.payload
    return Recognised(TemplatePayload(p.template_id, p.template_version, p.app, p.action, engine, question, p.args))


def _open(lab: LabStagesFile | Path | str) -> LabStagesFile:
    return lab if isinstance(lab, LabStagesFile) else LabStagesFile.load(lab)


def preview_conversion(lab: LabStagesFile | Path | str, *, module: str | None = None,
                       registry: TemplateRegistry | None = None) -> list[ConversionPreview]:
    """The stages the converter would turn into templates, with a diff each; nothing is written."""
    lab = _open(lab)
    previews: list[ConversionPreview] = []
    for name in [module] if module else lab.modules():
        for index, stage in enumerate(lab.stages(name)):
            try:
                payload = recognise_stage(stage).payload
                keys = template_keys(payload, registry, existing=stage)
            except (NotConvertible, TemplateError):
                continue
            after = {**stage, **keys}
            label = f"{lab.path.name}:{name}[{index}]"
            previews.append(ConversionPreview(name, index, stage, after, stage_diff(stage, after, label)))
    return previews


def apply_conversion(lab: LabStagesFile | Path | str, previews: list[ConversionPreview] | None = None, *,
                     module: str | None = None, registry: TemplateRegistry | None = None) -> list[ConversionPreview]:
    """Convert the previewed stages and save the file; returns what was applied.

    Raises:
        StageError: a previewed stage changed since the preview (nothing is written).
        FileChangedError: the file changed on disk since it was loaded (nothing is written).
    """
    lab = _open(lab)
    if previews is None:
        previews = preview_conversion(lab, module=module, registry=registry)
    for preview in previews:
        if lab.stage(preview.module, preview.index) != preview.before:
            raise StageError(f"{lab.path}: stage {preview.index} of '{preview.module}' changed since the "
                             "conversion was previewed; preview again")
    for preview in previews:
        changes = {k: v for k, v in preview.after.items() if preview.before.get(k) != v}
        lab.update_stage(preview.module, preview.index, changes, allow_locked=True)
    if previews:
        lab.save()
    return previews
