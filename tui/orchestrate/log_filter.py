"""Per-source view of the ORCHESTRATE log: all sources, or just the scheduler or one worker/host.

Every line is kept (bounded) with its source, so switching the filter re-fills the log pane with that
source's lines and the pane then follows only that source's live output.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable

from tui.widgets.log_pane import DEFAULT_MAX_LINES

ALL = ""
"""The filter value that shows every source."""
GENERIC_SOURCES = frozenset({"engine", "stdout", "stderr", "manager"})
"""Sources that are the operation itself (the manager subprocess included) rather than a scheduler, worker or host."""


class LogSourceFilter:
    """Lines by source plus the source currently shown."""

    def __init__(self, max_lines: int = DEFAULT_MAX_LINES):
        self.records: deque[tuple[str, str]] = deque(maxlen=max_lines)
        self.sources: list[str] = []
        """Sources seen since the last reset, in order of first appearance."""
        self.current = ALL

    def reset(self) -> None:
        """A new operation starts: forget its predecessor's lines, keep the chosen source if it reappears."""
        self.records.clear()
        self.sources = []

    def record(self, source: str, lines: Iterable[str]) -> list[str]:
        """Keep ``lines`` and return those the current filter shows."""
        batch = list(lines)
        if source not in self.sources:
            self.sources.append(source)
        self.records.extend((source, line) for line in batch)
        return batch if self.current in (ALL, source) else []

    def choices(self) -> list[str]:
        """The cycle: all, the scheduler, each worker or host by name, then the generic sources."""
        specific = sorted((s for s in self.sources if s not in GENERIC_SOURCES), key=lambda s: (s != "scheduler", s))
        return [ALL, *specific, *[s for s in self.sources if s in GENERIC_SOURCES]]

    def cycle(self, step: int = 1) -> str:
        """Move to the next (or previous) source and return it."""
        choices = self.choices()
        index = choices.index(self.current) if self.current in choices else 0
        self.current = choices[(index + step) % len(choices)]
        return self.current

    def show(self, source: str) -> None:
        self.current = source

    def lines(self) -> list[str]:
        """Every kept line the current filter shows, oldest first."""
        return [line for source, line in self.records if self.current in (ALL, source)]

    def label(self) -> str:
        return "all sources" if self.current == ALL else self.current
