"""ANALYSIS data functions: find an app's tables, sort/filter/describe them, shape plot series, and compare.

The explorer opens a table through :mod:`engine.table_source` (first rows without reading the file);
sorting and filtering need every row, so they load the table once into pandas (pyarrow engine) and
hand back a :class:`FrameSource`, a row-addressable view over the result that the same virtual table
widget reads a window at a time. pandas and numpy are imported inside functions.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import AgilabError
from .table_source import CSV_SUFFIXES, PARQUET_SUFFIXES, TableSource
from .workspace import AppProject, Workspace

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

PLOT_KINDS = ("line", "scatter", "histogram", "bar")
_MAX_PLOT_POINTS = 2000
_BAR_LIMIT = 30


class AnalysisError(AgilabError):
    """A filter, sort, statistic or plot request cannot be served; the message says what to change."""


@dataclass(frozen=True)
class TableEntry:
    """One table the explorer can open: where it is and how it is labelled."""

    label: str
    path: Path


def data_out_dir(workspace: Workspace, app: AppProject) -> Path:
    from .settings import load_settings

    if app.backend == "agilab":  # AGILab writes under ~/localshare/user (Dask modes: ~/clustershare/user)
        from .backends.agilab.outputs import output_dirs

        return output_dirs(workspace, app)[0][1]

    try:
        value = load_settings(workspace, app).args.get("data_out", f"{app.target}/dataframe")
    except AgilabError:  # unreadable settings are reported by PROJECT health; fall back to the convention
        value = f"{app.target}/dataframe"
    return workspace.resolve_data_path(value)


def app_tables(workspace: Workspace, app: AppProject) -> list[TableEntry]:
    """CSV/Parquet files in the app's data_out folder and its export folder, labelled by origin."""
    entries: list[TableEntry] = []
    folders = [("out", data_out_dir(workspace, app)), ("export", workspace.export_dir(app))]
    if app.backend == "agilab":
        from .backends.agilab.outputs import output_dirs

        folders = [*output_dirs(workspace, app), ("export", workspace.export_dir(app))]
    for origin, folder in folders:
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path.suffix.lower() in (*CSV_SUFFIXES, *PARQUET_SUFFIXES):
                entries.append(TableEntry(f"{origin}/{path.relative_to(folder).as_posix()}", path))
    return entries


class FrameSource(TableSource):
    """A pandas DataFrame seen as a :class:`TableSource` (the result of a sort or a filter)."""

    def __init__(self, path: Path, frame: pd.DataFrame):
        self.path = path
        self.frame = frame

    @property
    def columns(self) -> list[str]:
        return [str(c) for c in self.frame.columns]

    @property
    def row_count(self) -> int:
        return len(self.frame)

    def read_table(self, start: int, stop: int, columns: list[str] | None = None) -> pa.Table:
        import pyarrow as pa

        part = self.frame.iloc[max(start, 0):max(stop, 0)]
        if columns is not None:
            part = part[columns]
        return pa.Table.from_pandas(part, preserve_index=False)


def load_frame(source: TableSource) -> pd.DataFrame:
    """Every row of a table as a DataFrame (a FrameSource is returned as is)."""
    if isinstance(source, FrameSource):
        return source.frame
    import pandas as pd

    path = source.path
    suffix = path.suffix.lower()
    try:
        if path.is_file() and suffix in PARQUET_SUFFIXES:
            return pd.read_parquet(path)
        if path.is_file() and suffix in CSV_SUFFIXES:
            return pd.read_csv(path, sep="\t" if suffix == ".tsv" else ",", engine="pyarrow")
        return source.read_table(0, source.row_count).to_pandas()  # a folder: the source knows its parts
    except Exception as exc:  # pyarrow/pandas parse errors carry the row; keep their text, name the file
        raise AnalysisError(f"{path}: cannot load every row: {exc}") from exc


_UNDEFINED = re.compile(r"name '([^']+)' is not defined")


def filter_frame(frame: pd.DataFrame, expression: str, path: Path) -> pd.DataFrame:
    """Rows matching a pandas ``query`` expression; errors name the bad column or the syntax problem."""
    text = expression.strip()
    if not text:
        return frame
    import pandas as pd

    try:
        mask = frame.eval(text)  # query() semantics, but a non-condition is caught before indexing
    except Exception as exc:  # pandas raises UndefinedVariableError, SyntaxError, TypeError, ValueError...
        missing = _UNDEFINED.search(str(exc))
        if missing:
            columns = ", ".join(map(str, frame.columns))
            raise AnalysisError(f"{path.name}: filter '{text}': no column '{missing.group(1)}' "
                                f"(columns: {columns})") from exc
        if isinstance(exc, SyntaxError):
            raise AnalysisError(f"{path.name}: filter '{text}': invalid expression ({exc.msg})") from exc
        raise AnalysisError(f"{path.name}: filter '{text}': {type(exc).__name__}: {exc}") from exc
    if not isinstance(mask, pd.Series) or not pd.api.types.is_bool_dtype(mask):
        raise AnalysisError(f"{path.name}: filter '{text}' must be a condition (e.g. speed > 10)")
    return frame[mask.fillna(False).astype(bool)]


