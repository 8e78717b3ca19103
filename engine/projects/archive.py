"""App archives: export to ``export/apps-zip/<app>.zip`` honouring ``.gitignore``; import with checks.

An archive holds one top folder ``<name>_project/``. Import refuses anything that is not a zip, any
entry that would land outside that folder (absolute paths, ``..``, links), archives without
``src/app_settings.toml`` or whose settings do not parse, and overwrites an existing app only when
the caller confirmed it. Extraction goes to a staging folder first, so a refused archive writes nothing.
"""

from __future__ import annotations

import fnmatch
import os
import shutil
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import tomlkit

from ..atomic import atomic_write_bytes
from ..workspace import Workspace
from .lifecycle import ProjectChange, staging_dir, workspace_app
from .naming import ProjectError, normalise_app_name, project_files

ARCHIVE_DIR = ("export", "apps-zip")
SETTINGS_ENTRY = "src/app_settings.toml"
_MAX_UNPACKED_BYTES = 512 << 20


def archive_dir(workspace: Workspace) -> Path:
    path = workspace.root.joinpath(*ARCHIVE_DIR)
    path.mkdir(parents=True, exist_ok=True)
    return path


class IgnoreRules:
    """The subset of ``.gitignore`` an export filter needs: globs, ``dir/``, ``/anchored``, ``!negation``."""

    def __init__(self, text: str):
        self.rules: list[tuple[str, bool, bool, bool]] = []  # pattern, negated, dir_only, anchored
        for raw in text.splitlines():
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            negated = line.startswith("!")
            line = line[1:] if negated else line
            dir_only = line.endswith("/")
            line = line.rstrip("/")
            anchored = "/" in line
            self.rules.append((line.lstrip("/"), negated, dir_only, anchored))

    def _match(self, rel: PurePosixPath, is_dir: bool) -> bool | None:
        verdict: bool | None = None
        for pattern, negated, dir_only, anchored in self.rules:
            if dir_only and not is_dir:
                continue
            hit = fnmatch.fnmatchcase(str(rel), pattern) if anchored else fnmatch.fnmatchcase(rel.name, pattern)
            if hit:
                verdict = not negated
        return verdict

    def ignored(self, rel: PurePosixPath) -> bool:
        """True when the file, or any folder above it, is ignored."""
        parents = list(reversed(rel.parents))[1:]
        if any(self._match(parent, True) for parent in parents):
            return True
        return bool(self._match(rel, False))


