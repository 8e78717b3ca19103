"""When the cyclic garbage collector may run its full passes: not while operations stream and keys arrive.

A full (generation 2) pass walks every tracked object the process holds. Textual keeps many alive (each
``Strip`` carries seven small caches), and a run log streaming 100k lines adds ~75k more: measured in
``tests/bench/bench_tui.py``, Python's automatic full passes fired three times in a 2.4 s stream and took
70-230 ms each, every one landing between a key and its frame. Young generations are cheap and still run
as usual, and reference counting frees most garbage anyway; only the full passes wait.

So while at least one operation runs, the automatic full pass is held off (``threshold2`` raised) and
done by hand, every ``PERIOD_S``, at a moment when no key came for ``IDLE_S``. After the last operation
ends, the first such pass also gives the usual thresholds back (given back at once, they would fire the
pass that waited right then, under the keys of the run's last frames).
"""

from __future__ import annotations

import gc
import time
from typing import Any

HELD_THRESHOLD2 = 1_000_000
"""Generation-1 passes before an automatic full pass, while held: in effect never."""
PERIOD_S = 5.0
"""How often a held policy looks for a quiet moment to do the full pass itself."""
IDLE_S = 1.0
"""No key for this long counts as a quiet moment."""
MAX_WAIT_S = 60.0
"""Longest a held full pass waits for a quiet moment (someone typing through a long run still gets one)."""


class GcPolicy:
    """Counts running operations; holds automatic full collections from the first start until a quiet
    moment after the last end."""

    def __init__(self) -> None:
        self._running = 0
        self._saved: tuple[int, int, int] | None = None
        self._timer: Any = None
        self.last_key = time.monotonic()
        self.last_full = time.monotonic()

    @property
    def held(self) -> bool:
        return self._saved is not None

    def key_pressed(self) -> None:
        self.last_key = time.monotonic()

    def operation_started(self, app: Any) -> None:
        self._running += 1
        if self._saved is None:
            self._saved = gc.get_threshold()
            self.last_full = time.monotonic()
            gc.set_threshold(self._saved[0], self._saved[1], HELD_THRESHOLD2)
            self._timer = app.set_interval(PERIOD_S, self.collect_if_quiet, name="gc-policy")

    def operation_ended(self) -> None:
        self._running = max(0, self._running - 1)

    def collect_if_quiet(self) -> bool:
        """Do the held full pass now unless a key came in the last ``IDLE_S`` (and the last pass was less than
        ``MAX_WAIT_S`` ago); True when it ran. Once no operation runs any more, the pass also ends the hold."""
        now = time.monotonic()
        if not self.held or (now - self.last_key < IDLE_S and now - self.last_full < MAX_WAIT_S):
            return False
        gc.collect()
        self.last_full = time.monotonic()
        if self._running == 0:
            self.release()
        return True

    def release(self) -> None:
        """Give the usual thresholds back (also when the app exits with the hold on)."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        if self._saved is not None:
            gc.set_threshold(*self._saved)
            self._saved = None
