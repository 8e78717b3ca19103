"""Two run records side by side: args, metric deltas with %, environment, inputs and outputs.

The engine computes the comparison (:meth:`engine.facade.Engine.compare_runs`); this screen only lays it
out, one titled table per aspect in a scroll, so it reads the same at 80×24 (scroll) as at 120×36.
Unchanged args and packages are counted, not listed: the point is what differs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from tui.analysis.record_format import number, seconds, short_id, when

if TYPE_CHECKING:
    from collections.abc import Callable

    from engine.records.store import RunSummary


def _table(*columns: str, ratios: tuple[int, ...] | None = None) -> Table:
    """Columns share the width by ``ratios``; a ratio of 0 is a one-character marker column."""
    table = Table(expand=True, box=None, header_style="bold", pad_edge=False)
    for index, column in enumerate(columns):
        ratio = (ratios or (1,) * len(columns))[index]
        if ratio:
            table.add_column(column, ratio=ratio, overflow="fold")
        else:
            table.add_column(column, width=1, no_wrap=True)
    return table


def _value(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return number(value)
    text = str(value)
    return text if len(text) <= 40 else text[:39] + "…"


def _title(text: str, count: int | None = None) -> Text:
    return Text(f"{text}{'' if count is None else f' ({count})'}", style="bold underline")


def args_section(rows: list[dict[str, Any]]) -> Group:
    changed = [r for r in rows if r.get("a") != r.get("b")]
    if not changed:
        return Group(_title("args"), Text("identical", style="dim"), "")
    table = _table("arg", "A", "B", ratios=(2, 3, 3))
    for row in changed:
        table.add_row(str(row.get("key")), _value(row.get("a")), Text(_value(row.get("b")), style="bold yellow"))
    return Group(_title("args changed", len(changed)), table, "")


def execution_section(rows: list[dict[str, Any]]) -> Group:
    """Kind, mode, token, hosts or status when they differ (nothing shown when they are the same)."""
    if not rows:
        return Group()
    table = _table("", "A", "B", ratios=(2, 3, 3))
    for row in rows:
        table.add_row(str(row.get("key")), _value(row.get("a")), Text(_value(row.get("b")), style="bold yellow"))
    return Group(_title("execution changed", len(rows)), table, "")


def sources_section(fingerprint: dict[str, Any]) -> Group:
    """The app's manager and worker sources: same digest, or the files that differ."""
    files = fingerprint.get("files") or []
    if fingerprint.get("a") == fingerprint.get("b") and not files:
        digest = fingerprint.get("a")
        return Group(_title("app sources"), Text(f"identical{f' (digest {digest[:12]})' if digest else ''}",
                                                 style="dim"), "")
    table = _table("", "file", ratios=(0, 12))
    for row in files:
        a, b = row.get("a"), row.get("b")
        marker, style = ("+", "green") if a is None else ("-", "red") if b is None else ("~", "yellow")
        table.add_row(Text(marker, style=style), str(row.get("key")))
    return Group(_title("app sources changed", len(files)), table, "")


def _pct(row: dict[str, Any]) -> Text:
    pct, delta = row.get("pct"), row.get("delta")
    if pct is None and delta is None:
        return Text("-", style="dim")
    if pct is None:
        return Text(f"{number(delta)}")
    sign = "+" if pct > 0 else ""
    style = "dim" if pct == 0 else "bold"
    return Text(f"{sign}{pct:.1f} %", style=style)


def metrics_section(rows: list[dict[str, Any]]) -> Group:
    if not rows:
        return Group(_title("metrics"), Text("none recorded", style="dim"), "")
    table = _table("metric", "A", "B", "delta", "%", ratios=(3, 2, 2, 2, 2))
    for row in rows:
        delta = row.get("delta")
        shown = "-" if delta is None else ("+" if delta > 0 else "") + number(delta)
        table.add_row(str(row.get("name")), _value(row.get("a")), _value(row.get("b")), shown, _pct(row))
    return Group(_title("metrics", len(rows)), table, "")


def env_section(rows: list[dict[str, Any]] | dict[str, Any]) -> Group:
    if isinstance(rows, dict):  # {package: {a, b}} or {changed: [...]}
        rows = rows.get("changed") or [{"package": k, **v} for k, v in rows.items() if isinstance(v, dict)]
    changed = [r for r in rows if r.get("a") != r.get("b")]
    if not changed:
        return Group(_title("environment"), Text("identical package versions", style="dim"), "")
    table = _table("package", "A", "B", ratios=(3, 2, 2))
    for row in changed:
        a, b = row.get("a"), row.get("b")
        style = "green" if a is None else "red" if b is None else "bold yellow"
        table.add_row(str(row.get("package") or row.get("name") or row.get("key")), _value(a) if a else "absent",
                      Text(_value(b) if b else "absent", style=style))
    return Group(_title("environment changed", len(changed)), table, "")


