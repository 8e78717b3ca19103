"""The toolong-style log pane, the virtualised table source, and the atomic column export."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq
import pytest
from textual.app import App, ComposeResult

from engine.data_export import ExportError, export_columns
from engine.table_source import ConcatSource, CsvSource, ParquetSource, TableSourceError, open_table
from tui.widgets.log_pane import LogPane


class LogApp(App[None]):
    def compose(self) -> ComposeResult:
        yield LogPane(max_lines=500)


async def test_log_pane_follows_pauses_with_a_badge_and_resumes_on_end() -> None:
    app = LogApp()
    async with app.run_test(size=(80, 20)) as pilot:
        pane = app.query_one(LogPane)
        pane.write_lines(f"line {i}" for i in range(100))
        await pilot.pause()
        assert pane.following and pane.log.is_vertical_scroll_end
        pane.log.focus()
        await pilot.press("g")  # scroll to the top: following pauses
        await pilot.pause()
        pane.write_lines(f"more {i}" for i in range(30))
        await pilot.pause()
        assert pane.pending_lines == 30 and pane.has_class("-pending")
        assert pane.log.scroll_y == 0
        await pilot.press("end")
        await pilot.pause()
        assert pane.pending_lines == 0 and not pane.has_class("-pending")
        pane.write_lines(f"tail {i}" for i in range(1000))
        await pilot.pause()
        assert pane.log.line_count == 500  # bounded memory
        assert pane.total_lines == 1130
        assert pane.log.is_vertical_scroll_end


async def test_streamed_batches_are_coalesced_keep_order_and_count_while_paused() -> None:
    app = LogApp()
    async with app.run_test(size=(80, 20)) as pilot:
        pane = app.query_one(LogPane)
        pane.write_lines(f"line {i}" for i in range(100))
        await pilot.pause()
        pane.log.focus()
        await pilot.press("g")
        await pilot.pause()
        for batch in range(10):  # many small batches, as an operation streams them
            pane.stream_lines(f"s{batch}-{i}" for i in range(5))
        pane.write_lines(["direct"])  # a direct write must come after everything queued before it
        await pilot.pause(0.2)
        assert pane.pending_lines == 51 and pane.has_class("-pending")
        assert pane.log.lines[-1] == "direct" and pane.log.lines[-2] == "s9-4" and pane.log.lines[100] == "s0-0"
        await pilot.press("end")
        await pilot.pause()
        assert pane.pending_lines == 0 and pane.log.is_vertical_scroll_end
        pane.stream_lines(f"x{i}" for i in range(2000))
        await pilot.pause(0.2)
        assert pane.log.line_count == 500 and pane.log.lines[-1] == "x1999"  # still bounded


@pytest.fixture
def big_tables(tmp_path: Path) -> dict[str, Path]:
    n = 1_000_000
    table = pa.table({"id": np.arange(n), "x": np.arange(n) * 0.5, "name": np.array(["a", "b"] * (n // 2))})
    paths = {"parquet": tmp_path / "big.parquet", "csv": tmp_path / "big.csv"}
    pq.write_table(table, paths["parquet"], row_group_size=250_000)
    pcsv.write_csv(table, paths["csv"])
    return paths


def test_million_row_sources_read_only_the_slices_asked_for(big_tables: dict[str, Path]) -> None:
    parquet = open_table(big_tables["parquet"])
    assert isinstance(parquet, ParquetSource)
    assert parquet.row_count == 1_000_000 and parquet.columns == ["id", "x", "name"]
    assert parquet.read_rows(999_998, 1_000_005) == [(999_998, 499_999.0, "a"), (999_999, 499_999.5, "b")]
    assert parquet.read_rows(249_999, 250_001, ["id"]) == [(249_999,), (250_000,)]
    source = open_table(big_tables["csv"])
    assert isinstance(source, CsvSource)
    assert source.read_rows(0, 2) == [(0, 0.0, "a"), (1, 0.5, "b")]
    assert not source.row_count_known  # only the first rows were indexed
    assert source.read_rows(500_000, 500_001) == [(500_000, 250_000.0, "a")]
    assert source.row_count == 1_000_000 and source.row_count_known


def test_csv_newlines_inside_quotes_and_folders(tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "a.csv").write_text('k,text\n1,"two\nlines"\n2,plain\n')
    (tmp_path / "out" / "b.csv").write_text("k,text\n3,last")
    folder = open_table(tmp_path / "out")
    assert isinstance(folder, ConcatSource)
    assert folder.row_count == 3
    assert folder.read_rows(0, 10) == [(1, "two\nlines"), (2, "plain"), (3, "last")]
    with pytest.raises(TableSourceError):
        open_table(tmp_path / "missing.csv")
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(TableSourceError):
        open_table(tmp_path / "notes.txt")


def test_export_writes_the_chosen_columns_atomically(big_tables: dict[str, Path], tmp_path: Path) -> None:
    result = export_columns(big_tables["parquet"], ["name", "id"], tmp_path / "export")
    assert result.rows == 1_000_000 and result.path.name == "export.csv"
    with open(result.path, newline="") as handle:
        reader = csv.reader(handle)
        assert next(reader) == ["name", "id"] and next(reader) == ["a", "0"]
    assert [p.name for p in (tmp_path / "export").iterdir()] == ["export.csv"]  # no temp file left
    with pytest.raises(ExportError, match="unknown column"):
        export_columns(big_tables["parquet"], ["nope"], tmp_path / "export")
    with pytest.raises(ExportError, match="at least one column"):
        export_columns(big_tables["parquet"], [], tmp_path / "export")
