"""Where plans come from: app templates, the sample library, workspace drafts and custom paths."""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from ..errors import AgilabError
from ..workspace import AppProject, Workspace
from .model import CONTROLLED_RUNNER_STATUS

SAMPLES_DIR = Path(__file__).resolve().parent / "samples"
TEMPLATES_DIRNAME = "dag_templates"
DRAFTS_SUBDIR = Path(".agilab") / "multi_app_dags"


class PlanSource(StrEnum):
    """The Workplan source selector's choices."""

    APP_TEMPLATES = "app_templates"
    SAMPLE_LIBRARY = "sample_library"
    WORKSPACE_DRAFTS = "workspace_drafts"
    CUSTOM_PATH = "custom_path"


@dataclass(frozen=True)
class PlanEntry:
    """One plan file found in a source; ``error`` says why it could not be read (empty when fine)."""

    source: PlanSource
    path: Path
    dag_id: str = ""
    label: str = ""
    app: str = ""
    controlled: bool = False
    error: str = ""

    @property
    def title(self) -> str:
        return self.label or self.dag_id or self.path.stem


def templates_dir(app: AppProject) -> Path:
    """An app's checked-in DAG templates folder."""
    return app.path / TEMPLATES_DIRNAME


def template_owner(workspace: Workspace, path: Path | str) -> AppProject | None:
    """The app whose ``dag_templates/`` folder holds ``path``, or None (a draft, sample or custom path)."""
    try:
        folder = Path(path).expanduser().resolve().parent
    except OSError:
        return None
    for app in workspace.apps():
        if getattr(app, "path", None) is not None and templates_dir(app).resolve() == folder:
            return app
    return None


def drafts_dir(workspace: Workspace, app: AppProject) -> Path:
    """Workspace drafts of an app, beside its ``lab_stages.toml``."""
    return workspace.export_dir(app) / DRAFTS_SUBDIR


def read_plan_text(path: Path | str) -> str:
    """A plan file's text, or an error naming the file."""
    try:
        return Path(path).read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise AgilabError(f"{path}: cannot read the plan ({reason})") from None


def _entry(source: PlanSource, path: Path, app: str = "") -> PlanEntry:
    try:
        data = json.loads(path.read_text("utf-8"))
    except json.JSONDecodeError as exc:
        return PlanEntry(source, path, app=app, error=f"invalid JSON at line {exc.lineno}, column {exc.colno}")
    except (OSError, UnicodeDecodeError) as exc:
        return PlanEntry(source, path, app=app, error=str(exc))
    if not isinstance(data, dict):
        return PlanEntry(source, path, app=app, error="not a JSON object")
    execution = data.get("execution") if isinstance(data.get("execution"), dict) else {}
    return PlanEntry(source, path, str(data.get("dag_id") or ""), str(data.get("label") or ""), app,
                     execution.get("runner_status") == CONTROLLED_RUNNER_STATUS)


def _json_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*.json") if p.is_file()) if folder.is_dir() else []


def list_plans(workspace: Workspace, source: PlanSource, *, app: AppProject | None = None,
               custom_path: Path | str | None = None) -> list[PlanEntry]:
    """Plans available from one source.

    Args:
        workspace: the workspace (app discovery and drafts folders).
        source: which source to list.
        app: restrict app templates and drafts to this app; None lists those of every app.
        custom_path: for ``CUSTOM_PATH``, a plan file or a folder of plan files.

    Returns:
        Entries sorted by path; unreadable files are listed with their ``error`` set.
    """
    apps = [app] if app is not None else workspace.apps()
    if source is PlanSource.APP_TEMPLATES:
        return [_entry(source, p, a.name) for a in apps for p in _json_files(templates_dir(a))]
    if source is PlanSource.SAMPLE_LIBRARY:
        return [_entry(source, p) for p in _json_files(SAMPLES_DIR)]
    if source is PlanSource.WORKSPACE_DRAFTS:
        return [_entry(source, p, a.name) for a in apps for p in _json_files(drafts_dir(workspace, a))]
    if custom_path is None:
        return []
    path = Path(custom_path).expanduser()
    if path.is_dir():
        return [_entry(source, p) for p in _json_files(path)]
    if not path.exists():
        return [PlanEntry(source, path, error="no such file")]
    return [_entry(source, path)]


def list_all_plans(workspace: Workspace, *, app: AppProject | None = None) -> dict[PlanSource, list[PlanEntry]]:
    """Every built-in source at once (custom paths are listed on demand with :func:`list_plans`)."""
    return {source: list_plans(workspace, source, app=app)
            for source in (PlanSource.APP_TEMPLATES, PlanSource.SAMPLE_LIBRARY, PlanSource.WORKSPACE_DRAFTS)}
