"""The DAG panel's detail tables: artifact handoffs and the execution history (previews apart from real runs).

Both only append or rewrite what changed: the history grows by the new events, the handoff statuses are
updated in place; they are rebuilt only when the plan (or a reset) changes what they list.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.widgets import DataTable

if TYPE_CHECKING:
    from engine.dag import HistoryRow

_DETAIL_WIDTH = 48
KIND_LABELS = {"preview": "PREVIEW", "real": "real run", "operator": "operator"}


def _text(value: Any, width: int = _DETAIL_WIDTH) -> Text:
    text = str(value)
    return Text(text if len(text) <= width else text[: width - 1] + "…", no_wrap=True)


class HandoffTable(DataTable[Any]):
    """Which step hands which artifact to which step, and whether the artifact exists yet."""

    DEFAULT_CSS = "HandoffTable { height: auto; max-height: 10; }"

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="none", zebra_stripes=True)
        self._keys: list[str] = []
        self._status: dict[str, str] = {}

    def on_mount(self) -> None:
        self._add_columns()

    def _add_columns(self) -> None:
        for key, label in (("from", "From"), ("to", "To"), ("artifact", "Artifact"), ("cross", "Cross-app"),
                           ("status", "Status")):
            self.add_column(label, key=key)

    def show(self, rows: Sequence[dict[str, Any]]) -> None:
        keys = [f"{r.get('from')}>{r.get('to')}>{r.get('artifact')}" for r in rows]
        if keys != self._keys:
            self.clear(columns=True)
            self._add_columns()
            self._keys, self._status = keys, {}
            for key, row in zip(keys, rows, strict=True):
                self.add_row(_text(row.get("from", "")), _text(row.get("to", "")), _text(row.get("artifact", "")),
                             _text("yes" if row.get("cross_app") else "no"), _text(row.get("status", "")), key=key)
                self._status[key] = str(row.get("status", ""))
            return
        for key, row in zip(keys, rows, strict=True):
            status = str(row.get("status", ""))
            if self._status.get(key) != status:
                self.update_cell(key, "status", _text(status))
                self._status[key] = status


class HistoryTable(DataTable[Any]):
    """Every runner event, oldest first; the Kind column tells previews from real executions."""

    DEFAULT_CSS = "HistoryTable { height: auto; max-height: 12; }"

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.hide_timestamps = False
        """Test mode: timestamps are volatile, so the column stays empty."""
        self._count = 0
        self._source = ""

    def on_mount(self) -> None:
        self._add_columns()

    def _add_columns(self) -> None:
        for key, label in (("time", "Time"), ("step", "Step"), ("kind", "Kind"), ("action", "Action"),
                           ("status", "Status"), ("detail", "Detail")):
            self.add_column(label, key=key)

    @property
    def kinds(self) -> list[str]:
        """The Kind cell of every row (``PREVIEW``, ``real run``, ``operator``)."""
        return [str(self.get_row_at(i)[2]) for i in range(self.row_count)]

    def show(self, rows: Sequence[HistoryRow], source: str) -> None:
        """Show the history of the state file ``source``; only events not shown yet are added."""
        if source != self._source or len(rows) < self._count:  # another plan, or a reset cleared it
            self.clear(columns=True)
            self._add_columns()
            self._count, self._source = 0, source
        for row in rows[self._count:]:
            stamp = "" if self.hide_timestamps else row.timestamp.replace("T", " ")[:19]
            detail = row.detail if not self.hide_timestamps else _without_durations(row.detail)
            self.add_row(_text(stamp), _text(row.unit_id, 24), _text(KIND_LABELS.get(row.kind, row.kind)),
                         _text(row.action, 20), _text(row.status), _text(detail))
        self._count = len(rows)
        if self._count:
            self.move_cursor(row=self._count - 1)


def _without_durations(detail: str) -> str:
    # Runner details such as "... in 0.41 s" vary from run to run; test mode keeps them off the screen.
    return re.sub(r"\d+(\.\d+)? ?s\b", "… s", detail)
