"""The ASSISTANT panel's blocking work: the current dataframe, contract previews and saving stages.

Everything here reads files or runs pandas, so the panel only calls it through ``app.call_engine``. The
functions take plain values and return immutable results; no widget is touched.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from engine.assistant import AssistantResult, DataFrameSchema
    from engine.facade import Engine

PREVIEW_ROWS = 8
# Files above this size are previewed on their first rows only, so a huge output never stalls the panel.
FULL_READ_BYTES = 16 * 1024 * 1024
SAMPLE_ROWS = 2000
MODEL_STATE_KEY = "assistant_model"
BASE_URL_STATE_KEY = "assistant_base_url"


@dataclass(frozen=True)
class CurrentFrame:
    """The dataframe the assistant works on: the latest ``lab_out.csv``, else the app's latest output."""

    path: Path | None
    schema: DataFrameSchema | None
    frame: pd.DataFrame | None
    sampled: bool = False
    """True when only the first rows were read (the preview says so)."""
    error: str = ""

    @property
    def dtypes(self) -> dict[str, str]:
        return self.schema.dtypes if self.schema is not None else {}


@dataclass(frozen=True)
class Preview:
    """The first rows of the contract applied to the current dataframe, as text cells."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    total_rows: int


@dataclass(frozen=True)
class SavedStage:
    path: Path
    index: int
    count: int


def load_current_frame(engine: Engine, app_name: str) -> CurrentFrame:
    """Read the dataframe the assistant's schema and previews come from."""
    from engine.assistant import dataframe_schema
    from engine.stages_run import latest_dataframe

    app = engine.app(app_name)
    path = latest_dataframe(engine.workspace, app)
    if path is None:
        try:
            path = engine.latest_output(app)
        except Exception:  # unreadable settings: ORCHESTRATE reports them; here it only means "no dataframe"
            path = None
    if path is None:
        return CurrentFrame(None, None, None)
    try:
        frame, sampled = _read_frame(path)
        schema = dataframe_schema(frame)
    except Exception as exc:  # pandas raises many types for a broken file; the panel shows the message
        return CurrentFrame(path, None, None, error=f"{path.name}: {exc}")
    return CurrentFrame(path, schema, frame, sampled)


def _read_frame(path: Path) -> tuple[pd.DataFrame, bool]:
    import pandas as pd

    if path.suffix.lower() in (".parquet", ".pq"):
        return pd.read_parquet(path), False
    if path.stat().st_size <= FULL_READ_BYTES:
        return pd.read_csv(path), False
    return pd.read_csv(path, nrows=SAMPLE_ROWS), True


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


def save_contract_stage(engine: Engine, app_name: str, contract: Mapping[str, Any],
                        schema: DataFrameSchema | None, question: str, model: str) -> SavedStage:
    """Append a Safe Actions template stage to the app's ``lab_stages.toml`` (validated first)."""
    from engine.assistant import stage_fields_for_contract, summarize_contract

    fields = stage_fields_for_contract(contract, schema, question, model)
    stage = {"D": summarize_contract(contract), "R": "runpy", "E": "", **fields}
    return _append(engine, app_name, stage)


def save_snippet_stage(engine: Engine, app_name: str, result: AssistantResult) -> SavedStage:
    """Append an advanced Python snippet as a raw stage, kept for review (saving never runs it)."""
    from engine.stages import raw_python_stage

    stage = raw_python_stage(result.code, description=f"Python snippet: {result.question}"[:120],
                             question=result.question)
    stage.update(result.stage_fields)
    return _append(engine, app_name, stage)


def _append(engine: Engine, app_name: str, stage: dict[str, Any]) -> SavedStage:
    from engine.stages_run import Lab, append_stages

    lab = Lab.for_app(engine.workspace, engine.app(app_name))
    count = append_stages(lab, [stage])
    return SavedStage(lab.stages_file, count - 1, count)


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
