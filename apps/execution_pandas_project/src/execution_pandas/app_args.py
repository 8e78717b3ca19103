"""Arguments of the compute-heavy app."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class ExecutionPandasArgs(BaseModel):
    """Unknown keys are rejected so a renamed argument fails fast."""

    model_config = ConfigDict(extra="forbid")

    data_in: str = Field("execution_pandas/dataset", description="Folder of input CSV files")
    data_out: str = Field("execution_pandas/dataframe", description="Folder for outputs")
    files: str = Field("*.csv", description="Glob of input files inside data_in")
    nfile: int = Field(0, ge=0, description="Use only the first N files (0 = all)")
    output_format: Literal["parquet", "csv"] = Field("parquet", description="Output file format")
    reset_target: bool = Field(True, description="Empty data_out before the run")
    n_partitions: int = Field(8, ge=1, le=1000, description="Files generated when data_in is empty")
    rows_per_file: int = Field(12000, ge=1, le=10_000_000, description="Rows per generated file")
    iterations: int = Field(400, ge=1, le=100_000, description="Logistic-map iterations per row")
