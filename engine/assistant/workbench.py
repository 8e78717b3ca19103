"""The dataframe the assistant works on, and saving its answers as WORKFLOW stages.

Shared by the WORKFLOW assistant panel and ``agilab-tui assistant``: plain values in, immutable results out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from ..facade import Engine
    from .client import AssistantResult
    from .schema import DataFrameSchema

# Files above this size are read on their first rows only, so a huge output never stalls a preview.
FULL_READ_BYTES = 16 * 1024 * 1024
SAMPLE_ROWS = 2000


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
class SavedStage:
    path: Path
    index: int
    count: int


def load_current_frame(engine: Engine, app_name: str) -> CurrentFrame:
    """Read the dataframe the assistant's schema and previews come from."""
    from ..stages_run import latest_dataframe
    from . import dataframe_schema

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


def save_contract_stage(engine: Engine, app_name: str, contract: Mapping[str, Any],
                        schema: DataFrameSchema | None, question: str, model: str) -> SavedStage:
    """Append a Safe Actions template stage to the app's ``lab_stages.toml`` (validated first)."""
    from . import stage_fields_for_contract, summarize_contract

    fields = stage_fields_for_contract(contract, schema, question, model)
    stage = {"D": summarize_contract(contract), "R": "runpy", "E": "", **fields}
    return _append(engine, app_name, stage)


def save_snippet_stage(engine: Engine, app_name: str, result: AssistantResult) -> SavedStage:
    """Append an advanced Python snippet as a raw stage, kept for review (saving never runs it)."""
    from ..stages import raw_python_stage

    stage = raw_python_stage(result.code, description=f"Python snippet: {result.question}"[:120],
                             question=result.question)
    stage.update(result.stage_fields)
    return _append(engine, app_name, stage)


def _append(engine: Engine, app_name: str, stage: dict[str, Any]) -> SavedStage:
    from ..stages_run import Lab, append_stages

    lab = Lab.for_app(engine.workspace, engine.app(app_name))
    count = append_stages(lab, [stage])
    return SavedStage(lab.stages_file, count - 1, count)
