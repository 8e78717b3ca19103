"""Virtualised reading of tabular outputs (CSV, Parquet, or a folder of either).

Opening a table reads only metadata (Parquet footer) or the header line (CSV), so a million-row file
opens instantly; :meth:`TableSource.read_rows` then decodes only the rows asked for:

* Parquet: the row groups overlapping the slice, with a small LRU cache of decoded groups.
* CSV: a line-offset index built lazily in 4 MiB chunks (numpy, quote-aware so newlines inside quoted
  fields do not split a row) and only as far as the requested rows; the slice is parsed with pyarrow
  using the column types inferred once from the first rows, so types stay stable while scrolling.

pyarrow and numpy are imported inside functions so importing this module stays cheap.
"""

from __future__ import annotations

import bisect
import io
from abc import ABC, abstractmethod
from collections import OrderedDict
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pyarrow as pa

PARQUET_SUFFIXES = (".parquet", ".pq")
CSV_SUFFIXES = (".csv", ".tsv")
_CHUNK_BYTES = 4 << 20
_SAMPLE_ROWS = 1000
_BATCH_ROWS = 65_536
_CACHED_BATCHES = 8


class TableSourceError(Exception):
    """The path is not a readable CSV/Parquet table."""


class TableSource(ABC):
    """Row-addressable view of one table; subclasses decode only the requested slice."""

    path: Path

    @property
    @abstractmethod
    def columns(self) -> list[str]:
        """Column names in file order."""

    @property
    @abstractmethod
    def row_count(self) -> int:
        """Total rows; for CSV this completes the line index (a fast vectorised scan)."""

    @property
    def row_count_known(self) -> bool:
        """True when :attr:`row_count` is free (no scan left to do)."""
        return True

    @abstractmethod
    def read_table(self, start: int, stop: int, columns: list[str] | None = None) -> pa.Table:
        """Rows ``[start, stop)`` (clamped) as a pyarrow Table, optionally only some columns."""

    def read_rows(self, start: int, stop: int, columns: list[str] | None = None) -> list[tuple[Any, ...]]:
        """Rows ``[start, stop)`` as Python tuples, in column order."""
        table = self.read_table(start, stop, columns)
        pydict = table.to_pydict()
        names = table.column_names
        return list(zip(*(pydict[name] for name in names), strict=True)) if names else []

    def dtypes(self) -> dict[str, str]:
        """Column name -> Arrow type name."""
        schema = self.read_table(0, 0).schema
        return {field.name: str(field.type) for field in schema}


