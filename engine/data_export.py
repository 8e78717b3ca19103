"""Export chosen columns of an app's latest output to ``<export dir>/export.csv`` for WORKFLOW and ANALYSIS.

The export streams the source in slices (never the whole table in memory at once), writes a temporary
file beside the target and renames it into place, so a reader never sees half an export.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .errors import AgilabError
from .table_source import TableSourceError, open_table

EXPORT_NAME = "export.csv"
_SLICE_ROWS = 100_000


class ExportError(AgilabError):
    """The export could not be written; the message says why."""


@dataclass(frozen=True)
class ExportResult:
    """Where the export went and what it holds."""

    path: Path
    rows: int
    columns: tuple[str, ...]


def export_columns(source: Path | str, columns: list[str], export_dir: Path | str,
                   name: str = EXPORT_NAME) -> ExportResult:
    """Write ``columns`` of the table at ``source`` to ``export_dir/name`` atomically.

    Args:
        source: a CSV/Parquet file or a folder of them (an app's output).
        columns: the columns to keep, in the order wanted; at least one.
        export_dir: the app's export folder (``Workspace.export_dir(app)``).
        name: the file name, ``export.csv`` by default.

    Returns:
        The written path, the row count and the exported columns.

    Raises:
        ExportError: no column chosen, an unknown column, or an unreadable source.
    """
    import pyarrow.csv as pcsv

    if not columns:
        raise ExportError("choose at least one column to export")
    try:
        table_source = open_table(source)
    except TableSourceError as exc:
        raise ExportError(str(exc)) from exc
    unknown = [c for c in columns if c not in table_source.columns]
    if unknown:
        raise ExportError(f"unknown column(s) {', '.join(unknown)} in {source}")
    target_dir = Path(export_dir)
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / name
    fd, tmp_name = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=target_dir)
    rows = 0
    try:
        with os.fdopen(fd, "wb") as handle:
            total = table_source.row_count
            start = 0
            writer = None
            while start < total or writer is None:
                piece = table_source.read_table(start, min(start + _SLICE_ROWS, total), columns)
                if writer is None:
                    writer = pcsv.CSVWriter(handle, piece.schema)
                writer.write_table(piece)
                rows += piece.num_rows
                start += _SLICE_ROWS
            writer.close()
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp_name, 0o644)
        os.replace(tmp_name, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise
    return ExportResult(target, rows, tuple(columns))
