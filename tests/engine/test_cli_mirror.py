"""The ANALYSIS and notebook commands headless, on a real run of the flight app (real uv env, real worker)."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from test_cli import cli

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def flight_output(installed_home: Path) -> Path:
    out = cli(installed_home, "run", "flight_telemetry", "--mode", "0", "--json")
    assert out.returncode == 0, out.stderr[-2000:]
    outputs = [Path(p) for p in json.loads(out.stdout)["result"]["outputs"]]
    assert outputs
    return max(outputs, key=lambda p: (p.stat().st_mtime, p.name))


def test_analysis_stats_of_the_latest_output_match_pandas(installed_home: Path, flight_output: Path):
    out = cli(installed_home, "analysis", "stats", "flight_telemetry", "--json")
    assert out.returncode == 0, out.stderr
    payload = json.loads(out.stdout)
    frame = pd.read_parquet(payload["path"]) if payload["path"].endswith(".parquet") else pd.read_csv(payload["path"])
    assert payload["rows"] == len(frame)
    numeric = next(c for c in frame.columns if pd.api.types.is_float_dtype(frame[c]))
    assert float(payload["columns"][numeric]["mean"]) == pytest.approx(frame[numeric].mean(), rel=1e-5)
    assert payload["columns"][numeric]["rows"] == f"{len(frame):,}"

    filtered = cli(installed_home, "analysis", "stats", "flight_telemetry", "--column", numeric,
                   "--filter", f"{numeric} > {frame[numeric].median()}", "--json")
    assert filtered.returncode == 0, filtered.stderr
    assert json.loads(filtered.stdout)["rows"] == int((frame[numeric] > frame[numeric].median()).sum())

    unknown = cli(installed_home, "analysis", "stats", "flight_telemetry", "--column", "no_such_column")
    assert unknown.returncode == 1 and "no_such_column" in unknown.stderr


def test_analysis_export_writes_the_chosen_columns(installed_home: Path, flight_output: Path):
    frame = pd.read_parquet(flight_output) if flight_output.suffix == ".parquet" else pd.read_csv(flight_output)
    columns = [str(c) for c in frame.columns[:2]]
    out = cli(installed_home, "analysis", "export", "flight_telemetry", "--file", str(flight_output),
              "--columns", ",".join(columns), "--json")
    assert out.returncode == 0, out.stderr
    payload = json.loads(out.stdout)
    exported = pd.read_csv(payload["path"])
    assert list(exported.columns) == columns and len(exported) == len(frame) == payload["rows"]
    tables = json.loads(cli(installed_home, "analysis", "tables", "flight_telemetry", "--json").stdout)
    assert any(t["path"] == payload["path"] for t in tables)


def test_notebook_export_writes_the_orchestrate_recipe(installed_home: Path):
    out = cli(installed_home, "notebook", "export", "flight_telemetry", "--json")
    assert out.returncode == 0, out.stderr
    notebook = nbformat.read(json.loads(out.stdout)["path"], as_version=4)
    sources = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "code")
    assert "AGI.install" in sources and "AGI.run" in sources
