"""Create (from a template app or a notebook), rename and delete workspace apps.

Every change is built in a private staging folder inside ``projects/`` and moved into place with one
rename, so a failure half-way never leaves a half-made app in the app list. Bundled apps are
read-only: they can be cloned, never renamed or deleted.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ..atomic import atomic_write_text
from ..workspace import AppProject, Workspace
from .naming import ProjectError, normalise_app_name, rewrite_text, rewrite_tree

TEMPLATE_APP = "minimal_app_project"
_COPY_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", "*.so", "build", ".venv", "*.egg-info")


@dataclass(frozen=True)
class ProjectChange:
    """The outcome of a project action, shown to the user."""

    app: str
    """Project name of the app created, renamed to, imported or deleted."""
    replacements: int = 0
    """Identifiers rewritten (create, rename)."""
    stages: int = 0
    """WORKFLOW stages written (create from notebook)."""
    path: Path | None = None
    """Where the app (or the archive) now lives."""
    message: str = ""
    """One line for the status area."""


def _known_names(workspace: Workspace) -> dict[str, AppProject]:
    return {app.name: app for app in workspace.apps()}


def ensure_free_name(workspace: Workspace, project: str) -> None:
    """Refuse a name used by any bundled or workspace app, or by a folder already in ``projects/``."""
    known = _known_names(workspace)
    if project in known:
        kind = "bundled" if known[project].bundled else "workspace"
        raise ProjectError(f"an app named '{project}' already exists ({kind} app)")
    if (workspace.projects_dir / project).exists():
        raise ProjectError(f"{workspace.projects_dir / project}: folder already exists")


@contextmanager
def staging_dir(workspace: Workspace, label: str) -> Iterator[Path]:
    """A private folder beside the apps (same file system, so the final move is one atomic rename)."""
    path = workspace.projects_dir / f".staging-{label}-{uuid.uuid4().hex[:8]}"
    path.mkdir()
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def workspace_app(workspace: Workspace, name: str, action: str) -> AppProject:
    """The workspace app ``name``; bundled apps are refused with the way out (clone them)."""
    app = workspace.app(name)
    if app.bundled:
        raise ProjectError(f"{app.name} is a bundled app and cannot be {action}: clone it with "
                           "'project: create from template' and change the clone")
    return app


def create_from_template(workspace: Workspace, new_name: str, template: str = TEMPLATE_APP) -> ProjectChange:
    """Clone ``template`` into ``projects/<new>_project`` with every identifier renamed."""
    project, target = normalise_app_name(new_name)
    source = workspace.app(template)
    ensure_free_name(workspace, project)
    with staging_dir(workspace, target) as staging:
        tree = staging / project
        shutil.copytree(source.path, tree, ignore=_COPY_IGNORE, symlinks=False)
        count = rewrite_tree(tree, source.target, target)
        destination = workspace.projects_dir / project
        os.rename(tree, destination)
    return ProjectChange(project, replacements=count, path=destination,
                         message=f"Created {project} from {source.name}: renamed {count} identifier(s)")


def create_from_notebook(workspace: Workspace, new_name: str, notebook: Path | str,
                         template: str = TEMPLATE_APP) -> ProjectChange:
    """Clone the template, then turn the notebook's code cells into the app's WORKFLOW stages (never run)."""
    from ..stages_run.lab import STAGES_FILE, Lab
    from ..stages_run.notebook_import import apply_import, preview_notebook_import

    preview = preview_notebook_import(notebook)  # a bad notebook is refused before anything is written
    if not preview.stages:
        raise ProjectError(f"{preview.notebook}: the notebook has no non-empty code cells to import")
    created = create_from_template(workspace, new_name, template)
    app = workspace.app(created.app)
    try:
        lab = Lab(app.name, app.module, app.path / STAGES_FILE, workspace.export_dir(app))
        count = apply_import(preview, lab)
        workspace_lab = Lab.for_app(workspace, app)
        if not workspace_lab.stages_file.exists():
            atomic_write_text(workspace_lab.stages_file, lab.stages_file.read_text("utf-8"))
    except Exception:
        shutil.rmtree(app.path, ignore_errors=True)  # no half-made app when the stages cannot be written
        raise
    return ProjectChange(app.name, replacements=created.replacements, stages=count, path=app.path,
                         message=f"Created {app.name} from {preview.notebook.name}: {count} WORKFLOW stage(s)")


def _move_settings(workspace: Workspace, old: AppProject, project: str, new_target: str) -> int:
    """Carry the per-user settings to the new name, identifiers rewritten; return the replacements."""
    old_file = workspace.root / "settings" / old.name / "app_settings.toml"
    if not old_file.exists():
        return 0
    text, count = rewrite_text(old_file.read_text("utf-8"), old.target, new_target)
    atomic_write_text(workspace.settings_file(project), text)
    shutil.rmtree(old_file.parent, ignore_errors=True)
    return count


def _move_lab(workspace: Workspace, old: AppProject, new_module: str) -> int:
    old_dir = workspace.root / "export" / old.module
    new_dir = workspace.root / "export" / new_module
    if not old_dir.is_dir() or new_dir.exists():
        return 0
    os.rename(old_dir, new_dir)
    stages = new_dir / "lab_stages.toml"
    if not stages.exists():
        return 0
    text, count = rewrite_text(stages.read_text("utf-8"), old.module, new_module)
    atomic_write_text(stages, text)
    return count


def rename_app(workspace: Workspace, name: str, new_name: str) -> ProjectChange:
    """Rename a workspace app: folder, packages, classes, pyproject names and settings, counted."""
    old = workspace_app(workspace, name, "renamed")
    project, target = normalise_app_name(new_name)
    if project == old.name:
        raise ProjectError(f"{old.name} already has that name")
    ensure_free_name(workspace, project)
    with staging_dir(workspace, target) as staging:
        tree = staging / project
        shutil.copytree(old.path, tree, ignore=_COPY_IGNORE, symlinks=False)
        count = rewrite_tree(tree, old.target, target)
        destination = workspace.projects_dir / project
        os.rename(tree, destination)
    shutil.rmtree(old.path)
    count += _move_settings(workspace, old, project, target)
    count += _move_lab(workspace, old, target)
    if workspace.read_state().get("active_app") == old.name:
        workspace.write_state(active_app=project)
    return ProjectChange(project, replacements=count, path=destination,
                         message=f"Renamed {old.name} to {project}: renamed {count} identifier(s)")


def delete_app(workspace: Workspace, name: str) -> ProjectChange:
    """Delete a workspace app, its per-user settings and its worker environment (data and exports stay)."""
    app = workspace_app(workspace, name, "deleted")
    wenv = workspace.root / "wenv" / f"{app.target}_worker"
    shutil.rmtree(app.path)
    shutil.rmtree(workspace.root / "settings" / app.name, ignore_errors=True)
    shutil.rmtree(wenv, ignore_errors=True)
    return ProjectChange(app.name, path=app.path,
                         message=f"Deleted {app.name} (its data and exports are kept)")
