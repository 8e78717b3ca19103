"""The ASSISTANT panel's blocking work: contract previews and remembered settings (the current dataframe and
saving stages live in :mod:`engine.assistant.workbench`, shared with ``agilab-tui assistant``).

Everything here reads files or runs pandas, so the panel only calls it through ``app.call_engine``. The
functions take plain values and return immutable results; no widget is touched.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from engine.assistant.workbench import (
    CurrentFrame,
    SavedStage,
    load_current_frame,
    save_contract_stage,
    save_snippet_stage,
)

if TYPE_CHECKING:
    import pandas as pd

    from engine.facade import Engine

# Re-exported: the panel reaches all of its blocking work through this module.
__all__ = ["CurrentFrame", "Preview", "SavedStage", "action_lines", "error_label", "load_current_frame",
           "preview_contract", "read_settings", "save_contract_stage", "save_snippet_stage", "write_settings"]

PREVIEW_ROWS = 8
MODEL_STATE_KEY = "assistant_model"
BASE_URL_STATE_KEY = "assistant_base_url"


@dataclass(frozen=True)
class Preview:
    """The first rows of the contract applied to the current dataframe, as text cells."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    total_rows: int


def preview_contract(frame: pd.DataFrame | None, contract: Mapping[str, Any], rows: int = PREVIEW_ROWS) -> Preview:
    """Apply the contract with the reference implementation (no generated code runs) and keep the first rows."""
    from engine.assistant import apply_contract

    if frame is None:
        return Preview((), (), 0)
    result = apply_contract(frame, contract)
    head = result.head(rows)
    cells = tuple(tuple(_cell(value) for value in record) for record in head.itertuples(index=False, name=None))
    return Preview(tuple(str(c) for c in result.columns), cells, len(result))


def _cell(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 24 else text[:23] + "…"


def action_lines(contract: Mapping[str, Any]) -> list[str]:
    """Each action as one readable line: ``1. filter rows: column=x, operator=gt, value=3``."""
    lines = []
    for number, action in enumerate(contract.get("actions") or (), start=1):
        name = str(action.get("action", "?")).replace("_", " ")
        fields = ", ".join(f"{key}={_show(value)}" for key, value in action.items() if key != "action")
        lines.append(f"{number}. {name}: {fields}" if fields else f"{number}. {name}")
    return lines or ["(no action: df is unchanged)"]


def _show(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_show(v)}" for k, v in value.items()) + "}"
    return repr(value) if isinstance(value, str) else str(value)


def read_settings(engine: Engine) -> tuple[str, str]:
    """The model and base URL last used in this workspace ('' when never set)."""
    state = engine.workspace.read_state()
    return str(state.get(MODEL_STATE_KEY) or ""), str(state.get(BASE_URL_STATE_KEY) or "")


def write_settings(engine: Engine, model: str, base_url: str) -> None:
    """Remember the model and base URL (never the key: that goes to the 0600 secrets file)."""
    from engine.assistant import AssistantSettings

    AssistantSettings(model=model or "x", base_url=base_url or None)  # validates before anything is written
    engine.workspace.write_state(**{MODEL_STATE_KEY: model, BASE_URL_STATE_KEY: base_url})


def error_label(error: BaseException) -> str:
    """A short name for what went wrong with a request, shown before the engine's message."""
    from engine.assistant import errors

    labels = [(errors.MissingApiKeyError, "No API key"), (errors.AssistantAuthError, "API key refused"),
              (errors.AssistantRateLimitError, "Rate limited"), (errors.AssistantTimeoutError, "Timed out"),
              (errors.AssistantConnectionError, "Cannot connect"), (errors.AssistantAnswerError, "Unusable answer"),
              (errors.AssistantAPIError, "API error")]
    return next((label for kind, label in labels if isinstance(error, kind)), "Assistant error")
