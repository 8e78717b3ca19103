"""Executing lab stages in subprocesses, tracking them in MLflow, and notebook export/import."""

from __future__ import annotations

from .execute import StageFailed, exclusive_run, execute_stage, run_pipeline, run_stage
from .lab import Lab, append_stages, latest_dataframe, read_sequence, read_stages, stage_code
from .notebook_export import export_notebook, notebook_document
from .notebook_import import ImportPreview, apply_import, preview_notebook_import
from .runner import DATAFRAME_FILE, RUNNER_SOURCE, SNIPPET_FILE, resolve_python

__all__ = [
    "DATAFRAME_FILE",
    "ImportPreview",
    "Lab",
    "RUNNER_SOURCE",
    "SNIPPET_FILE",
    "StageFailed",
    "append_stages",
    "apply_import",
    "exclusive_run",
    "execute_stage",
    "export_notebook",
    "latest_dataframe",
    "notebook_document",
    "preview_notebook_import",
    "read_sequence",
    "read_stages",
    "resolve_python",
    "run_pipeline",
    "run_stage",
    "stage_code",
]
