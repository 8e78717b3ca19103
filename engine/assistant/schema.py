"""Dataframe schemas (column names and dtypes) for prompts, validation and hashing."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import AssistantError

if TYPE_CHECKING:
    import pandas as pd

PROMPT_MAX_COLUMNS = 80
# Files up to this size are read whole so dtypes and row count are exact; larger CSVs are sampled.
CSV_FULL_READ_BYTES = 16 * 1024 * 1024
CSV_SAMPLE_ROWS = 1000
_PARQUET_SUFFIXES = {".parquet", ".pq"}


@dataclass(frozen=True)
class DataFrameSchema:
    """Every column of a dataframe with its dtype name, in order, plus the row count when known."""

    columns: dict[str, str] = field(default_factory=dict)
    """Column name to pandas dtype name, for all columns (prompts show at most 80)."""
    row_count: int | None = None
    """Number of rows, or None when it could not be known without reading the whole file."""

    @property
    def dtypes(self) -> dict[str, str]:
        """The column to dtype mapping expected by :func:`validate_contract`."""
        return dict(self.columns)


SchemaLike = DataFrameSchema | Mapping[str, str] | None


def as_dtypes(schema: SchemaLike) -> dict[str, str] | None:
    """Normalise a schema argument to ``{column: dtype}``, or None when no dataframe is loaded."""
    if schema is None:
        return None
    if isinstance(schema, DataFrameSchema):
        return schema.dtypes
    return {str(name): str(dtype) for name, dtype in schema.items()}


def as_schema(source: Any) -> DataFrameSchema | None:
    """Any schema argument (schema, ``{column: dtype}``, DataFrame, CSV/parquet path) as a DataFrameSchema."""
    if source is None or isinstance(source, DataFrameSchema):
        return source
    if isinstance(source, Mapping):
        return DataFrameSchema(columns=as_dtypes(source) or {})
    return dataframe_schema(source)


def dataframe_schema(source: pd.DataFrame | DataFrameSchema | str | os.PathLike[str]) -> DataFrameSchema:
    """Schema of a dataframe, or of a CSV/parquet file read as little as possible.

    Args:
        source: a loaded DataFrame, an existing schema, or a ``.csv`` / ``.parquet`` path.

    Returns:
        The full schema; parquet comes from file metadata only, large CSVs from a sample
        (then ``row_count`` is None).
    """
    if isinstance(source, DataFrameSchema):
        return source
    if isinstance(source, str | os.PathLike):
        return _schema_from_path(Path(source))
    import pandas as pd

    if not isinstance(source, pd.DataFrame):
        raise AssistantError(f"cannot read a dataframe schema from {type(source).__name__}")
    return _schema_from_frame(source, row_count=len(source))


def dataframe_schema_for_prompt(
    source: pd.DataFrame | DataFrameSchema | str | os.PathLike[str],
    *,
    max_columns: int = PROMPT_MAX_COLUMNS,
) -> dict[str, Any]:
    """Column names and dtypes (at most ``max_columns``) and the row count, as JSON-ready data.

    Args:
        source: anything :func:`dataframe_schema` accepts.
        max_columns: columns beyond this many are left out and ``truncated`` is set.

    Returns:
        ``{"columns": [{"name", "dtype"}...], "column_count", "row_count", "truncated"}``.
    """
    schema = dataframe_schema(source)
    items = list(schema.columns.items())
    return {
        "columns": [{"name": name, "dtype": dtype} for name, dtype in items[:max_columns]],
        "column_count": len(items),
        "row_count": schema.row_count,
        "truncated": len(items) > max_columns,
    }


def _schema_from_frame(df: pd.DataFrame, *, row_count: int | None) -> DataFrameSchema:
    columns = {str(name): str(dtype) for name, dtype in df.dtypes.items()}
    return DataFrameSchema(columns=columns, row_count=row_count)


def _schema_from_path(path: Path) -> DataFrameSchema:
    if not path.is_file():
        raise AssistantError(f"{path}: no such dataframe file")
    suffix = path.suffix.lower()
    try:
        if suffix in _PARQUET_SUFFIXES:
            return _schema_from_parquet(path)
        if suffix == ".csv":
            return _schema_from_csv(path)
    except AssistantError:
        raise
    except Exception as exc:  # pandas/pyarrow raise many types for a broken file; all mean "unreadable"
        raise AssistantError(f"{path}: cannot read the dataframe schema ({exc})") from exc
    raise AssistantError(f"{path}: unsupported dataframe file type '{suffix}' (use .csv or .parquet)")


def _schema_from_parquet(path: Path) -> DataFrameSchema:
    import pyarrow.parquet as pq

    parquet = pq.ParquetFile(path)
    # An empty table converts the arrow schema to the dtypes pandas would give, without reading rows.
    empty = parquet.schema_arrow.empty_table().to_pandas()
    return _schema_from_frame(empty, row_count=parquet.metadata.num_rows)


def _schema_from_csv(path: Path) -> DataFrameSchema:
    import pandas as pd

    if path.stat().st_size <= CSV_FULL_READ_BYTES:
        frame = pd.read_csv(path)
        return _schema_from_frame(frame, row_count=len(frame))
    sample = pd.read_csv(path, nrows=CSV_SAMPLE_ROWS)
    return _schema_from_frame(sample, row_count=None)
