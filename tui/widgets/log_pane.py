"""A bounded, tail-following log pane in the toolong model.

Lines arrive in batches (``write_lines``) into a ``Log`` capped at ``max_lines``, so memory stays bounded
however long a run streams. While the view is at the bottom it follows new lines; scrolling up pauses
following and a badge counts the lines that arrived since; End (or G) jumps back and resumes.

A live stream uses ``stream_lines``: batches are queued and written at most ``FLUSH_HZ`` times a second,
so a chatty child costs one ``Log`` write (and one repaint) per flush instead of one per engine batch,
and key presses are not stuck behind log repaints.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.reactive import reactive
from textual.widgets import Log, Static

DEFAULT_MAX_LINES = 20_000
FLUSH_HZ = 30
"""How often queued stream lines are written to the log (a frame every ~33 ms is smooth to the eye)."""


class StreamLog(Log):
    """A ``Log`` with less-style keys that tells its pane when the reader reaches the bottom again."""

    BINDINGS = [
        Binding("j", "scroll_down", "Down", show=False, id="log.down", tooltip="Scroll the log down one line"),
        Binding("k", "scroll_up", "Up", show=False, id="log.up", tooltip="Scroll the log up one line"),
        Binding("g,home", "scroll_home", "Top", show=False, id="log.top", tooltip="Jump to the first line"),
        Binding("G,end", "follow", "Follow", show=False, id="log.follow",
                tooltip="Jump to the last line and follow new lines"),
    ]

    def _update_size(self, updates: int, lines: list[str]) -> None:
        """Widen the virtual size for ``lines`` here, not in ``Log``'s thread worker.

        ``Log`` starts a thread per write to measure the new lines; while a run streams that is a thread
        (and its worker messages) per flush, holding the GIL against the event loop that paints frames.
        Most log lines are ASCII without tabs, where the width is the length.
        """
        if not lines:
            return
        process, widest = self._process_line, 0
        for line in lines:
            width = len(line) if line.isascii() and "\t" not in line else cell_len(process(line))
            if width > widest:
                widest = width
        self._update_maximum_width(updates, widest)

    def action_follow(self) -> None:
        """Jump to the end; following resumes because the view is at the bottom again."""
        self.scroll_end(animate=False, immediate=True, x_axis=False)

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        parent = self.parent
        if isinstance(parent, LogPane) and self.is_vertical_scroll_end:
            parent.pending_lines = 0


class LogPane(Vertical):
    """Log plus a "N new lines" badge shown while the reader is scrolled away from the tail."""

    DEFAULT_CSS = """
    LogPane {
        height: 1fr;
        border: round $panel;
        border-title-color: $text-muted;
        &:focus-within { border: round $primary; }
        StreamLog { height: 1fr; background: $surface; scrollbar-size-vertical: 1; }
        #log-badge {
            display: none;
            dock: bottom;
            width: auto;
            offset-x: 1;
            padding: 0 1;
            background: $warning;
            color: $text;
        }
        &.-pending #log-badge { display: block; }
    }
    """

    pending_lines: reactive[int] = reactive(0)
    """Lines written while the reader was scrolled up (0 when following)."""

    def __init__(self, *, title: str = "Log", max_lines: int = DEFAULT_MAX_LINES, id: str | None = None):
        super().__init__(id=id)
        self.border_title = title
        self._max_lines = max_lines
        self.total_lines = 0
        """Lines written since the last clear, including those pruned by ``max_lines``."""
        # Only the newest max_lines of a burst can be visible, so the queue is bounded like the log.
        self._queued: deque[str] = deque(maxlen=max_lines)
        self._queued_count = 0

    def compose(self) -> ComposeResult:
        yield StreamLog(max_lines=self._max_lines, highlight=False, auto_scroll=True)
        yield Static("", id="log-badge")

    def on_mount(self) -> None:
        self._flush_timer = self.set_interval(1 / FLUSH_HZ, self.flush, pause=True)

    @property
    def log(self) -> StreamLog:
        return self.query_one(StreamLog)

    @property
    def following(self) -> bool:
        """True while new lines scroll into view."""
        return self.pending_lines == 0 and self.log.is_vertical_scroll_end

    def write_lines(self, lines: Iterable[str]) -> None:
        """Append a batch now (after any queued stream lines); count it as pending when scrolled up."""
        self.flush()
        batch = list(lines)
        self._write(batch, len(batch))

    def stream_lines(self, lines: Iterable[str]) -> None:
        """Queue a batch of a live stream; it is written with the others at the next flush."""
        batch = list(lines)
        if not batch:
            return
        self._queued.extend(batch)  # beyond max_lines the oldest queued lines drop, as the log would prune them
        self._queued_count += len(batch)
        self._flush_timer.resume()

    def flush(self) -> None:
        """Write every queued stream line in one batch."""
        if not self._queued:
            return
        batch, count = list(self._queued), self._queued_count
        self._queued.clear()
        self._queued_count = 0
        self._flush_timer.pause()
        self._write(batch, count)

    def _write(self, batch: list[str], count: int) -> None:
        """Write ``batch``, which stands for ``count`` lines (more when the queue dropped its oldest)."""
        if not batch:
            return
        log = self.log
        was_at_end = log.is_vertical_scroll_end
        log.write_lines(batch)
        self.total_lines += count
        if not was_at_end:
            self.pending_lines += count

    def clear(self, title: str | None = None) -> None:
        """Drop every line (a new operation starts), queued ones included, and optionally retitle the pane."""
        self._queued.clear()
        self._queued_count = 0
        self.log.clear()
        self.total_lines = 0
        self.pending_lines = 0
        if title is not None:
            self.border_title = title

    def follow(self) -> None:
        """Resume following from code (the End key does the same)."""
        self.log.action_follow()
        self.pending_lines = 0

    def watch_pending_lines(self, count: int) -> None:
        self.set_class(count > 0, "-pending")
        if count:
            self.query_one("#log-badge", Static).update(f"▼ {count:,} new lines · End to follow")
