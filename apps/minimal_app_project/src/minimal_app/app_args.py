"""Arguments of the minimal app."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class MinimalAppArgs(BaseModel):
    """Unknown keys are rejected so a renamed argument fails fast."""

    model_config = ConfigDict(extra="forbid")

    data_in: str = Field("minimal_app/dataset", description="Unused input folder (kept for the contract)")
    data_out: str = Field("minimal_app/dataframe", description="Folder for outputs")
    output_format: Literal["parquet", "csv"] = Field("csv", description="Output file format")
    reset_target: bool = Field(True, description="Empty data_out before the run")
    n_items: int = Field(1000, ge=1, le=10_000_000, description="Numbers to square")
    n_partitions: int = Field(4, ge=1, le=1000, description="Partitions of the range")
