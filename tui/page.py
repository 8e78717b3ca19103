"""The four page views and the contract each one follows so the shell (``tui/app.py``) needs no edit.

Page modules and class names (imported lazily by the App; a page that fails to import is replaced by
an error panel naming the exception, so one broken page never takes the others down):

    tui/project/screen.py       ProjectView       tab id "project"      key 1
    tui/orchestrate/screen.py   OrchestrateView   tab id "orchestrate"  key 2 (default tab)
    tui/workflow/screen.py      WorkflowView      tab id "workflow"     key 3
    tui/analysis/screen.py      AnalysisView      tab id "analysis"     key 4

The view contract:

1. A view is a ``Widget`` (usually a container) built with no arguments; it reaches the engine through
   ``self.app.engine`` (an :class:`engine.facade.Engine`). Subclassing :class:`PageView` gives the
   defaults below.
2. ``BINDINGS``: every ``Binding`` has ``id="<page>.<verb>"`` and ``tooltip=...``. They are active while
   focus is inside the view; F1 lists them for the current page. Show at most 4 in the footer
   (``show=True``); the rest ``show=False``. Never bind bare digits 1-4 (the App switches tabs with them)
   and avoid ctrl keys the ``Input`` widget uses (a, e, d, w, u, k, x, c, v).
3. ``palette_commands() -> list[PaletteCommand]``: every action of the page, titled ``"<group>: <verb>"``
   (``"run: install"``, ``"data: export csv"``). The App's command provider gathers them from all views;
   choosing one switches to the view's tab first, then calls the callback.
4. Long-running engine work (an :class:`engine.operation.Operation`) is started with
   ``self.app.run_operation(op, self)``: an App-level worker (group ``"runs"``) iterates ``op.events()``
   and posts :class:`tui.messages.EngineEventMessage` to the view. ``self.app.cancel_operation(op)``
   cancels it (the engine kills the child processes and a cancelled ``OperationFailed`` still arrives).
5. Blocking engine calls (settings, snippets, file reads) go through
   ``self.app.call_engine(tag, fn, *args, reply_to=self, context=...)``: a thread worker runs
   ``fn(*args)`` and posts :class:`tui.messages.EngineCallDone` (``tag``, ``value``, ``error``) back.
   Cheap calls (a dict lookup, a settings read of a small TOML file) may be made directly.
6. Views mutate their widgets only in message handlers and actions; page files do no file or
   subprocess I/O themselves.
7. :class:`tui.messages.ActiveAppChanged` is posted to every view when ``app.set_active_app(name)``
   is called; views reload what depends on the app.
8. Test mode (``app.test_mode``): read time through ``app.clock`` (``tui.clock``; fixed in test mode, so
   durations are shown yet never change) and pass hostnames and tmp paths through ``self.app.redact(text)``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from textual.containers import Vertical
from textual.widget import Widget


@dataclass(frozen=True)
class PaletteCommand:
    """One command palette entry contributed by a view."""

    title: str
    """``"<group>: <verb>"``, e.g. ``"run: install"``."""
    help: str
    """One line shown under the title in the palette."""
    callback: Callable[[], Any]
    """Called (after switching to the view's tab) when the command is chosen."""


class PageView(Vertical):
    """Convenience base for page views: an empty palette and a focus helper."""

    TAB_ID = ""
    """The id of the TabPane this view lives in (``"orchestrate"``...)."""

    def palette_commands(self) -> list[PaletteCommand]:
        """The page's palette commands; override to add yours."""
        return []

    def focus_first(self) -> None:
        """Give focus to the page's first focusable widget (called when its tab becomes active)."""
        focus_first_in(self, visible_only=True)


def focus_first_in(container: Widget, *, visible_only: bool = False) -> bool:
    """Focus the first focusable, displayed descendant of ``container``; False when there is none.

    Sections inside a ContentSwitcher are focused right after being switched in, before their
    ``visible`` flag settles, so only pages ask for visible widgets.
    """
    for widget in container.query("*"):
        if widget.focusable and widget.display and (widget.visible or not visible_only):
            focus_now(widget)
            return True
    return False


def focus_now(widget: Widget) -> None:
    """Focus ``widget`` before the next queued event is handled.

    ``Widget.focus()`` defers the change to a callback queued behind keys already waiting: a key typed
    right after a page switch (alt+2 then ctrl+b in tmux) would reach a screen with nothing focused,
    and the page's bindings would not fire.
    """
    from textual.css.query import NoMatches
    from textual.widget import NoScreen

    try:
        screen = widget.screen
    except (NoScreen, NoMatches):  # not on a screen yet: focus it once it is
        widget.focus()
        return
    screen.set_focus(widget)
