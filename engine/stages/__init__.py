"""WORKFLOW stages: the ``lab_stages.toml`` model, template stages and the snippet converter."""

from __future__ import annotations

from .converter import (
    ConversionPreview,
    NotConvertible,
    apply_conversion,
    preview_conversion,
    recognise_run_snippet,
    recognise_stage,
)
from .lab_file import (
    LAB_FILE_NAME,
    LOCKED_KEY,
    SCHEMA,
    SNIPPET_SOURCE_KEY,
    LabStagesFile,
    StageError,
    StageLockedError,
    is_displayable,
    is_locked,
)
from .templates import (
    StageStatus,
    TemplateRefresh,
    TemplateState,
    apply_refresh,
    is_template_stage,
    new_template_stage,
    payload_from_stage,
    raw_python_stage,
    refresh_from_template,
    stage_code,
    stage_status,
)

__all__ = [
    "LAB_FILE_NAME",
    "LOCKED_KEY",
    "SCHEMA",
    "SNIPPET_SOURCE_KEY",
    "ConversionPreview",
    "LabStagesFile",
    "NotConvertible",
    "StageError",
    "StageLockedError",
    "StageStatus",
    "TemplateRefresh",
    "TemplateState",
    "apply_conversion",
    "apply_refresh",
    "is_displayable",
    "is_locked",
    "is_template_stage",
    "new_template_stage",
    "payload_from_stage",
    "preview_conversion",
    "raw_python_stage",
    "recognise_run_snippet",
    "recognise_stage",
    "refresh_from_template",
    "stage_code",
    "stage_status",
]
