"""Versioned stage templates: structured, version-aware stages whose Python is a rendered view."""

from __future__ import annotations

from functools import lru_cache

from .registry import (
    RAW_PYTHON_KIND,
    TEMPLATE_KIND,
    TemplateError,
    TemplateFamily,
    TemplatePayload,
    TemplateRegistry,
)

__all__ = [
    "RAW_PYTHON_KIND",
    "TEMPLATE_KIND",
    "TemplateError",
    "TemplateFamily",
    "TemplatePayload",
    "TemplateRegistry",
    "default_registry",
]


@lru_cache(maxsize=1)
def default_registry() -> TemplateRegistry:
    """The built-in families at their current versions (built once per process)."""
    from . import agi_run, safe_actions

    registry = TemplateRegistry()
    registry.register(agi_run.FAMILY)
    registry.register(safe_actions.FAMILY)
    return registry
