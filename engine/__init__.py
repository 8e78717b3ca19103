"""The async core of agilab-tui: workspace, settings, install, distribute, run, stages, DAG, tracking.

Importing this package stays light: heavy libraries (pandas, dask, mlflow, openai) are imported
where they are used, and Textual is never imported here. The names below are loaded on first use
(PEP 562), so that importing one submodule (the TUI's first frame needs ``engine.events``) does not
also import the workspace and tomlkit.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .errors import AgilabError
    from .run_request import RunRequest, StageRequest
    from .workspace import AppProject, Workspace

__all__ = ["AgilabError", "AppProject", "RunRequest", "StageRequest", "Workspace"]
_HOMES = {"AgilabError": ".errors", "RunRequest": ".run_request", "StageRequest": ".run_request",
          "AppProject": ".workspace", "Workspace": ".workspace"}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(home, __name__), name)
    globals()[name] = value
    return value
