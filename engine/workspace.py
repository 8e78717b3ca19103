"""The workspace: one root folder holding every piece of state, and app discovery.

Layout under the root (``AGILAB_TUI_HOME``, ``--home``, default ``$XDG_DATA_HOME/agilab-tui``)::

    settings/<app>/app_settings.toml   per-user settings, seeded from the app's own copy
    projects/<app>/                    apps created or imported by the user
    wenv/<target>_worker/              worker environments and distribution_tree.json
    log/execute/<target>/              generated snippets, run logs, run_manifest.json, benchmark.json
    export/<module>/                   lab_stages.toml, lab_out.csv, export.csv, notebooks
    data/                              the data share: relative data_in / data_out resolve here
    mlflow/                            the local MLflow store
    secrets.toml                       API keys (0600), never copied elsewhere
    state.toml                         small UI state such as the active app
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import tomlkit

from .atomic import atomic_write_text, file_lock
from .errors import AgilabError, AppNotFoundError


class WorkspaceError(AgilabError):
    """The workspace root cannot be used (a file, or not creatable); the message names it."""

HOME_ENV = "AGILAB_TUI_HOME"
REPO_ROOT = Path(__file__).resolve().parent.parent
BUNDLED_APPS_DIR = REPO_ROOT / "apps"
DEFAULT_APP = "flight_telemetry_project"


def default_home() -> Path:
    """The workspace root: ``$AGILAB_TUI_HOME`` or ``$XDG_DATA_HOME/agilab-tui``."""
    override = os.environ.get(HOME_ENV)
    if override:
        return Path(override).expanduser()
    xdg = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(xdg) / "agilab-tui"


def module_key(app_name: str) -> str:
    """AGILab's module key: the project folder name minus ``_project``."""
    return app_name[: -len("_project")] if app_name.endswith("_project") else app_name


@dataclass(frozen=True)
class AppProject:
    """An app project folder (bundled or in the workspace) and the names derived from it."""

    name: str
    path: Path
    bundled: bool
    backend: str = "native"
    """Who runs it: ``native`` (this engine) or ``agilab`` (AGILab's own API, see engine/backends/)."""

    @property
    def target(self) -> str:
        """Runtime target from ``[tool.agilab] runtime_target`` in the app's pyproject, else the module key."""
        pyproject = self.path / "pyproject.toml"
        if pyproject.exists():
            try:
                data = tomlkit.parse(pyproject.read_text("utf-8"))
                target = data.get("tool", {}).get("agilab", {}).get("runtime_target")
                if target:
                    return str(target)
            except Exception:  # a broken pyproject is reported by health checks, not here
                pass
        return module_key(self.name)

    @property
    def module(self) -> str:
        return module_key(self.name)

    @property
    def src_dir(self) -> Path:
        return self.path / "src"

    @property
    def worker_package(self) -> str:
        return f"{self.target}_worker"

    @property
    def worker_dir(self) -> Path:
        return self.src_dir / self.worker_package

    @property
    def manager_dir(self) -> Path:
        return self.src_dir / self.target

    @property
    def settings_seed(self) -> Path:
        for candidate in (self.src_dir / "app_settings.toml", self.path / "app_settings.toml"):
            if candidate.exists():
                return candidate
        return self.src_dir / "app_settings.toml"

    @property
    def class_name(self) -> str:
        """AGILab naming: TitleCase of the target (``flight_telemetry`` -> ``FlightTelemetry``)."""
        return "".join(part.capitalize() for part in self.target.split("_"))


