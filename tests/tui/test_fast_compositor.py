"""The frame composer that skips hidden work paints exactly what Textual's own would, on every page and
ORCHESTRATE section, and asks fewer widgets for their lines."""

from __future__ import annotations

from pathlib import Path

from textual._compositor import Compositor
from textual.geometry import Region
from textual.widget import Widget
from tui_helpers import new_app

from tui import fast_compositor
from tui.orchestrate.sections import SECTIONS


def chops_cells(chops) -> list[dict[int, list[tuple[str, object]]]]:
    return [{cut: None if strip is None else [(s.text, s.style) for s in strip] for cut, strip in line.items()}
            for line in chops]


def counting_render_lines(calls: list[Widget]):
    original = Widget.render_lines

    def render_lines(self, crop):
        calls.append(self)
        return original(self, crop)
    return original, render_lines


def compare(app, label: str, crop: Region, rendered) -> tuple[int, int]:
    """Both composers' chops for ``crop`` are equal; how many widgets each asked for lines."""
    compositor = app.screen._compositor
    textual_calls: list[Widget] = []
    fast_calls: list[Widget] = []
    original, counting = counting_render_lines(textual_calls)
    Widget.render_lines = counting
    try:
        by_textual = chops_cells(fast_compositor.textual_render_chops(compositor, crop, rendered))
        _, Widget.render_lines = counting_render_lines(fast_calls)
        by_fast = chops_cells(fast_compositor.render_chops(compositor, crop, rendered))
    finally:
        Widget.render_lines = original
    assert by_fast == by_textual, f"{label}: the chops differ"
    return len(textual_calls), len(fast_calls)


async def test_same_chops_as_textual_on_every_page_and_section(tui_home: Path, settle) -> None:
    app = new_app()
    assert Compositor._render_chops is fast_compositor.render_chops  # installed by the App (pinned Textual)
    asked = {"textual": 0, "fast": 0}
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        view = app.view("orchestrate")
        cases = 0
        for key, _ in SECTIONS:
            view.show_section(key)
            await settle(pilot)
            size = app.screen._compositor.size
            switcher = view.query_one("#section-switcher").region
            for label, crop, rendered in (
                    (f"{key}: whole screen", size.region, lambda y: True),
                    # A partial update: only the switcher's area, and only every other line of it.
                    (f"{key}: switcher, odd lines", switcher, lambda y: y % 2 == 1)):
                textual_asked, fast_asked = compare(app, label, crop, rendered)
                asked["textual"] += textual_asked
                asked["fast"] += fast_asked
                cases += 1
        for page in ("alt+1", "alt+3", "alt+4"):
            await pilot.press(page)
            await settle(pilot)
            size = app.screen._compositor.size
            compare(app, f"{page}: whole screen", size.region, lambda y: True)
            cases += 1
    assert cases == 2 * len(SECTIONS) + 3
    # Containers hidden under the sections are no longer asked for lines.
    assert asked["fast"] < 0.8 * asked["textual"], asked


def test_left_alone_on_another_textual_version(monkeypatch) -> None:
    monkeypatch.setattr(fast_compositor, "WRITTEN_FOR", "0.0.0")
    fast_compositor.uninstall()
    try:
        assert fast_compositor.install() is False
        assert Compositor._render_chops is not fast_compositor.render_chops
    finally:
        monkeypatch.undo()
        assert fast_compositor.install() is True
