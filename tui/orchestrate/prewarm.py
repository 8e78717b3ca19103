"""Lay out and render each hidden ORCHESTRATE section once at idle, so its first show is as cheap as the next.

A section's first show pays for its widgets' first layout and first render (60-100 ms for the Data and
Distribute sections, against 15-30 ms once cached), and those first shows set the p99 of key-to-frame
latency. Here each hidden section is switched in, laid out and its widgets rendered into their caches, then
switched back, all in one synchronous step inside ``batch_update()``: no frame is written meanwhile, so the
user never sees it, and the page lays out its real state again before anything is painted.
"""

from __future__ import annotations

from typing import Any

from textual.geometry import Region
from textual.widgets import ContentSwitcher


def prewarm_section(view: Any, key: str) -> bool:
    """Render section ``key`` of ``view`` off screen once; False (nothing done) when the page is not on screen
    or focus is inside a section."""
    app = view.app
    screen = view.screen
    if not view.is_attached or screen is not app.screen or not view.region.area:
        return False
    switcher = view.query_one("#section-switcher", ContentSwitcher)
    shown = switcher.current
    if key == shown:
        return True
    focused = app.focused
    if focused is not None and switcher in focused.ancestors:
        # The switch posts Hide to the shown section's widgets, and a hidden widget drops its focus.
        return False
    section = switcher.get_child_by_id(key)
    with app.batch_update():
        switcher.current = key
        try:
            screen._refresh_layout()  # the section gets its regions (Show/Resize events queue, handled later)
            for widget in section.walk_children(with_self=True):
                size = widget.size
                if widget.display and size.area:
                    widget.render_lines(Region(0, 0, size.width, size.height))
        finally:
            switcher.current = shown
            # Back to the real layout before the queued compositor refresh paints anything.
            screen._refresh_layout()
    return True
