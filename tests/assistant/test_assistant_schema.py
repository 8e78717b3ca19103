"""Dataframe schemas for prompts: from a DataFrame, a CSV or a parquet file (metadata only)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from engine.assistant import AssistantError, DataFrameSchema, dataframe_schema, dataframe_schema_for_prompt
from engine.assistant.schema import as_schema


def sample() -> pd.DataFrame:
    return pd.DataFrame({"speed": [1.5, 2.5, None], "alt": [1, 2, 3], "callsign": ["a", None, "c"]})


def test_schema_of_a_dataframe() -> None:
    schema = dataframe_schema(sample())
    assert schema.columns == {"speed": "float64", "alt": "int64", "callsign": str(sample()["callsign"].dtype)}
    assert schema.row_count == 3


def test_prompt_schema_is_json_ready_and_capped_at_80_columns() -> None:
    wide = pd.DataFrame({f"c{i}": [i] for i in range(85)})
    prompt = dataframe_schema_for_prompt(wide)
    assert len(prompt["columns"]) == 80
    assert prompt["columns"][0] == {"name": "c0", "dtype": "int64"}
    assert prompt["columns"][-1]["name"] == "c79"
    assert (prompt["column_count"], prompt["row_count"], prompt["truncated"]) == (85, 1, True)
    json.dumps(prompt)
    assert len(dataframe_schema(wide).columns) == 85  # validation still sees every column
    small = dataframe_schema_for_prompt(sample())
    assert small["truncated"] is False and small["column_count"] == 3


def test_schema_from_csv(tmp_path: Path) -> None:
    path = tmp_path / "lab_out.csv"
    sample().to_csv(path, index=False)
    schema = dataframe_schema(path)
    assert list(schema.columns) == ["speed", "alt", "callsign"]
    assert schema.columns["speed"] == "float64" and schema.columns["alt"] == "int64"
    assert schema.row_count == 3


def test_large_csv_is_sampled_and_row_count_left_unknown(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import engine.assistant.schema as schema_module

    path = tmp_path / "big.csv"
    pd.DataFrame({"x": range(50), "y": ["v"] * 50}).to_csv(path, index=False)
    monkeypatch.setattr(schema_module, "CSV_FULL_READ_BYTES", 10)
    schema = dataframe_schema(path)
    assert schema.columns["x"] == "int64" and schema.row_count is None


def test_schema_from_parquet_metadata(tmp_path: Path) -> None:
    path = tmp_path / "out.parquet"
    sample().to_parquet(path)
    schema = dataframe_schema(path)
    assert schema.columns["speed"] == "float64" and schema.columns["alt"] == "int64"
    assert list(schema.columns) == ["speed", "alt", "callsign"]
    assert schema.row_count == 3


@pytest.mark.parametrize(("name", "content", "fragment"), [
    ("data.xlsx", b"x", "unsupported dataframe file type '.xlsx'"),
    ("broken.parquet", b"not parquet", "cannot read the dataframe schema"),
])
def test_unreadable_files_fail_clearly(tmp_path: Path, name: str, content: bytes, fragment: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(AssistantError, match=fragment):
        dataframe_schema(path)


def test_missing_file_fails_clearly(tmp_path: Path) -> None:
    with pytest.raises(AssistantError, match="no such dataframe file"):
        dataframe_schema(tmp_path / "nope.csv")


def test_as_schema_accepts_every_form(tmp_path: Path) -> None:
    assert as_schema(None) is None
    given = DataFrameSchema({"a": "int64"}, 2)
    assert as_schema(given) is given
    assert as_schema({"a": "int64"}) == DataFrameSchema({"a": "int64"}, None)
    assert as_schema(sample()).row_count == 3
