"""ORCHESTRATE's section list and switcher: a highlight move repaints two rows, never leaves a stale one,
and keys that outrun their messages end on the section last asked for."""

from __future__ import annotations

from pathlib import Path

from tui_helpers import new_app

from tui.orchestrate.sections import SECTIONS


def list_cells(app, widget) -> list[list[tuple[str, object]]]:
    """The section list as the compositor paints it from the widgets' caches."""
    region = widget.region
    strips = app.screen._compositor.render_strips()[region.y:region.bottom]
    return [[(s.text, s.style) for s in strip.crop(region.x, region.right)] for strip in strips]


async def test_a_highlight_move_repaints_its_two_rows_and_leaves_none_stale(tui_home: Path, settle) -> None:
    app = new_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        view = app.view("orchestrate")
        sections = view.query_one("#sections")
        await settle(pilot)
        for key in ("ctrl+n", "ctrl+n", "ctrl+n", "ctrl+o"):
            before = sections.highlighted
            await pilot.press(key)
            assert sections.highlighted != before
            await settle(pilot)
        assert view.query_one("#section-switcher").current == SECTIONS[2][0]
        painted = list_cells(app, sections)
        sections.highlighted = 3
        assert sections._styles_cache._dirty_lines == {3 + 1, 2 + 1}  # rows 2 and 3, below the top border
        await settle(pilot)
        moved = list_cells(app, sections)
        sections.refresh()  # everything drawn again from scratch
        await settle(pilot)
        assert list_cells(app, sections) == moved
        # Rows 2 and 3 (lines 3 and 4) swapped their highlight; the other rows are as they were.
        assert painted[3] != moved[3] and painted[4] != moved[4]
        assert painted[:3] == moved[:3] and painted[5:] == moved[5:]


async def test_keys_faster_than_their_messages_end_on_the_last_section(tui_home: Path, settle) -> None:
    app = new_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        view = app.view("orchestrate")
        switches: list[str] = []
        show_section = view.show_section

        def counted(key: str) -> None:
            switches.append(key)
            show_section(key)

        view.show_section = counted
        for _ in range(4):  # as four keys handled before any of the OptionHighlighted messages they post
            view.action_next_section()
        await settle(pilot)
        await pilot.pause(0.3)
        settled = len(switches)
        await pilot.pause(0.3)
        # Stale highlight events used to bounce the highlight between the sections for ever.
        assert len(switches) == settled <= 8, switches[:12]
        assert view.query_one("#sections").highlighted == 4
        assert view.query_one("#section-switcher").current == SECTIONS[4][0]
