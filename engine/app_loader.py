"""Import an app's manager (arguments model, data preparation, work plan) from its project folder."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from .errors import AgilabError
from .settings import AppSettings, first_validation_error
from .workspace import AppProject, Workspace


class AppLoadError(AgilabError):
    """The app's manager code cannot be imported or does not follow the app contract."""


def _ensure_importable(app: AppProject) -> None:
    for folder in (str(app.src_dir), str(Path(__file__).resolve().parent.parent)):
        if folder not in sys.path:
            sys.path.insert(0, folder)


def manager_class(app: AppProject) -> type[Any]:
    """The ``<ClassName>`` in ``src/<target>/<target>.py``, which carries ``Args`` and ``build_distribution``."""
    _ensure_importable(app)
    module_name = f"{app.target}.{app.target}"
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:
        raise AppLoadError(f"{app.manager_dir / (app.target + '.py')}: cannot import the manager: "
                           f"{type(exc).__name__}: {exc}") from exc
    cls = getattr(module, app.class_name, None)
    if cls is None:
        raise AppLoadError(f"{module.__file__}: defines no class {app.class_name}")
    for attribute in ("Args", "build_distribution", "prepare_data", "worker_class"):
        if not hasattr(cls, attribute):
            raise AppLoadError(f"{module.__file__}: {app.class_name} lacks '{attribute}'")
    return cls


def args_model(app: AppProject) -> type[BaseModel]:
    return manager_class(app).Args


def validate_args(app: AppProject, values: dict[str, Any], *, source: Path | None = None) -> BaseModel:
    """Validate ``[args]`` with the app's pydantic model; errors name the file, line and key."""
    model = args_model(app)
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        path = source or Path(f"<{app.name} args>")
        text = path.read_text("utf-8") if source and source.exists() else ""
        raise first_validation_error(path, text, exc, prefix="args") from exc


def build_manager(workspace: Workspace, app: AppProject, settings: AppSettings,
                  overrides: dict[str, Any] | None = None) -> Any:
    """Instantiate the manager with validated args and data paths resolved under the data share."""
    values = {**settings.args, **(overrides or {})}
    # Errors name the settings file even with overrides: that is where the user fixes a value.
    args = validate_args(app, values, source=settings.path)
    data_in = workspace.resolve_data_path(getattr(args, "data_in", f"{app.target}/dataset"))
    data_out = workspace.resolve_data_path(getattr(args, "data_out", f"{app.target}/dataframe"))
    return manager_class(app)(args, data_in, data_out)

