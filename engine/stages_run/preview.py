"""What running a stage would do, without running it: the code, the interpreter, and any refusal."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..errors import AgilabError
from .runner import engine_label, resolve_python, runtime_label


def preview_stage_run(stage: Mapping[str, Any], base_dir: Path) -> dict[str, Any]:
    """``{code, python, engine, runtime, status, reason, refused}`` of one saved stage; never raises for a
    stage problem, which is reported in ``refused`` (a missing venv, a template that does not render)."""
    from ..stages import stage_code, stage_status

    state = stage_status(stage)
    preview: dict[str, Any] = {"status": state.status.value, "reason": state.reason, "engine": engine_label(stage),
                               "runtime": runtime_label(stage), "code": "", "python": None, "refused": []}
    try:
        preview["code"] = stage_code(stage)
    except AgilabError as exc:
        preview["refused"].append(f"code: {exc}")
    try:
        preview["python"] = resolve_python(stage.get("E"), base_dir=base_dir)
    except AgilabError as exc:
        preview["refused"].append(f"interpreter: {exc}")
    if not preview["code"].strip() and not preview["refused"]:
        preview["refused"].append("the stage has no code (C is empty)")
    return preview