def sort_frame(frame: pd.DataFrame, column: str, descending: bool, path: Path) -> pd.DataFrame:
    if column not in frame.columns:
        raise AnalysisError(f"{path.name}: cannot sort: no column '{column}'")
    return frame.sort_values(column, ascending=not descending, kind="stable", na_position="last")


def column_stats(frame: pd.DataFrame, column: str) -> list[tuple[str, str]]:
    """Readable statistics of one column: counts, then numeric moments or the most frequent values."""
    import pandas as pd

    series = frame[column]
    rows = [("column", column), ("dtype", str(series.dtype)), ("rows", f"{len(series):,}"),
            ("missing", f"{int(series.isna().sum()):,}"), ("distinct", f"{int(series.nunique()):,}")]
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        desc = series.describe()
        for key in ("mean", "std", "min", "25%", "50%", "75%", "max"):
            value = desc.get(key)
            rows.append((key, _number(value)))
    else:
        for value, count in series.value_counts().head(5).items():
            rows.append((f"top {str(value)[:20]}", f"{count:,}"))
    return rows


def _number(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return f"{float(value):.6g}"


@dataclass(frozen=True)
class PlotSeries:
    """What a plot draws: x values (numbers or labels), y values, and axis labels."""

    kind: str
    x: list[Any]
    y: list[float]
    x_label: str
    y_label: str
    title: str


def _numeric(frame: pd.DataFrame, column: str, path: Path) -> pd.Series:
    import pandas as pd

    if column not in frame.columns:
        raise AnalysisError(f"{path.name}: no column '{column}'")
    series = frame[column]
    if not pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
        raise AnalysisError(f"{path.name}: column '{column}' is {series.dtype}, not numeric")
    return series


def plot_series(frame: pd.DataFrame, kind: str, x: str, y: str | None, path: Path) -> PlotSeries:
    """Shape a plot of ``frame``: line/scatter of y against x (evenly thinned), histogram of x, bar per x."""
    import numpy as np

    if kind not in PLOT_KINDS:
        raise AnalysisError(f"unknown plot kind '{kind}' (one of {', '.join(PLOT_KINDS)})")
    if x not in frame.columns:
        raise AnalysisError(f"{path.name}: no column '{x}'")
    if kind == "histogram":
        values = _numeric(frame, x, path).dropna().to_numpy()
        if not len(values):
            raise AnalysisError(f"{path.name}: column '{x}' has no values")
        counts, edges = np.histogram(values, bins=min(40, max(5, int(math.sqrt(len(values))))))
        centers = ((edges[:-1] + edges[1:]) / 2).tolist()
        return PlotSeries(kind, centers, counts.astype(float).tolist(), x, "count", f"histogram of {x}")
    if kind == "bar":
        if y:
            grouped = _numeric(frame, y, path).groupby(frame[x]).sum().sort_values(ascending=False)
            y_label = f"sum of {y}"
        else:
            grouped = frame[x].value_counts()
            y_label = "count"
        grouped = grouped.head(_BAR_LIMIT)
        return PlotSeries(kind, [str(k) for k in grouped.index], grouped.astype(float).tolist(), x, y_label,
                          f"{y_label} by {x}")
    if not y:
        raise AnalysisError(f"a {kind} plot needs a y column")
    xs, ys = _numeric(frame, x, path), _numeric(frame, y, path)
    keep = xs.notna() & ys.notna()
    xs, ys = xs[keep], ys[keep]
    step = max(1, math.ceil(len(xs) / _MAX_PLOT_POINTS))  # evenly thinned: the terminal has few cells anyway
    note = f" (every {step}th row)" if step > 1 else ""
    return PlotSeries(kind, xs.iloc[::step].astype(float).tolist(), ys.iloc[::step].astype(float).tolist(),
                      x, y, f"{y} against {x}{note}")


def benchmark_series(table: dict[str, Any]) -> PlotSeries:
    """A ``benchmark.json`` table as bars of seconds per mode, fastest first."""
    from .modes import mode_label

    rows = sorted(table.items(), key=lambda kv: (kv[1].get("order", 0), kv[0]))
    labels = [mode_label(int(mode)) if str(mode).isdigit() else str(mode) for mode, _ in rows]
    return PlotSeries("bar", labels, [float(row.get("seconds", 0.0)) for _, row in rows], "mode", "seconds",
                      "benchmark: seconds per mode")


def read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text("utf-8"))
    except FileNotFoundError as exc:
        raise AnalysisError(f"{path}: no such file") from exc
    except json.JSONDecodeError as exc:
        raise AnalysisError(f"{path}: not valid JSON (line {exc.lineno}: {exc.msg})") from exc
    if not isinstance(data, dict):
        raise AnalysisError(f"{path}: expected a JSON object")
    return data


