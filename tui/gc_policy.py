"""When the cyclic garbage collector may run its full passes: not while operations stream or keys arrive.

A full (generation 2) pass walks every tracked object the process holds outside the frozen startup heap.
Textual keeps many alive (each ``Strip`` carries seven small caches), and a run log streaming 100k lines
adds ~75k more: measured in ``tests/bench/bench_tui.py``, Python's automatic full passes fired three times
in a 2.4 s stream and took 70-230 ms each, every one landing between a key and its frame. Switching
sections with no run at all grows the young heap to ~90k objects too, and its automatic full passes
(60-110 ms) were the worst key-to-frame delays of that case. Young generations are cheap and still run as
usual, and reference counting frees most garbage anyway; only the full passes wait.

So while an operation runs, and from a key until a quiet moment, the automatic full pass is held off
(``threshold2`` raised) and done by hand, checked every ``PERIOD_S``, at a moment when no key came for
``IDLE_S``, and only when Python would have done one by then (as many younger passes have run as its own
threshold asks). The first quiet check once no operation runs gives the usual thresholds back, after
doing the pass that was due (given back at once, they would fire it right then, under the next keys).
"""

from __future__ import annotations

import gc
import time
from typing import Any

HELD_THRESHOLD2 = 1_000_000
"""Generation-1 passes before an automatic full pass, while held: in effect never."""
PERIOD_S = 2.0
"""How often a held policy looks for a quiet moment to do the full pass itself."""
IDLE_S = 1.0
"""No key for this long counts as a quiet moment."""
MAX_WAIT_S = 60.0
"""Longest a held full pass waits for a quiet moment (someone typing through a long run still gets one)."""


class GcPolicy:
    """Counts running operations; holds automatic full collections from an operation's start or a key until
    a quiet moment with no operation running."""

    def __init__(self) -> None:
        self._running = 0
        self._saved: tuple[int, int, int] | None = None
        self._timer: Any = None
        self.last_key = time.monotonic()
        self.last_full = time.monotonic()

    @property
    def held(self) -> bool:
        return self._saved is not None

    def startup_settled(self) -> None:
        """The pages hold their state and their sections are rendered: freeze what startup built.

        The App freezes the heap once its pages are mounted, but ORCHESTRATE's sections, the engine's first
        state and the render caches of the idle prewarm come later, ~90k objects that every full pass then
        walked again (110 ms, measured with no operation running, when full passes run as usual). Frozen,
        they are skipped; reference counting still frees whatever of them is dropped later, and only cycles
        among them wait until the App unfreezes on exit."""
        gc.freeze()

    def key_pressed(self, app: Any = None) -> None:
        """A key came: full passes wait for a quiet moment (``app`` starts the hold when none is on)."""
        self.last_key = time.monotonic()
        if app is not None:
            self.hold(app)

    def operation_started(self, app: Any) -> None:
        self._running += 1
        self.hold(app)

    def operation_ended(self) -> None:
        self._running = max(0, self._running - 1)

    def hold(self, app: Any) -> None:
        """Hold the automatic full passes until the next quiet check that finds no operation running."""
        if self._saved is None:
            self._saved = gc.get_threshold()
            self.last_full = time.monotonic()
            gc.set_threshold(self._saved[0], self._saved[1], HELD_THRESHOLD2)
            self._timer = app.set_interval(PERIOD_S, self.collect_if_quiet, name="gc-policy")

    def pass_due(self) -> bool:
        """Whether Python would have run a full pass by now: its generation-1 passes since the last full one
        reached its own threshold."""
        return self._saved is not None and gc.get_count()[2] >= self._saved[2]

    def collect_if_quiet(self) -> bool:
        """Do the held full pass now if one is due and no key came in the last ``IDLE_S`` (or the last pass
        was over ``MAX_WAIT_S`` ago); True when it ran. Once no operation runs, a quiet check also ends the
        hold."""
        now = time.monotonic()
        if not self.held or (now - self.last_key < IDLE_S and now - self.last_full < MAX_WAIT_S):
            return False
        ran = self.pass_due()
        if ran:
            gc.collect()
            self.last_full = time.monotonic()
        if self._running == 0:
            self.release()
        return ran

    def release(self) -> None:
        """Give the usual thresholds back (also when the app exits with the hold on)."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        if self._saved is not None:
            gc.set_threshold(*self._saved)
            self._saved = None
