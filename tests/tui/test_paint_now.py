"""A section key paints its section in the key's own step, and that frame is the one the screen's update
timer would have painted a slot later."""

from __future__ import annotations

from pathlib import Path

import pytest
from tui_helpers import new_app

import tui.orchestrate.screen as orchestrate_screen
from tui.orchestrate.sections import SECTIONS


def screen_cells(app) -> list[list[tuple[str, object]]]:
    """What the compositor holds for the whole screen now: each line's text runs with their styles."""
    return [[(segment.text, segment.style) for segment in strip] for strip in app.screen._compositor.render_strips()]


async def first_frames(settle) -> tuple[dict[str, list], dict[str, int], dict[str, list[str]]]:
    """For each section in turn (ctrl+n): the screen at the first frame painted after the key's action, how
    many frames were painted inside the action itself, and the widgets still asking for a layout then."""
    app = new_app()
    frames: dict[str, list] = {}
    inside: dict[str, int] = {}
    pending: dict[str, list[str]] = {}
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        view = app.view("orchestrate")
        waiting: list[str] = []
        display = app._display

        def capturing_display(screen, renderable) -> None:
            display(screen, renderable)
            if waiting and renderable is not None and not app._batch_count:
                frames[waiting.pop()] = screen_cells(app)

        app._display = capturing_display
        original = view.action_next_section

        def next_section() -> None:
            key = SECTIONS[(view.query_one("#sections").highlighted + 1) % len(SECTIONS)][0]
            waiting.append(key)
            original()
            inside[key] = int(key in frames)
            switcher = view.query_one("#section-switcher")
            pending[key] = [str(w) for w in (switcher, *switcher.children) if w._layout_required]

        view.action_next_section = next_section
        for key, _ in [*SECTIONS[1:], SECTIONS[0]]:
            await pilot.press("ctrl+n")
            await settle(pilot)
            assert view.query_one("#section-switcher").current == key
            assert key in frames, f"{key}: no frame painted after the key"
    return frames, inside, pending


async def test_each_section_key_paints_at_once_the_frame_the_timer_would_paint(
        tui_home: Path, settle, monkeypatch: pytest.MonkeyPatch) -> None:
    at_once, inside, pending = await first_frames(settle)
    assert set(inside.values()) == {1}, inside  # every section's frame was painted inside its key's action
    # The layout requests of the switch itself are taken by that frame: no second layout redoes it later.
    assert not any(pending.values()), pending
    monkeypatch.setattr(orchestrate_screen, "paint_now", lambda view: False)  # the screen's timer paints
    by_timer, inside, pending = await first_frames(settle)
    assert set(inside.values()) == {0}, inside
    assert all(pending.values())  # (without it, each switch leaves the sections' requests for the timer)
    for key, _ in SECTIONS:
        assert at_once[key] == by_timer[key], f"{key}: the immediate frame differs from the timer's"
