"""One line under a page: the current operation, its step, a progress bar and the elapsed time."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.reactive import reactive
from textual.widgets import Label, ProgressBar

from tui.clock import clock_of


class OpStatus(Horizontal):
    """``install · installing dependencies [████░░] 00:12``; times come from the App's clock (fixed in test mode)."""

    DEFAULT_CSS = """
    OpStatus {
        height: 1;
        #op-text { width: 1fr; }
        ProgressBar { width: 30; }
        #op-elapsed { width: 7; text-align: right; color: $text-muted; }
        &.-failed #op-text { color: $error; }
        &.-done #op-text { color: $success; }
    }
    """

    state: reactive[str] = reactive("idle")
    """``idle``, ``running``, ``done`` or ``failed`` (drives the CSS classes)."""

    def __init__(self, *, id: str | None = None):
        super().__init__(id=id)
        self._started = 0.0

    def compose(self) -> ComposeResult:
        yield Label("ready", id="op-text")
        yield ProgressBar(total=None, show_eta=False, show_percentage=True, id="op-bar")
        yield Label("", id="op-elapsed")

    def on_mount(self) -> None:
        self.query_one(ProgressBar).display = False
        if not clock_of(self).fixed:
            self.set_interval(1.0, self._tick)

    def _tick(self) -> None:
        if self.state == "running":
            elapsed = int(clock_of(self).monotonic() - self._started)
            self.query_one("#op-elapsed", Label).update(f"{elapsed // 60:02d}:{elapsed % 60:02d}")

    def start(self, kind: str) -> None:
        self._started = clock_of(self).monotonic()
        self.state = "running"
        bar = self.query_one(ProgressBar)
        bar.update(total=None, progress=0)
        bar.display = True
        self.query_one("#op-text", Label).update(f"{kind} · starting")
        self.query_one("#op-elapsed", Label).update("00:00")

    def progress(self, kind: str, done: int, total: int, step: str) -> None:
        bar = self.query_one(ProgressBar)
        bar.update(total=total or None, progress=done)
        self.query_one("#op-text", Label).update(f"{kind} · {step}" if step else kind)

    def finish(self, text: str, *, ok: bool, seconds: float | None = None) -> None:
        self.state = "done" if ok else "failed"
        self.query_one(ProgressBar).display = False
        self.query_one("#op-text", Label).update(text)
        shown = f"{clock_of(self).measured(seconds):.1f}s" if seconds is not None else ""
        self.query_one("#op-elapsed", Label).update(shown)

    def watch_state(self, state: str) -> None:
        for name in ("running", "done", "failed"):
            self.set_class(state == name, f"-{name}")
