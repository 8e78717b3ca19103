"""The async core of agilab-tui: workspace, settings, install, distribute, run, stages, DAG, tracking.

Importing this package stays light: heavy libraries (pandas, dask, mlflow, openai) are imported
where they are used, and Textual is never imported here.
"""

from .errors import AgilabError
from .run_request import RunRequest, StageRequest
from .workspace import AppProject, Workspace

__all__ = ["AgilabError", "AppProject", "RunRequest", "StageRequest", "Workspace"]
