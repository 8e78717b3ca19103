"""Sub-tabs whose panels are written separately (multi-app DAG, assistant): mounted when present.

Only a missing module reads as "coming"; a panel that exists but fails to import or build shows its
error, so a real bug is never hidden behind a placeholder.
"""

from __future__ import annotations

import importlib

from textual.widget import Widget
from textual.widgets import Static

OPTIONAL_PANELS = {
    "dag": ("tui.workflow.dag.panel", "DagPanel", "Multi-app DAG",
            "Cross-app artifact plans: sources, check, readiness table and runner."),
    "assistant": ("tui.workflow.assistant.panel", "AssistantPanel", "Assistant",
                  "Generate a stage from a prompt with Safe Actions."),
}


def optional_panel(key: str) -> Widget:
    """The panel for ``key`` in :data:`OPTIONAL_PANELS`, or an honest notice when it is not built yet."""
    module_name, class_name, title, purpose = OPTIONAL_PANELS[key]
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name != module_name:
            return Static(f"{title} could not be loaded:\n{type(exc).__name__}: {exc}", classes="page-error")
        return Static(f"{title} — coming.\n\n{purpose}\nThis panel is not part of this build yet.",
                      classes="workflow-coming", markup=False)
    except Exception as exc:  # a broken panel must not take the WORKFLOW page down
        return Static(f"{title} could not be loaded:\n{type(exc).__name__}: {exc}", classes="page-error")
    try:
        widget: Widget = getattr(module, class_name)()
    except Exception as exc:
        return Static(f"{class_name} could not be built:\n{type(exc).__name__}: {exc}", classes="page-error")
    return widget