def export_app(workspace: Workspace, name: str) -> ProjectChange:
    """Zip an app (bundled or workspace) to ``<root>/export/apps-zip/<app>.zip``; return where."""
    app = workspace.app(name)
    gitignore = app.path / ".gitignore"
    rules = IgnoreRules(gitignore.read_text("utf-8") if gitignore.exists() else "")
    destination = archive_dir(workspace) / f"{app.name}.zip"
    kept = 0
    with staging_dir(workspace, "export") as staging:
        scratch = staging / destination.name
        with zipfile.ZipFile(scratch, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for path in project_files(app.path):
                rel = PurePosixPath(path.relative_to(app.path).as_posix())
                if rules.ignored(rel):
                    continue
                archive.write(path, f"{app.name}/{rel}")
                kept += 1
        atomic_write_bytes(destination, scratch.read_bytes())
    return ProjectChange(app.name, path=destination, message=f"Exported {app.name} ({kept} files) to {destination}")


@dataclass(frozen=True)
class ArchiveInfo:
    """What an archive would import, checked before anything is written."""

    path: Path
    app: str
    exists: bool
    """True when a workspace app of that name exists (importing needs the overwrite confirmation)."""
    files: int


def _checked_entries(path: Path, archive: zipfile.ZipFile) -> tuple[str, list[zipfile.ZipInfo]]:
    tops: set[str] = set()
    total = 0
    for info in archive.infolist():
        name = info.filename
        pure = PurePosixPath(name)
        if name.startswith(("/", "\\")) or "\\" in name or ".." in pure.parts or (pure.parts and ":" in pure.parts[0]):
            raise ProjectError(f"{path}: refused: entry '{name}' would be written outside the app folder")
        if stat.S_ISLNK(info.external_attr >> 16):
            raise ProjectError(f"{path}: refused: entry '{name}' is a symbolic link")
        tops.add(pure.parts[0])
        total += info.file_size
    if total > _MAX_UNPACKED_BYTES:
        raise ProjectError(f"{path}: refused: unpacks to {total >> 20} MiB (limit {_MAX_UNPACKED_BYTES >> 20} MiB)")
    if len(tops) != 1:
        raise ProjectError(f"{path}: refused: expected one top folder '<name>_project/', found "
                           f"{', '.join(sorted(tops)) or 'nothing'}")
    return tops.pop(), archive.infolist()


def inspect_archive(workspace: Workspace, path: Path | str) -> ArchiveInfo:
    """Check an archive without extracting it.

    Raises:
        ProjectError: not a zip, unsafe entries, no single ``*_project`` folder, missing or broken settings,
            or a name taken by a bundled app; the message names the archive.
    """
    archive_path = Path(path).expanduser()
    if not archive_path.is_file():
        raise ProjectError(f"{archive_path}: no such archive")
    if not zipfile.is_zipfile(archive_path):
        raise ProjectError(f"{archive_path}: refused: not a zip archive")
    with zipfile.ZipFile(archive_path) as archive:
        top, infos = _checked_entries(archive_path, archive)
        if not top.endswith("_project"):
            raise ProjectError(f"{archive_path}: refused: top folder '{top}' is not an app ('<name>_project')")
        normalise_app_name(top)
        try:
            settings = archive.read(f"{top}/{SETTINGS_ENTRY}").decode("utf-8")
        except KeyError as exc:
            raise ProjectError(f"{archive_path}: refused: missing {top}/{SETTINGS_ENTRY}") from exc
        try:
            tomlkit.parse(settings)
        except Exception as exc:
            raise ProjectError(f"{archive_path}: refused: {top}/{SETTINGS_ENTRY} is not valid TOML ({exc})") from exc
    known = {app.name: app for app in workspace.apps()}
    if top in known and known[top].bundled:
        raise ProjectError(f"{archive_path}: refused: '{top}' is a bundled app name")
    return ArchiveInfo(archive_path, top, top in known, sum(1 for i in infos if not i.is_dir()))


def import_app(workspace: Workspace, path: Path | str, *, overwrite: bool = False) -> ProjectChange:
    """Extract a checked archive into ``projects/``; an existing app is replaced only with ``overwrite``."""
    info = inspect_archive(workspace, path)
    if info.exists and not overwrite:
        raise ProjectError(f"{info.path}: '{info.app}' already exists; confirm the overwrite to replace it")
    with staging_dir(workspace, "import") as staging:
        with zipfile.ZipFile(info.path) as archive:
            for entry in archive.infolist():
                target = (staging / entry.filename).resolve()
                if not target.is_relative_to(staging.resolve()):  # belt and braces after the name checks
                    raise ProjectError(f"{info.path}: refused: entry '{entry.filename}' escapes the app folder")
                if entry.is_dir():
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                with archive.open(entry) as source, open(target, "wb") as sink:
                    shutil.copyfileobj(source, sink)
        destination = workspace.projects_dir / info.app
        if info.exists:
            workspace_app(workspace, info.app, "overwritten")
            shutil.rmtree(destination)
        os.rename(staging / info.app, destination)
    verb = "Replaced" if info.exists else "Imported"
    return ProjectChange(info.app, path=destination, message=f"{verb} {info.app} ({info.files} files) from {info.path.name}")


def list_archives(workspace: Workspace) -> list[Path]:
    """The archives in ``export/apps-zip``, by name (where 'export archive' writes them)."""
    return sorted(archive_dir(workspace).glob("*.zip"))
