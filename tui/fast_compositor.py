"""Compose a frame without rendering what the frame would throw away.

Textual's compositor builds each updated screen line from "chops", the spans between widget edges. It asks
every visible widget overlapping the update for its lines, front-most first, cuts each line at those edges,
and keeps a span's first piece: pieces of a widget hidden behind others are cut and then dropped. ORCHESTRATE
nests a section in nine containers that span the whole section area (screen, tabs, page, switcher...), so
a section key cut and dropped some 300 strips per frame. Measured in ``tests/bench/bench_tui.py``, painting
a frame took 16-17 ms of a section key's 24 ms, and 10 ms with this.

:func:`render_chops` produces the same chops: a widget is asked for its lines only when one of the lines to
update still has an empty span, and a line is cut only where a span under the widget is still empty. What
is left out is exactly what Textual would have discarded. The effect of a skipped ``render_lines`` call is
only that a widget's dirty lines stay dirty until a frame shows them.

It replaces ``Compositor._render_chops`` for the Textual version this was written against (pinned in
pyproject.toml) and leaves any other version as it is; ``tests/tui/test_fast_compositor.py`` compares
the two on every page and section.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.geometry import Region

WRITTEN_FOR = "8.2.8"
"""The Textual version whose ``Compositor._render_chops`` this reproduces."""

_textual_render_chops: Callable[..., Any] | None = None
"""Textual's own method, kept for tests and for ``uninstall``."""


def render_chops(self: Any, crop: Any, is_rendered_line: Callable[[int], bool]) -> list[dict[int, Any]]:
    """``Compositor._render_chops`` without the renders and cuts whose pieces would be dropped."""
    cuts = self.cuts
    chops: list[dict[int, Any]] = [dict.fromkeys(cut_set[:-1]) for cut_set in cuts]
    empty_spans = [len(cut_set) - 1 for cut_set in cuts]
    intersection = Region.intersection
    crop_overlaps = crop.overlaps
    for widget, (region, clip) in self.visible_widgets.items():  # front-most first
        if not crop_overlaps(clip):
            continue
        x, top, width, height = intersection(region, clip)
        if not (width and height):
            continue
        lines = [y for y in range(top, top + height) if empty_spans[y] and is_rendered_line(y)]
        if not lines:
            continue  # everything under it is already covered, or not being updated
        strips = widget.render_lines(Region(x - region.x, top - region.y, width, height))
        right = x + width
        for y in lines:
            if y - top >= len(strips):
                break
            chops_line = chops[y]
            line_cuts = [cut for cut in cuts[y] if right >= cut >= x]
            if all(chops_line.get(cut) is not None for cut in line_cuts[:-1]):
                continue
            pieces = strips[y - top].divide([cut - x for cut in line_cuts[1:]])
            for cut, strip in zip(line_cuts, pieces, strict=False):  # one piece fewer than cuts
                if chops_line.get(cut) is None:
                    if cut in chops_line:
                        empty_spans[y] -= 1
                    chops_line[cut] = strip
    return chops


def install() -> bool:
    """Use :func:`render_chops` in every compositor; False (nothing changed) on another Textual version."""
    global _textual_render_chops
    import textual
    from textual._compositor import Compositor

    if textual.__version__ != WRITTEN_FOR:
        return False
    if _textual_render_chops is None:
        _textual_render_chops = Compositor._render_chops
    Compositor._render_chops = render_chops  # type: ignore[method-assign]
    return True


def uninstall() -> None:
    """Give Textual its own method back."""
    from textual._compositor import Compositor

    if _textual_render_chops is not None:
        Compositor._render_chops = _textual_render_chops  # type: ignore[method-assign]


def textual_render_chops(compositor: Any, crop: Any, is_rendered_line: Callable[[int], bool]) -> Any:
    """Textual's own chops for ``compositor``, whether or not :func:`install` ran (for comparisons)."""
    from textual._compositor import Compositor

    method = _textual_render_chops or Compositor._render_chops
    return method(compositor, crop, is_rendered_line)