def _name(item: Any) -> str:
    if isinstance(item, dict):
        return str(item.get("name") or item.get("path") or item)
    return str(item)


def files_section(title: str, diff: dict[str, Any], *, rows: bool, redact: Callable[[str], str] = str) -> Group:
    added, removed, changed = (diff.get(k) or [] for k in ("added", "removed", "changed"))
    same = diff.get("same") or diff.get("unchanged")
    same_count = same if isinstance(same, int) else len(same) if isinstance(same, list) else None
    if not (added or removed or changed):
        note = f"identical ({same_count} files)" if same_count is not None else "identical"
        return Group(_title(title), Text(note, style="dim"), "")
    columns = ("", "file", "rows A", "rows B") if rows else ("", "file", "size A", "size B")
    table = _table(*columns, ratios=(0, 8, 2, 2))
    folder = _common_folder([_name(item) for item in (*added, *removed, *changed)])
    for marker, style, items in (("+", "green", added), ("-", "red", removed), ("~", "yellow", changed)):
        for item in items:
            a, b = _sides(item, "rows" if rows else "size", marker)
            name = _name(item)[len(folder):].lstrip("/") if folder else _name(item)
            table.add_row(Text(marker, style=style), redact(name), a, b)
    heading = _title(title, len(added) + len(removed) + len(changed))
    if folder:
        heading.append(f" in {redact(folder)}", style="dim")
    parts: list[Any] = [heading, table]
    if same_count:
        parts.append(Text(f"{same_count} identical", style="dim"))
    parts.append(Text("+ only in B   - only in A   ~ content differs", style="dim"))
    return Group(*parts, "")


def _common_folder(names: list[str]) -> str:
    """The folder every absolute path is in (inputs are recorded by absolute path), or ""."""
    import os.path

    if not names or not all(os.path.isabs(n) for n in names):
        return ""
    return os.path.commonpath(names) if len(names) > 1 else os.path.dirname(names[0])


def _sides(item: Any, field: str, marker: str) -> tuple[str, str]:
    """A file's rows (or size) in A and B; an added file has no A side, a removed one no B side."""
    if not isinstance(item, dict):
        return "", ""
    if marker == "~":
        a, b = item.get(f"{field}_a"), item.get(f"{field}_b")
    else:
        a = b = item.get(field)
        a, b = (None, b) if marker == "+" else (a, None)
    return ("-" if a is None else number(a)), ("-" if b is None else number(b))


def header(comparison: dict[str, Any], a: RunSummary | None, b: RunSummary | None) -> Table:
    table = _table("", "run", "when (UTC)", "kind", "mode", "status", "s", ratios=(0, 2, 3, 2, 1, 2, 1))
    for letter, run, key in (("A", a, "a"), ("B", b, "b")):
        if run is not None:
            table.add_row(letter, short_id(run.run_id), when(run.started), run.kind,
                          "-" if run.mode is None else str(run.mode), run.status, seconds(run.seconds))
        else:
            table.add_row(letter, str(comparison.get(key) or comparison.get(f"run_{key}") or "?"), "", "", "", "", "")
    return table


def comparison_renderable(comparison: dict[str, Any], a: RunSummary | None, b: RunSummary | None,
                          redact: Callable[[str], str] = str) -> Group:
    return Group(
        header(comparison, a, b), "",
        args_section(comparison.get("args") or []),
        execution_section(comparison.get("execution") or []),
        metrics_section(comparison.get("metrics") or []),
        env_section(comparison.get("env") or []),
        sources_section(comparison.get("app_fingerprint") or {}),
        files_section("inputs", comparison.get("inputs") or {}, rows=False, redact=redact),
        files_section("outputs", comparison.get("outputs") or {}, rows=True, redact=redact),
    )


class CompareScreen(ModalScreen[None]):
    """The comparison of runs A and B; escape or q closes it, the arrows and page keys scroll."""

    DEFAULT_CSS = """
    CompareScreen {
        align: center middle;
        & > Vertical { width: 100%; max-width: 140; height: 100%; border: round $primary; background: $panel; }
        & VerticalScroll { height: 1fr; padding: 0 1; }
    }
    """
    BINDINGS = [Binding("escape,q", "close", "Close", id="compare.close", tooltip="Close the comparison")]

    def __init__(self, comparison: dict[str, Any], a: RunSummary | None, b: RunSummary | None):
        super().__init__()
        self.comparison = comparison
        self.a, self.b = a, b

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Compare runs A and B"
            box.border_subtitle = "↑↓ scroll · esc close"
            with VerticalScroll(id="compare-scroll"):
                yield Static(comparison_renderable(self.comparison, self.a, self.b, self.app.redact), id="compare-body")

    def on_mount(self) -> None:
        self.query_one("#compare-scroll").focus()

    def action_close(self) -> None:
        self.dismiss(None)
