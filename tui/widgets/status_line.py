"""The one-line header: product, active app, current execution mode and whether a job is running."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from tui.clock import clock_of


class StatusLine(Static):
    """Header showing ``app``, ``mode`` and the running jobs with their elapsed time (the App's clock)."""

    app_name: reactive[str] = reactive("")
    """The active app project name."""
    mode_label: reactive[str] = reactive("")
    """The computed execution mode label, e.g. ``3: cython and pool``."""
    jobs: reactive[tuple[str, ...]] = reactive(())
    """Kinds of the running operations; empty when idle."""

    def __init__(self, *, id: str | None = None):
        super().__init__(id=id)
        self._job_started = 0.0

    def on_mount(self) -> None:
        if not clock_of(self).fixed:
            # Elapsed time ticks only while a job runs; a fixed clock (test mode) never moves.
            self.set_interval(1.0, self._tick)

    def _tick(self) -> None:
        if self.jobs:
            self.refresh()

    def watch_jobs(self, old: tuple[str, ...], new: tuple[str, ...]) -> None:
        if new and not old:
            self._job_started = clock_of(self).monotonic()
        self.set_class(bool(new), "-running")

    def render(self) -> Text:
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(" agilab-tui ", style="bold")
        text.append("│ app ", style="dim")
        text.append(self.app_name or "-", style="bold")
        text.append(" │ mode ", style="dim")
        text.append(self.mode_label or "-", style="bold")
        text.append(" │ ", style="dim")
        if self.jobs:
            text.append("▶ " + ", ".join(self.jobs) + " running", style="bold")
            elapsed = int(clock_of(self).monotonic() - self._job_started)
            text.append(f" {elapsed // 60:02d}:{elapsed % 60:02d}")
        else:
            text.append("● idle", style="dim")
        return text