class Workspace:
    """Paths of every piece of state, all under one root folder."""

    def __init__(self, root: Path | str | None = None, *, bundled_apps: Path | None = None):
        self.root = Path(root).expanduser().resolve() if root else default_home().resolve()
        self.bundled_apps = bundled_apps or BUNDLED_APPS_DIR
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except (FileExistsError, NotADirectoryError) as exc:
            raise WorkspaceError(f"{self.root}: the workspace root ({HOME_ENV} or --home) is not a folder") from exc
        except OSError as exc:
            raise WorkspaceError(f"{self.root}: cannot create the workspace root: {exc.strerror or exc}") from exc

    def _dir(self, *parts: str) -> Path:
        path = self.root.joinpath(*parts)
        path.mkdir(parents=True, exist_ok=True)
        return path

    @property
    def projects_dir(self) -> Path:
        return self._dir("projects")

    @property
    def data_dir(self) -> Path:
        return self._dir("data")

    @property
    def mlflow_dir(self) -> Path:
        override = os.environ.get("MLFLOW_TRACKING_DIR")  # AGILab's override of its ~/.mlflow store
        if override:
            path = Path(override).expanduser()
            path.mkdir(parents=True, exist_ok=True)
            return path
        return self._dir("mlflow")

    @property
    def secrets_file(self) -> Path:
        return self.root / "secrets.toml"

    @property
    def state_file(self) -> Path:
        return self.root / "state.toml"

    def settings_file(self, app: AppProject | str) -> Path:
        if isinstance(app, AppProject) and app.backend == "agilab":  # AGILab's own per-user settings
            from .backends.agilab import paths as agilab_paths

            return agilab_paths.settings_file(app.name)
        name = app.name if isinstance(app, AppProject) else app
        return self._dir("settings", name) / "app_settings.toml"

    def wenv_dir(self, app: AppProject) -> Path:
        if app.backend == "agilab":
            from .backends.agilab import paths as agilab_paths

            return agilab_paths.wenv_dir(app.target)
        return self._dir("wenv", f"{app.target}_worker")

    def log_dir(self, app: AppProject) -> Path:
        if app.backend == "agilab":
            from .backends.agilab import paths as agilab_paths

            return agilab_paths.log_dir(app.target)
        return self._dir("log", "execute", app.target)

    def export_dir(self, app: AppProject) -> Path:
        return self._dir("export", app.module)

    def resolve_data_path(self, value: str | os.PathLike[str]) -> Path:
        """Relative data paths live under the data share; absolute ones are kept."""
        path = Path(value).expanduser()
        return path if path.is_absolute() else self.data_dir / path

    def mlflow_tracking_uri(self) -> str:
        return f"sqlite:///{self.mlflow_dir / 'mlflow.db'}"

    # --- apps -------------------------------------------------------------------------------
    def apps(self) -> list[AppProject]:
        """Bundled apps first, then workspace apps; a workspace app shadows a bundled one of its name."""
        found: dict[str, AppProject] = {}
        for base, bundled in ((self.bundled_apps, True), (self.projects_dir, False)):
            if not base.is_dir():
                continue
            for path in sorted(base.iterdir()):
                if path.is_dir() and path.name.endswith("_project") and (path / "src").is_dir():
                    found[path.name] = AppProject(path.name, path, bundled)
        from .backends.agilab.discovery import agilab_apps  # cached: no AGILab Python is started

        found.update({app.name: app for app in agilab_apps(self)})
        return list(found.values())

    def app(self, name: str) -> AppProject:
        """Find an app by project name or by module key (``flight_telemetry`` finds ``flight_telemetry_project``)."""
        wanted = {name, f"{name}_project"}
        for app in self.apps():
            if app.name in wanted:
                return app
        known = ", ".join(a.name for a in self.apps()) or "none"
        raise AppNotFoundError(f"no app named '{name}' (known: {known})")

    # --- small UI state ---------------------------------------------------------------------
    def read_state(self) -> dict[str, object]:
        try:
            return dict(tomlkit.parse(self.state_file.read_text("utf-8")).unwrap())
        except (FileNotFoundError, Exception):
            return {}

    def write_state(self, **values: object) -> None:
        with file_lock(self.state_file):
            state = self.read_state()
            state.update({k: v for k, v in values.items() if v is not None})
            atomic_write_text(self.state_file, tomlkit.dumps(state))

    @property
    def active_app_name(self) -> str:
        name = self.read_state().get("active_app")
        if isinstance(name, str):
            try:
                return self.app(name).name
            except AppNotFoundError:
                pass
        return DEFAULT_APP
