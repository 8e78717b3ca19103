"""``analysis``: the ANALYSIS explorer headless (tables, column statistics, column export)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from .output import add_json_flag, answer


def _table(options: argparse.Namespace) -> tuple[Any, Any, Path]:
    """The engine, the app and the table path: ``--file``, else the app's newest output."""
    from ..errors import AgilabError
    from ..facade import Engine

    engine = Engine()
    app = engine.app(options.app)
    if options.file:
        path = Path(options.file).expanduser()
        if not path.exists():
            raise AgilabError(f"{path}: no such table")
        return engine, app, path
    latest = engine.latest_output(app)
    if latest is None:
        raise AgilabError(f"{app.name} has no csv/parquet output yet: run it first, or pass --file")
    return engine, app, latest


def cmd_tables(options: argparse.Namespace) -> int:
    from ..analysis import app_tables
    from ..facade import Engine

    engine = Engine()
    rows = [{"label": t.label, "path": str(t.path)} for t in app_tables(engine.workspace, engine.app(options.app))]
    return answer(options.json, rows, lambda: [f"{r['label']:<40} {r['path']}" for r in rows])


def cmd_stats(options: argparse.Namespace) -> int:
    from ..analysis import AnalysisError, column_stats, filter_frame, load_frame
    from ..table_source import open_table

    _, _, path = _table(options)
    frame = load_frame(open_table(path))
    if options.filter:
        frame = filter_frame(frame, options.filter, path)
    columns = options.column or [str(c) for c in frame.columns]
    unknown = [c for c in columns if c not in frame.columns]
    if unknown:
        raise AnalysisError(f"{path}: unknown column(s) {', '.join(unknown)}; columns are {', '.join(map(str, frame.columns))}")
    stats = {column: dict(column_stats(frame, column)) for column in columns}
    payload = {"path": str(path), "rows": len(frame), "filter": options.filter or None, "columns": stats}

    def lines() -> list[str]:
        out = [f"{path} ({len(frame):,} rows{', filter ' + options.filter if options.filter else ''})"]
        for values in stats.values():  # each block starts with its "column" row
            out.append("")
            out.extend(f"  {key:<12} {value}" for key, value in values.items())
        return out

    return answer(options.json, payload, lines)


def cmd_export(options: argparse.Namespace) -> int:
    from ..data_export import export_columns

    engine, app, path = _table(options)
    columns = [c.strip() for c in options.columns.split(",") if c.strip()]
    result = export_columns(path, columns, engine.workspace.export_dir(app))
    payload = {"ok": True, "path": str(result.path), "rows": result.rows, "columns": list(result.columns),
               "source": str(path)}
    return answer(options.json, payload, lambda: [f"{result.rows:,} rows × {len(result.columns)} columns -> {result.path}"])


def register(subparsers: Any) -> None:
    """Add ``analysis`` to the CLI."""
    analysis = subparsers.add_parser("analysis", help="ANALYSIS headless: output tables, column statistics, export.csv")
    verbs = analysis.add_subparsers(dest="verb", metavar="VERB", required=True)
    tables = verbs.add_parser("tables", help="the csv/parquet tables ANALYSIS can open for an app")
    tables.add_argument("app")
    tables.set_defaults(handler=cmd_tables)
    stats = verbs.add_parser("stats", help="statistics of every (or the chosen) column of a table")
    stats.add_argument("app")
    stats.add_argument("--file", help="table to read (default: the app's newest output)")
    stats.add_argument("--column", action="append", help="a column (repeatable; default: every column)")
    stats.add_argument("--filter", help="pandas query expression applied first, e.g. 'speed_mps > 100'")
    stats.set_defaults(handler=cmd_stats)
    export = verbs.add_parser("export", help="write chosen columns to the app's export.csv (for WORKFLOW)")
    export.add_argument("app")
    export.add_argument("--columns", required=True, help="comma-separated columns, in order")
    export.add_argument("--file", help="table to read (default: the app's newest output)")
    export.set_defaults(handler=cmd_export)
    for sub in (tables, stats, export):
        add_json_flag(sub)
