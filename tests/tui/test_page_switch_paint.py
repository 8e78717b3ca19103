"""A page key paints the new page, footer keys and focus style included, in the key's own step: one layout,
and the frame the screen's update timer would have painted later."""

from __future__ import annotations

import traceback
from pathlib import Path

import pytest
from textual.screen import Screen
from textual.widgets._footer import FooterKey
from tui_helpers import new_app

import tui.app as tui_app
from tui.widgets.steady_footer import SteadyFooter

PAGE_KEYS = (("alt+1", "project"), ("alt+3", "workflow"), ("alt+4", "analysis"), ("alt+2", "orchestrate"))


def screen_cells(app) -> list[list[tuple[str, object]]]:
    return [[(segment.text, segment.style) for segment in strip] for strip in app.screen._compositor.render_strips()]


async def page_frames(settle, monkeypatch: pytest.MonkeyPatch) -> tuple[dict, dict, dict, set[int]]:
    """For each page key, after every page was shown once: the first frame painted after its action runs,
    whether paint_now painted it, the full layouts done from the key until all settled,
    and the footer's key widgets at the end."""
    app = new_app()
    frames: dict[str, list] = {}
    inside: dict[str, bool] = {}
    layouts: dict[str, int] = {}
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        for key, _ in PAGE_KEYS:  # each page mounted, shown and its footer keys made once
            await pilot.press(key)
            await settle(pilot)
        footer = app.query_one(SteadyFooter)
        keys_before = {id(key) for key in footer.query(FooterKey)}
        waiting: list[str] = []
        display, go_tab, refresh_layout = app._display, app.action_go_tab, Screen._refresh_layout
        counting: list[str] = []

        def capturing_display(screen, renderable) -> None:
            display(screen, renderable)
            if waiting and renderable is not None and not app._batch_count:
                tab = waiting.pop()
                frames[tab] = screen_cells(app)
                # Painted by paint_now, or by the screen's update timer
                inside[tab] = any(frame.name == "paint_now" for frame in traceback.extract_stack())

        def timed_go_tab(tab_id: str) -> None:
            waiting.append(tab_id)
            counting[:] = [tab_id]
            go_tab(tab_id)

        def counted_layout(screen, *args, **kwargs) -> None:
            if counting and not kwargs.get("scroll"):
                layouts[counting[0]] = layouts.get(counting[0], 0) + 1
            refresh_layout(screen, *args, **kwargs)

        app._display = capturing_display
        app.action_go_tab = timed_go_tab
        monkeypatch.setattr(Screen, "_refresh_layout", counted_layout)
        for key, tab in PAGE_KEYS:
            await pilot.press(key)
            await settle(pilot)
            counting.clear()
            assert tab in frames, f"{tab}: no frame painted after the key"
        monkeypatch.setattr(Screen, "_refresh_layout", refresh_layout)
        keys_after = {id(key) for key in footer.query(FooterKey)}
    return frames, inside, layouts, keys_before ^ keys_after


async def test_each_page_key_paints_at_once_in_one_layout_the_frame_the_timer_would_paint(
        tui_home: Path, settle, monkeypatch: pytest.MonkeyPatch) -> None:
    at_once, inside, layouts, footer_changes = await page_frames(settle, monkeypatch)
    assert all(inside.values()), inside  # painted by paint_now, not by the timer
    # One layout holds the page and its footer keys: none comes a frame later for keys that changed size.
    assert layouts == {tab: 1 for _, tab in PAGE_KEYS}, layouts
    assert not footer_changes  # the footer mounted and removed no key: it reuses one per binding
    monkeypatch.setattr(tui_app, "paint_now", lambda widget: False)  # the screen's timer paints
    by_timer, inside, layouts, _ = await page_frames(settle, monkeypatch)
    assert not any(inside.values()), inside
    for _, tab in PAGE_KEYS:
        assert at_once[tab] == by_timer[tab], f"{tab}: the immediate frame differs from the timer's"
