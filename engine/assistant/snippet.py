"""Python snippet (advanced) mode: raw model code, marked for review and never executed here."""

from __future__ import annotations

import re
from typing import Any

from .render import comment_text
from .safe_actions import GENERATION_MODE_PYTHON_SNIPPET

SNIPPET_HEADER = (
    "# AGILAB Python snippet (advanced): raw code written by a model, NOT a validated Safe Actions contract.",
    "# Review it before running: nothing has checked it, and it runs with your permissions.",
)
_FENCE = re.compile(r"```[ \t]*([A-Za-z0-9_+-]*)[ \t]*\r?\n(.*?)```", re.DOTALL)


def extract_python_code(text: str) -> str:
    """The code in a model answer: the first ```python block, else the first fenced block, else the text."""
    blocks = _FENCE.findall(text or "")
    for label, body in blocks:
        if label.lower() in ("python", "py", "python3"):
            return body.strip("\n")
    if blocks:
        return blocks[0][1].strip("\n")
    return (text or "").strip("\n")


def snippet_stage_code(code: str, model: str) -> str:
    """The code to store as ``C``: the review header, the model name, then the code unchanged."""
    header = [*SNIPPET_HEADER, f"# model: {comment_text(model) or 'unknown'}"]
    return "\n".join(header) + "\n" + code.rstrip("\n") + "\n"


def stage_fields_for_snippet(code: str, question: str, model: str) -> dict[str, Any]:
    """The ``lab_stages.toml`` keys to persist for a Python snippet stage (no contract, no template)."""
    return {
        "generation_mode": GENERATION_MODE_PYTHON_SNIPPET,
        "C": snippet_stage_code(code, model),
        "Q": question,
        "M": model,
    }
