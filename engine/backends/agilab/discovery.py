"""Finding an AGILab install and its app projects, cheaply.

The Python that has AGILab is ``$AGILAB_PYTHON``, else the workspace setting ``agilab_python``
(state.toml), else the interpreter of an ``agilab`` command on PATH. Its facts (version, site-packages,
the projects it ships) are cached in ``<workspace>/cache/agilab_discovery.json`` keyed by the
interpreter path and mtimes, so listing apps never starts that Python once the cache is warm.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ...atomic import atomic_write_text
from . import paths

PYTHON_ENV = "AGILAB_PYTHON"
APPS_PATH_ENV = "AGILAB_APPS_PATH"
STATE_KEY = "agilab_python"
APPS_STATE_KEY = "agilab_apps_paths"
MIN_PYTHON = (3, 12)
_PROBE = ("import json,sys,sysconfig\n"
          "print(json.dumps({'version': list(sys.version_info[:3]), 'purelib': sysconfig.get_paths()['purelib'],"
          " 'base': sys.base_prefix}))")


@dataclass(frozen=True)
class AgilabInstall:
    """One Python with AGILab: where it is, its version and its site-packages."""

    python: Path
    source: str
    """How it was found: ``AGILAB_PYTHON``, ``workspace setting`` or ``PATH``."""
    version: tuple[int, ...]
    site_packages: Path | None
    base_bin: Path | None
    """The folder of the interpreter the venv was made from (uv needs it on PATH to find that Python)."""

    @property
    def version_text(self) -> str:
        return ".".join(map(str, self.version))

    @property
    def has_agilab(self) -> bool:
        return bool(self.site_packages and (self.site_packages / "agilab").is_dir())

    @property
    def has_runtime(self) -> bool:
        """The runtime (``agi_env``/``agi_cluster``) only comes with the ``examples`` extra."""
        return bool(self.site_packages and (self.site_packages / "agi_cluster").is_dir()
                    and (self.site_packages / "agi_env").is_dir())

    @property
    def bin_dir(self) -> Path:
        return self.python.parent

    def uv(self) -> str | None:
        local = self.bin_dir / "uv"
        return str(local) if local.exists() else shutil.which("uv")


def _state(workspace: Any) -> dict[str, Any]:
    try:
        return workspace.read_state()
    except Exception:
        return {}


def configured_python(workspace: Any) -> tuple[Path, str] | None:
    """The AGILab Python named by the environment, the workspace settings or PATH (not checked)."""
    value = os.environ.get(PYTHON_ENV)
    if value:
        return Path(value).expanduser(), PYTHON_ENV
    value = _state(workspace).get(STATE_KEY)
    if isinstance(value, str) and value:
        return Path(value).expanduser(), "workspace setting"
    command = shutil.which("agilab")
    if command:
        try:
            first = Path(command).read_text("utf-8", "replace").splitlines()[0]
        except (OSError, IndexError):
            return None
        if first.startswith("#!"):
            return Path(first[2:].strip().split()[0]), "PATH"
    return None


def _cache_file(workspace: Any) -> Path:
    return Path(workspace.root) / "cache" / "agilab_discovery.json"


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def _probe_from_venv(python: Path) -> dict[str, Any] | None:
    """A venv's facts from pyvenv.cfg and its lib folder: no interpreter started."""
    root = python.parent.parent
    cfg = root / "pyvenv.cfg"
    if not cfg.is_file():
        return None
    values = {}
    for line in cfg.read_text("utf-8", "replace").splitlines():
        key, sep, value = line.partition("=")
        if sep:
            values[key.strip()] = value.strip()
    version = values.get("version") or values.get("version_info") or ""
    parts = [int(p) for p in version.split(".")[:3] if p.isdigit()]
    if len(parts) < 2:
        return None
    site = root / "lib" / f"python{parts[0]}.{parts[1]}" / "site-packages"
    return {"version": parts, "purelib": str(site) if site.is_dir() else None, "base_bin": values.get("home")}


def _probe(python: Path) -> dict[str, Any] | None:
    facts = _probe_from_venv(python)
    if facts is not None:
        return facts
    from ...proc import clean_child_env  # lazily: listing apps must not load asyncio

    try:
        done = subprocess.run([str(python), "-c", _PROBE], capture_output=True, text=True, timeout=30, check=False,
                              env=clean_child_env())
        data = json.loads(done.stdout.strip().splitlines()[-1])
    except (OSError, subprocess.TimeoutExpired, ValueError, IndexError):
        return None
    return {"version": data["version"], "purelib": data["purelib"], "base_bin": str(Path(data["base"]) / "bin")}


