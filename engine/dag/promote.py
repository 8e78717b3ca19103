"""Promotion: the explicit step that turns a draft or custom-path plan into an app's checked-in template.

Conservative execution runs for real only plans in an app's ``dag_templates/`` folder with the
controlled marker; everything else is preview-only until an operator promotes it here. The copy is
checked first (schema, apps, artifacts), gets the controlled marker when it lacks one (promotion is
the explicit consent to run it), and never overwrites a different template of the same name.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ..atomic import atomic_write_text
from ..errors import AgilabError
from ..workspace import Workspace
from .check import check_plan
from .model import CONTROLLED_ADAPTER, CONTROLLED_RUNNER_STATUS
from .runner import PlanError, known_app_names
from .sources import read_plan_text, templates_dir


@dataclass(frozen=True)
class Promotion:
    """Where the plan now lives, and whether the controlled marker had to be added."""

    source: Path
    path: Path
    app: str
    marker_added: bool
    unchanged: bool


def promote_plan(workspace: Workspace, plan_path: Path | str, app_name: str, *, force: bool = False) -> Promotion:
    """Copy ``plan_path`` into ``<app>/dag_templates/<file name>``, so it can run for real.

    Raises:
        PlanError: the plan has errors (it is not copied).
        AgilabError: the app is unknown, or another template of that name exists (without ``force``).
    """
    source = Path(plan_path).expanduser()
    text = read_plan_text(source)
    check = check_plan(text, known_app_names(workspace), source=str(source))
    if not check.ok or check.data is None:
        raise PlanError(str(source), check)
    app = workspace.app(app_name)
    data = json.loads(text)
    execution = data.setdefault("execution", {})
    marker_added = execution.get("runner_status") != CONTROLLED_RUNNER_STATUS
    if marker_added:
        execution["runner_status"] = CONTROLLED_RUNNER_STATUS
        execution.setdefault("adapter", CONTROLLED_ADAPTER)
    target = templates_dir(app) / source.name
    new_text = json.dumps(data, indent=2) + "\n"
    unchanged = False
    if target.exists():
        if target.resolve() == source.resolve() and not marker_added:
            return Promotion(source, target, app.name, False, True)
        current = target.read_text("utf-8")
        unchanged = current == new_text
        if not unchanged and not force:
            raise AgilabError(f"{target}: another template of that name exists in {app.name}; "
                              "rename the plan file or promote with --force to replace it")
    target.parent.mkdir(parents=True, exist_ok=True)
    if not unchanged:
        atomic_write_text(target, new_text)
    return Promotion(source, target, app.name, marker_added, unchanged)
