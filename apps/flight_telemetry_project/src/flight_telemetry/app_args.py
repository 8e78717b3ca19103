"""Arguments of the flight telemetry app, validated before any run."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class FlightTelemetryArgs(BaseModel):
    """Unknown keys are rejected so a renamed argument fails fast instead of being ignored."""

    model_config = ConfigDict(extra="forbid")

    data_in: str = Field("flight_telemetry/dataset", description="Folder of trajectory CSV files")
    data_out: str = Field("flight_telemetry/dataframe", description="Folder for per-aircraft outputs")
    files: str = Field("*.csv", description="Glob of input files inside data_in")
    nfile: int = Field(0, ge=0, description="Use only the first N files (0 = all)")
    output_format: Literal["parquet", "csv"] = Field("parquet", description="Output file format")
    reset_target: bool = Field(True, description="Empty data_out before the run")
    synthetic_aircraft: int = Field(6, ge=1, le=500, description="Aircraft generated when data_in is empty")
    synthetic_points: int = Field(1200, ge=2, le=1_000_000, description="Fixes per generated aircraft")
