"""Paint a navigation key's result at once instead of at the screen's next update slot.

Textual lays out and paints a screen on its update timer (``TEXTUAL_FPS``, 60 a second): a change made by
a key waits for the next slot, and when the previous slot's frame is still being drawn (a log streaming
in), for the one after that. Measured in ``tests/bench/bench_tui.py`` that wait was 14 ms on average and
up to 35 ms of a 50 ms key-to-frame budget. A key that switches ORCHESTRATE's section calls
:func:`paint_now` right after its change, and so does a page key, on the whole screen. For a page key the
slot was not the only wait: the shown and hidden panes pass their layout requests on from their own idle
handlers, which came 20-70 ms after the key while a log streamed (measured), and a layout that started
before then still arranged the old page. Taking the requests from the widgets here does not wait for them.
The page key updates the footer before painting, and the footer resizes no key (a resized widget asks
for another layout, a frame later), so one layout holds the page and its footer keys.

It does synchronously what the widgets' idle handlers, the screen's message handlers and its timer would
do a few messages later: each widget's pending repaint and layout request is taken (the layout one clears
its ancestors' arrangement caches, as Textual's own ``_check_refresh`` does), then the screen is laid out
and composited in the same step. Requests taken here are not posted again, so no second frame redoes the
work; the Show, Hide and Resize events of the new layout are still handled afterwards, as usual.
"""

from __future__ import annotations

from typing import Any


def take_refresh_requests(root: Any) -> set[Any]:
    """Take the pending repaint and layout requests of ``root`` and the widgets it holds; the widgets to
    repaint."""
    from textual.widget import Widget

    repaint: set[Any] = set()
    for widget in root.walk_children(Widget, with_self=True):
        if widget._repaint_required:
            widget._repaint_required = False
            if widget.display:
                repaint.add(widget)
        if widget._layout_required:
            widget._layout_required = False
            for ancestor in widget.ancestors:
                if not isinstance(ancestor, Widget):
                    break
                ancestor._clear_arrangement_cache()
                ancestor._layout_updates += 1
                if not ancestor.styles.auto_dimensions:
                    break
    return repaint


def paint_now(widget: Any) -> bool:
    """Lay out and paint ``widget``'s screen now, with every change asked for so far by ``widget`` and the
    widgets it holds (and by the rest of the screen, once its requests reached the screen). False when
    nothing was painted: the screen is not the one shown, or an update batch holds painting back."""
    app = widget.app
    screen = widget.screen
    if app._batch_count or screen is not app.screen or not screen.is_current or not app.is_running:
        return False
    compositor = screen._compositor
    # The requests of ``widget`` and what it holds: the rest of the screen paints at its own pace.
    screen._dirty_widgets.update(take_refresh_requests(widget))
    # Only widgets already on screen need their repaint passed on: the layout below marks the regions of
    # the ones it shows anyway. Passing those too makes the compositor invalidate the map the layout has
    # just built, and lay the whole screen out a second time while painting (4-7 ms a key, measured).
    screen._dirty_widgets.intersection_update(compositor.visible_widgets.keys())
    compositor._full_map_invalidated = False
    screen._refresh_layout()
    # As the timer does after its layout: this frame holds every change asked for so far.
    screen._layout_required = False
    screen._dirty_widgets.clear()
    return True