def evidence_files(workspace: Workspace, app: AppProject) -> list[TableEntry]:
    """JSON evidence of an app: reduce artefacts (data_out), run manifests and benchmark (log), exports."""
    found: list[TableEntry] = []
    out = data_out_dir(workspace, app)
    if out.is_dir():
        found += [TableEntry(f"out/{p.relative_to(out).as_posix()}", p) for p in sorted(out.rglob("reduce_summary*.json"))]
    log = workspace.log_dir(app)
    found += [TableEntry(f"log/{p.name}", p) for p in sorted(log.glob("*.json"))]
    export = workspace.export_dir(app)
    found += [TableEntry(f"export/{p.relative_to(export).as_posix()}", p) for p in sorted(export.rglob("*.json"))]
    if app.backend == "agilab":  # also the cluster share, ~/.agilab/benchmark.json and the work plan
        from .backends.agilab.outputs import artefacts

        known = {entry.path for entry in found}
        for kind, files in artefacts(workspace, app).items():
            found += [TableEntry(f"agilab/{kind}/{p.name}", p) for p in files if p not in known and p.suffix == ".json"]
    return found


def flatten(data: Any, prefix: str = "") -> dict[str, Any]:
    """Nested dicts as dotted keys; lists of dicts with a ``name``/``label`` are keyed by it."""
    flat: dict[str, Any] = {}
    if isinstance(data, dict):
        for key, value in data.items():
            flat.update(flatten(value, f"{prefix}{key}."))
    elif isinstance(data, list) and data and all(isinstance(v, dict) and ("name" in v or "label" in v) for v in data):
        for value in data:
            flat.update(flatten(value, f"{prefix}{value.get('name') or value.get('label')}."))
    else:
        flat[prefix.rstrip(".")] = data
    return flat


def _short(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    text = json.dumps(value) if isinstance(value, (list, dict)) else str(value)
    return text if len(text) <= 40 else text[:39] + "…"


def summarize_evidence(data: dict[str, Any]) -> list[tuple[str, str]]:
    """A reduce artefact, run manifest or benchmark as readable ``(key, value)`` rows."""
    if data.get("kind") == "agilab.run_manifest":
        rows = [("run", str(data.get("run_id"))), ("label", str(data.get("label"))), ("status", str(data.get("status"))),
                ("duration", f"{data.get('timing', {}).get('duration_seconds')} s")]
        rows += [(f"artifact {a.get('name')}", f"{a.get('kind')}, {a.get('size_bytes')} B"
                  + ("" if a.get("exists") else " (missing)")) for a in data.get("artifacts", [])]
        rows += [(f"check {v.get('label')}", f"{v.get('status')}: {v.get('summary', '')}") for v in data.get("validations", [])]
        return rows
    if "payload" in data and "reducer" in data:
        rows = [("name", str(data.get("name"))), ("reducer", str(data.get("reducer"))),
                ("partials", str(data.get("partial_count")))]
        rows += [(f"payload {k}", _short(v)) for k, v in flatten(data.get("payload", {})).items()]
        rows += [(f"meta {k}", _short(v)) for k, v in data.get("metadata", {}).items()]
        return rows
    return [(k, _short(v)) for k, v in flatten(data).items()]


@dataclass(frozen=True)
class Delta:
    """One key compared between a baseline and a candidate."""

    key: str
    baseline: Any
    candidate: Any
    change: str
    """``+1.5 (+12%)`` for numbers, ``changed``/``same``, ``added``/``removed``."""


def compare_evidence(baseline: dict[str, Any], candidate: dict[str, Any]) -> list[Delta]:
    """Per-key deltas of two evidence files (flattened), numbers with absolute and relative change."""
    left, right = flatten(baseline), flatten(candidate)
    deltas: list[Delta] = []
    for key in [*left, *(k for k in right if k not in left)]:
        if key not in right:
            deltas.append(Delta(key, left[key], None, "removed"))
        elif key not in left:
            deltas.append(Delta(key, None, right[key], "added"))
        else:
            a, b = left[key], right[key]
            numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (a, b))
            if numbers and a != b:
                pct = f" ({(b - a) / abs(a) * 100:+.1f}%)" if a else ""
                deltas.append(Delta(key, a, b, f"{b - a:+.6g}{pct}"))
            else:
                deltas.append(Delta(key, a, b, "same" if a == b else "changed"))
    return deltas