class ParquetSource(TableSource):
    """A Parquet file read by row group through pyarrow's metadata."""

    def __init__(self, path: Path):
        import pyarrow.parquet as pq

        self.path = path
        try:
            self._file = pq.ParquetFile(path)
        except Exception as exc:
            raise TableSourceError(f"{path}: not a readable Parquet file ({exc})") from exc
        meta = self._file.metadata
        self._group_starts: list[int] = []
        total = 0
        for i in range(meta.num_row_groups):
            self._group_starts.append(total)
            total += meta.row_group(i).num_rows
        self._rows = total
        self._cache: OrderedDict[tuple[int, int, tuple[str, ...]], pa.Table] = OrderedDict()

    @property
    def columns(self) -> list[str]:
        return list(self._file.schema_arrow.names)

    @property
    def row_count(self) -> int:
        return self._rows

    def _batch(self, group: int, batch: int, columns: tuple[str, ...]) -> pa.Table:
        """Batch ``batch`` (of ``_BATCH_ROWS`` rows) of a row group, decoding no further than needed."""
        import pyarrow as pa

        key = (group, batch, columns)
        if key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        # Large row groups are streamed in batches so the first screen never decodes the whole group.
        batches = self._file.iter_batches(batch_size=_BATCH_ROWS, row_groups=[group], columns=list(columns))
        table = None
        for i, record_batch in enumerate(batches):
            table = pa.Table.from_batches([record_batch])
            self._cache[(group, i, columns)] = table
            if i == batch:
                break
        while len(self._cache) > _CACHED_BATCHES:
            self._cache.popitem(last=False)
        assert table is not None  # a batch index inside the group always exists
        return table

    def read_table(self, start: int, stop: int, columns: list[str] | None = None) -> pa.Table:
        import pyarrow as pa

        cols = tuple(columns if columns is not None else self.columns)
        start, stop = max(0, start), min(stop, self._rows)
        if stop <= start:
            return self._file.schema_arrow.empty_table().select(list(cols))
        parts: list[pa.Table] = []
        first = bisect.bisect_right(self._group_starts, start) - 1
        for index in range(first, len(self._group_starts)):
            group_start = self._group_starts[index]
            if group_start >= stop:
                break
            group_rows = self._file.metadata.row_group(index).num_rows
            lo, hi = max(start - group_start, 0), min(stop - group_start, group_rows)
            for batch in range(lo // _BATCH_ROWS, (hi - 1) // _BATCH_ROWS + 1):
                base = batch * _BATCH_ROWS
                table = self._batch(index, batch, cols)
                b_lo, b_hi = max(lo - base, 0), min(hi - base, table.num_rows)
                if b_hi > b_lo:
                    parts.append(table.slice(b_lo, b_hi - b_lo))
        return pa.concat_tables(parts) if len(parts) != 1 else parts[0]


class CsvSource(TableSource):
    """A CSV file with a lazily built, quote-aware row-offset index."""

    def __init__(self, path: Path):
        self.path = path
        self._delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
        self._size = path.stat().st_size
        # Row i (0-based, header excluded) spans bytes [_offsets[i], _offsets[i + 1]).
        self._offsets: list[int] = []
        self._scanned = 0
        self._in_quotes = False
        self._complete = False
        self._header = b""
        self._schema: pa.Schema | None = None
        self._read_header()

    def _read_header(self) -> None:
        with open(self.path, "rb") as handle:
            head = handle.read(1 << 16)
        if not head.strip():
            raise TableSourceError(f"{self.path}: empty CSV file")
        self._extend_index(until_row=0)
        end = self._offsets[0] if self._offsets else self._size
        with open(self.path, "rb") as handle:
            self._header = handle.read(end)

    def _extend_index(self, until_row: int | None) -> None:
        """Scan forward until row ``until_row`` has a start offset (or the whole file when None)."""
        import numpy as np

        if self._complete:
            return
        with open(self.path, "rb") as handle:
            handle.seek(self._scanned)
            while until_row is None or len(self._offsets) <= until_row + 1:
                chunk = handle.read(_CHUNK_BYTES)
                if not chunk:
                    break
                data = np.frombuffer(chunk, dtype=np.uint8)
                newlines = np.flatnonzero(data == 10)
                quotes = np.flatnonzero(data == 34)
                if len(quotes):
                    # A newline ends a row only when an even number of quotes precede it.
                    before = np.searchsorted(quotes, newlines) + int(self._in_quotes)
                    newlines = newlines[before % 2 == 0]
                    self._in_quotes = bool((len(quotes) + int(self._in_quotes)) % 2)
                self._offsets.extend((newlines + self._scanned + 1).tolist())
                self._scanned += len(chunk)
        if self._scanned >= self._size:
            self._complete = True
            # A row without a trailing newline still ends at end-of-file.
            if not self._offsets or self._offsets[-1] < self._size:
                self._offsets.append(self._size)

    def _row_bounds(self, start: int, stop: int) -> tuple[int, int]:
        self._extend_index(until_row=max(stop - 1, 0))
        rows = max(len(self._offsets) - 1, 0)
        start, stop = min(max(start, 0), rows), min(stop, rows)
        if stop <= start:
            return 0, 0
        return self._offsets[start], self._offsets[stop]

    @property
    def row_count(self) -> int:
        self._extend_index(until_row=None)
        return max(len(self._offsets) - 1, 0)

    @property
    def row_count_known(self) -> bool:
        """True once the index reached end-of-file, so :attr:`row_count` costs nothing."""
        return self._complete

    def _parse(self, body: bytes, column_types: Any = None) -> pa.Table:
        import pyarrow.csv as pcsv

        return pcsv.read_csv(
            io.BytesIO(self._header + body),
            parse_options=pcsv.ParseOptions(delimiter=self._delimiter, newlines_in_values=True),
            convert_options=pcsv.ConvertOptions(column_types=column_types),
        )

    @property
    def schema(self) -> pa.Schema:
        if self._schema is None:
            lo, hi = self._row_bounds(0, _SAMPLE_ROWS)
            with open(self.path, "rb") as handle:
                handle.seek(lo)
                sample = handle.read(hi - lo)
            try:
                self._schema = self._parse(sample).schema
            except Exception as exc:
                raise TableSourceError(f"{self.path}: not a readable CSV file ({exc})") from exc
        return self._schema

    @property
    def columns(self) -> list[str]:
        return list(self.schema.names)

    def read_table(self, start: int, stop: int, columns: list[str] | None = None) -> pa.Table:
        schema = self.schema
        lo, hi = self._row_bounds(start, stop)
        cols = columns if columns is not None else schema.names
        if hi <= lo:
            return schema.empty_table().select(cols)
        with open(self.path, "rb") as handle:
            handle.seek(lo)
            body = handle.read(hi - lo)
        if not body.endswith(b"\n"):
            body += b"\n"
        try:
            table = self._parse(body, column_types=schema)
        except Exception:  # a later row does not fit the sampled types: fall back to inference
            table = self._parse(body)
        return table.select(cols)


class ConcatSource(TableSource):
    """Several same-format files (an output folder) seen as one table, in name order."""

    def __init__(self, path: Path, parts: list[TableSource]):
        self.path = path
        self._parts = parts
        self._starts: list[int] | None = None

    @property
    def columns(self) -> list[str]:
        return self._parts[0].columns

    def _bounds(self) -> list[int]:
        if self._starts is None:
            starts, total = [], 0
            for part in self._parts:
                starts.append(total)
                total += part.row_count
            self._starts = [*starts, total]
        return self._starts

    @property
    def row_count(self) -> int:
        return self._bounds()[-1]

    @property
    def row_count_known(self) -> bool:
        return self._starts is not None or all(part.row_count_known for part in self._parts)

    def read_table(self, start: int, stop: int, columns: list[str] | None = None) -> pa.Table:
        import pyarrow as pa

        starts = self._bounds()
        cols = columns if columns is not None else self.columns
        pieces = []
        for part, base, end in zip(self._parts, starts, starts[1:], strict=False):
            if end <= start or base >= stop:
                continue
            pieces.append(part.read_table(start - base, stop - base, cols))
        if not pieces:
            return self._parts[0].read_table(0, 0, cols)
        return pa.concat_tables(pieces, promote_options="permissive")


def _open_file(path: Path) -> TableSource:
    suffix = path.suffix.lower()
    if suffix in PARQUET_SUFFIXES:
        return ParquetSource(path)
    if suffix in CSV_SUFFIXES:
        return CsvSource(path)
    raise TableSourceError(f"{path}: unsupported table format (expected .csv, .tsv or .parquet)")


def table_files(folder: Path) -> list[Path]:
    """The table files of an output folder: all Parquet files if any, else all CSV files."""
    for suffixes in (PARQUET_SUFFIXES, CSV_SUFFIXES):
        found = sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in suffixes)
        if found:
            return found
    return []


def open_table(path: Path | str) -> TableSource:
    """Open a CSV/Parquet file, or a folder of them, reading only metadata or the header.

    Raises:
        TableSourceError: when the path is missing, empty or not a table.
    """
    target = Path(path)
    if not target.exists():
        raise TableSourceError(f"{target}: no such file or folder")
    if target.is_dir():
        files = table_files(target)
        if not files:
            raise TableSourceError(f"{target}: folder holds no .csv or .parquet file")
        if len(files) == 1:
            return _open_file(files[0])
        return ConcatSource(target, [_open_file(f) for f in files])
    return _open_file(target)
