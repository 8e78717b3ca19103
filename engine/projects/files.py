"""The project files PROJECT edits, and their validated, atomic save.

A save is refused, with nothing written, when a TOML file does not parse, a Python file does not
compile, the app settings fail validation, or the file changed on disk since it was opened. The
error names the file and the line. Bundled apps' sources are read-only (clone the app to change
them); their per-user settings live in the workspace and stay editable.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..atomic import atomic_write_text, content_digest, file_lock
from ..errors import FileChangedError, SettingsError
from ..settings import seed_settings
from ..workspace import AppProject, Workspace
from .naming import ProjectError


@dataclass(frozen=True)
class ProjectFile:
    """One editable file of an app."""

    key: str
    """Stable id: readme, settings, args, manager_pyproject, worker_pyproject, manager, worker, gitignore."""
    label: str
    path: Path
    language: str | None
    """TextArea language (``python``, ``toml``, ``markdown``) or None for plain text."""
    read_only: bool


@dataclass(frozen=True)
class LoadedFile:
    """A file's text and the digest it had, so a save can detect a concurrent change."""

    file: ProjectFile
    text: str
    digest: str | None


def _args_module(app: AppProject) -> Path:
    for candidate in (app.manager_dir / "app_args.py", app.manager_dir / f"{app.target}_args.py"):
        if candidate.exists():
            return candidate
    return app.manager_dir / "app_args.py"


def editable_files(workspace: Workspace, app: AppProject) -> list[ProjectFile]:
    """The editor's file list for ``app``, in the order shown."""
    frozen = app.bundled
    return [
        ProjectFile("readme", "README", app.path / "README.md", "markdown", frozen),
        ProjectFile("settings", "App settings", seed_settings(workspace, app), "toml", False),
        ProjectFile("args", "Args model", _args_module(app), "python", frozen),
        ProjectFile("manager_pyproject", "Manager pyproject", app.path / "pyproject.toml", "toml", frozen),
        ProjectFile("worker_pyproject", "Worker pyproject", app.worker_dir / "pyproject.toml", "toml", frozen),
        ProjectFile("manager", "Manager code", app.manager_dir / f"{app.target}.py", "python", frozen),
        ProjectFile("worker", "Worker code", app.worker_dir / f"{app.worker_package}.py", "python", frozen),
        ProjectFile("gitignore", "Export filter", app.path / ".gitignore", None, frozen),
    ]


def load_file(file: ProjectFile) -> LoadedFile:
    """Read a project file (a missing one opens empty and is created on save)."""
    if not file.path.exists():
        return LoadedFile(file, "", None)
    return LoadedFile(file, file.path.read_text("utf-8"), content_digest(file.path))


def validate_text(file: ProjectFile, text: str) -> None:
    """Raise :class:`SettingsError` (file and line) when ``text`` is not valid for the file's kind."""
    if file.path.suffix == ".toml":
        import tomlkit
        from tomlkit.exceptions import TOMLKitError

        try:
            document = tomlkit.parse(text)
        except TOMLKitError as exc:  # ParseError carries a line; KeyAlreadyPresent names the key in its text
            raise SettingsError(file.path, f"invalid TOML: {exc}", line=getattr(exc, "line", None)) from exc
        if file.key == "settings":
            from pydantic import ValidationError

            from ..settings import ClusterSettings, first_validation_error

            cluster = document.get("cluster", {})
            try:
                ClusterSettings.model_validate(cluster.unwrap() if hasattr(cluster, "unwrap") else dict(cluster))
            except ValidationError as exc:
                raise first_validation_error(file.path, text, exc, prefix="cluster") from exc
    elif file.path.suffix == ".py":
        try:
            compile(text, str(file.path), "exec", dont_inherit=True)
        except SyntaxError as exc:
            raise SettingsError(file.path, f"Python syntax error: {exc.msg}", line=exc.lineno) from exc


def save_file(loaded: LoadedFile, text: str) -> LoadedFile:
    """Validate then write atomically; nothing is written when validation fails or the file changed."""
    file = loaded.file
    if file.read_only:
        raise ProjectError(f"{file.path}: bundled app sources are read-only; clone the app to edit them")
    validate_text(file, text)
    with file_lock(file.path):
        if content_digest(file.path) != loaded.digest:
            raise FileChangedError(file.path)
        atomic_write_text(file.path, text)
        return LoadedFile(file, text, content_digest(file.path))
