"""The DAG readiness table: one row per step keyed by its id, cells updated in place as states change.

Rows are only rebuilt when the plan's steps change (a new plan or an edit); a runner event only rewrites
the cells whose text differs, so the cursor and scroll position survive a running batch.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from rich.text import Text

from tui.widgets.fitted_table import FittedDataTable

if TYPE_CHECKING:
    from engine.dag import Readiness, StepReadiness

COLUMNS = (("step", "Step"), ("status", "Status"), ("app", "App"), ("entrypoint", "Entrypoint"),
           ("blocked", "Blocked by / error"), ("duration", "Last run"))
# Theme colour per status (the current theme's, so every theme keeps its contrast), and whether bold.
STATUS_COLOURS = {"runnable": ("success", True), "running": ("warning", True), "completed": ("success", False),
                  "failed": ("error", True)}
GLYPHS = {"runnable": "▶", "blocked": "⧗", "running": "◷", "completed": "✔", "failed": "✘"}
_CELL_WIDTH = 40
_ENTRYPOINT_WIDTH = 28
FIXED_WIDTHS = {"status": 11, "duration": 8}


class DagTable(FittedDataTable):
    """Readiness of every step: status, app, entrypoint, what blocks it, and its last duration."""

    DEFAULT_CSS = """
    DagTable {
        height: auto;
        max-height: 14;
        &:focus { border-left: outer $primary; }
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.hide_durations = False
        """Test mode: durations are volatile, so the column shows only whether a run was timed."""
        self._shown: dict[str, tuple[str, ...]] = {}

    def on_mount(self) -> None:
        self._add_columns()

    def _add_columns(self) -> None:
        for key, label in COLUMNS:
            # Fixed widths where values change during a run, so updated cells never get clipped.
            self.add_column(label, key=key, width=FIXED_WIDTHS.get(key))

    @property
    def step_ids(self) -> list[str]:
        return list(self._shown)

    @property
    def selected_step(self) -> str | None:
        """The step under the cursor, or None when the table is empty."""
        if not self.row_count:
            return None
        return str(self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value)

    def status_of(self, step_id: str) -> str:
        return self._shown[step_id][1]

    def show(self, readiness: Readiness | None, units: Mapping[str, Mapping[str, Any]]) -> None:
        """Show a readiness; rows are rebuilt only when the step ids differ from the rows shown."""
        steps = list(readiness.steps.values()) if readiness is not None else []
        if [s.id for s in steps] != list(self._shown):
            # Columns too: auto widths fitted to another plan's ids would otherwise stay.
            self.clear(columns=True)
            self._add_columns()
            self._shown = {}
            for step in steps:
                values = self._values(step, units.get(step.id, {}))
                self.add_row(*self._cells(values), key=step.id)
                self._shown[step.id] = values
            return
        for step in steps:
            values = self._values(step, units.get(step.id, {}))
            before = self._shown[step.id]
            for (key, _), old, new in zip(COLUMNS, before, values, strict=True):
                if old != new:
                    self.update_cell(step.id, key, self._cell(key, new), update_width=True)
            self._shown[step.id] = values

    def _values(self, step: StepReadiness, unit: Mapping[str, Any]) -> tuple[str, ...]:
        blocked = ", ".join(step.blocked_by_artifacts)
        if step.status == "blocked" and not blocked:
            blocked = "after " + ", ".join(step.waiting_on)
        if step.status == "failed":
            blocked = str((unit.get("retry") or {}).get("last_error") or "failed")
        if (unit.get("provenance") or {}).get("preview") and step.status == "completed":
            blocked = "preview only (no app ran)"
        duration = "" if step.last_duration_s is None else f"{step.last_duration_s:.1f} s"
        if self.hide_durations and duration:
            duration = "timed"
        return (step.id, step.status, step.app, _short(step.entrypoint, _ENTRYPOINT_WIDTH), _short(blocked), duration)

    def _cells(self, values: tuple[str, ...]) -> list[Text]:
        return [self._cell(key, value) for (key, _), value in zip(COLUMNS, values, strict=True)]

    def _cell(self, key: str, value: str) -> Text:
        # Text, not str: DataTable reads plain strings as markup, and ids or errors may hold brackets.
        if key != "status":
            return Text(value, no_wrap=True)
        colour_name, bold = STATUS_COLOURS.get(value, ("", False))
        colour = getattr(self.app.current_theme, colour_name, None) if colour_name else None
        style = " ".join(part for part in ("bold" if bold else "", colour or "") if part)
        return Text(f"{GLYPHS.get(value, '?')} {value}", style=style, no_wrap=True)


def _short(text: str, width: int = _CELL_WIDTH) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