def find_install(workspace: Any) -> AgilabInstall | None:
    """The configured AGILab Python and its facts, or None when none is configured or it does not exist."""
    found = configured_python(workspace)
    if found is None:
        return None
    python, source = found
    if not python.exists():
        return AgilabInstall(python, source, (), None, None)
    key = f"{python}|{_mtime(python)}"
    cache = _read_cache(workspace)
    facts = cache.get("pythons", {}).get(key)
    if facts is None:
        facts = _probe(python)
        if facts is None:
            return AgilabInstall(python, source, (), None, None)
        cache.setdefault("pythons", {})[key] = facts
        _write_cache(workspace, cache)
    site = Path(facts["purelib"]) if facts.get("purelib") else None
    base = Path(facts["base_bin"]) if facts.get("base_bin") else None
    return AgilabInstall(python, source, tuple(facts["version"]), site, base)


def _read_cache(workspace: Any) -> dict[str, Any]:
    try:
        return json.loads(_cache_file(workspace).read_text("utf-8"))
    except (OSError, ValueError):
        return {}


def _write_cache(workspace: Any, cache: dict[str, Any]) -> None:
    try:
        atomic_write_text(_cache_file(workspace), json.dumps(cache, indent=1))
    except OSError:  # a read-only workspace only loses the cache
        pass


def _projects_in(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return [p for p in sorted(folder.iterdir()) if p.is_dir() and p.name.endswith("_project") and (p / "src").is_dir()]


def extra_apps_paths(workspace: Any) -> list[Path]:
    """Folders of AGILab projects added with ``AGILAB_APPS_PATH`` (os.pathsep list) or a PROJECT action."""
    folders = [Path(p).expanduser() for p in os.environ.get(APPS_PATH_ENV, "").split(os.pathsep) if p]
    saved = _state(workspace).get(APPS_STATE_KEY)
    if isinstance(saved, list):
        folders += [Path(str(p)).expanduser() for p in saved]
    return folders


def add_apps_path(workspace: Any, folder: Path | str) -> list[Path]:
    """Remember a folder of AGILab projects in the workspace settings (the PROJECT action); return its apps."""
    folder = Path(folder).expanduser().resolve()
    projects = _projects_in(folder) or ([folder] if folder.name.endswith("_project") and (folder / "src").is_dir()
                                        else [])
    if not projects:
        from ...errors import AgilabError

        raise AgilabError(f"{folder}: holds no AGILab project (a '*_project' folder with a 'src' folder)")
    saved = _state(workspace).get(APPS_STATE_KEY)
    current = [str(p) for p in saved] if isinstance(saved, list) else []
    base = folder if _projects_in(folder) else folder.parent
    if str(base) not in current:
        workspace.write_state(**{APPS_STATE_KEY: [*current, str(base)]})
    return projects


def project_dirs(workspace: Any, install: AgilabInstall | None = None) -> list[Path]:
    """Every AGILab project: the install's built-ins, the ``agi_app_*`` wheels' projects, then extra folders.

    A later folder's project shadows an earlier one of the same name.
    """
    install = install if install is not None else find_install(workspace)
    found: dict[str, Path] = {}
    if install is not None and install.site_packages is not None:
        key = f"{install.site_packages}|{_mtime(install.site_packages)}|{_mtime(paths.marker_file())}"
        cache = _read_cache(workspace)
        listed = cache.get("projects", {}).get(key)
        if listed is None:
            listed = [str(p) for p in _installed_projects(install)]
            cache["projects"] = {key: listed}  # only the current listing is worth keeping
            _write_cache(workspace, cache)
        for text in listed:
            found[Path(text).name] = Path(text)
    for folder in extra_apps_paths(workspace):
        for path in _projects_in(folder) or ([folder] if (folder / "src").is_dir() else []):
            found[path.name] = path
    return list(found.values())


def _installed_projects(install: AgilabInstall) -> list[Path]:
    site = install.site_packages
    assert site is not None
    builtin: list[Path] = []
    try:
        marked = Path(paths.marker_file().read_text("utf-8").strip())
        builtin = _projects_in(marked / "apps" / "builtin")
    except OSError:
        builtin = _projects_in(site / "agilab" / "apps" / "builtin")
    wheels = [p for package in sorted(site.glob("agi_app_*")) if package.is_dir()
              for p in _projects_in(package / "project")]
    return builtin + wheels


def agilab_apps(workspace: Any) -> list[Any]:
    """AGILab projects as :class:`~engine.workspace.AppProject` named ``agilab:<project>``."""
    from ...workspace import AppProject

    try:
        dirs = project_dirs(workspace)
    except Exception:  # discovery must never break listing the native apps; health explains
        return []
    return [AppProject(f"{paths.PREFIX}{path.name}", path, True, backend="agilab") for path in dirs]
