"""Where the TUI reads time: the real clock, or in test mode a fixed one so screenshots show numbers that
never change (durations and elapsed times are rendered, formatted like the real ones, not hidden).

Widgets take a :class:`Clock` (the App's ``app.clock``) instead of calling :mod:`time` themselves.
"""

from __future__ import annotations

import time


class Clock:
    """The real clock: monotonic time, and engine-measured durations as they were measured."""

    fixed = False

    def monotonic(self) -> float:
        return time.monotonic()

    def measured(self, seconds: float) -> float:
        """A duration the engine measured (an operation, a host install, a heartbeat age)."""
        return seconds


class FixedClock(Clock):
    """Test mode: time stands still, and every measured duration reads :attr:`seconds`."""

    fixed = True
    START = 1_000.0

    def __init__(self, seconds: float = 1.5):
        self.seconds = seconds

    def monotonic(self) -> float:
        return self.START

    def measured(self, seconds: float) -> float:
        return self.seconds


def clock_of(widget: object) -> Clock:
    """The clock of the App ``widget`` runs in (the real one outside an AgilabApp)."""
    app = getattr(widget, "app", None)
    clock = getattr(app, "clock", None)
    return clock if isinstance(clock, Clock) else REAL_CLOCK


REAL_CLOCK = Clock()
