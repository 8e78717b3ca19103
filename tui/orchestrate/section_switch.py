"""The section list and the section switcher of ORCHESTRATE, drawn with less work per key.

Every section key paints a frame, and measured in ``tests/bench/bench_tui.py`` a third of that frame went to
lines Textual drew again although they looked the same as before: the whole section list when only two of its
rows changed highlight (22 lines, ~2 ms), and the switcher's own background when the section shown covers it
(22 lines, ~0.7 ms). These two widgets redraw only what changed.
"""

from __future__ import annotations

from typing import ClassVar

from textual.geometry import Region
from textual.reactive import reactive
from textual.widgets import ContentSwitcher, OptionList


class SectionList(OptionList):
    """An ``OptionList`` whose highlight moves by repainting the two rows concerned, not the whole list."""

    highlighted: reactive[int | None] = reactive(None, repaint=False)

    def watch_highlighted(self, old: int | None, new: int | None) -> None:
        super().watch_highlighted(new)
        for index in (old, new):
            self._refresh_option(index)

    def _refresh_option(self, index: int | None) -> None:
        if index is None or not self.is_mounted:
            return
        self._update_lines()
        line = self._index_to_line.get(index)
        if line is None:
            return
        # Regions are relative to the content region, whose first line is the scroll offset's.
        self.refresh(Region(0, line - self.scroll_offset.y, self.scrollable_content_region.width,
                            self._heights[index]))


class SectionSwitcher(ContentSwitcher):
    """A ``ContentSwitcher`` that paints its background as plain blank lines (``BLANK``): it draws nothing
    else, and most of it is hidden under the section shown."""

    BLANK: ClassVar[bool] = True
