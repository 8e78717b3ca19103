"""The footer updates key by key, and always shows what Textual's own Footer would show."""

from __future__ import annotations

import asyncio
from pathlib import Path

from textual.widgets._footer import FooterKey
from tui_helpers import new_app

from engine.operation import Operation
from tui.widgets.steady_footer import SteadyFooter


def footer_keys(app) -> list[tuple]:
    footer = app.query_one(SteadyFooter)
    return [(k.key, k.key_display, k.description, k.action, k._disabled, k.has_class("-disabled"),
             k.has_class("-command-palette"), str(k.tooltip or "")) for k in footer.query(FooterKey) if k.display]


async def rebuilt_keys(app, pilot) -> list[tuple]:
    """The keys after Textual's full rebuild of the footer (what ``Footer`` shows)."""
    from textual._context import active_message_pump

    footer = app.query_one(SteadyFooter)
    token = active_message_pump.set(footer)  # as when the footer itself runs it
    try:
        await footer.recompose()
    finally:
        active_message_pump.reset(token)
    await pilot.pause()
    return footer_keys(app)


async def test_footer_follows_an_operation_and_focus_like_textuals(tui_home: Path, settle) -> None:
    app = new_app()
    release = asyncio.Event()

    async def body(ctx) -> dict:
        await release.wait()
        return {}

    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        view = app.view("orchestrate")
        footer = app.query_one(SteadyFooter)
        idle = footer_keys(app)
        run_key = next(k for k in footer.query(FooterKey) if k.action == "run")
        assert not run_key._disabled

        view.start_operation(lambda: Operation("run", "footer-test", body))
        await pilot.pause(0.2)
        running = footer_keys(app)
        assert running != idle
        assert [k for k in running if k[3] == "run"][0][4] is True  # Run greyed out while running
        assert any(k[3] == "cancel" for k in running) and not any(k[3] == "cancel" for k in idle)
        # Updated in place: the Run key is the same widget, only greyed.
        assert next(k for k in footer.query(FooterKey) if k.action == "run") is run_key
        assert running == await rebuilt_keys(app, pilot)

        release.set()
        await settle(pilot)
        await pilot.pause(0.2)
        after = footer_keys(app)
        assert after == idle
        assert after == await rebuilt_keys(app, pilot)

        # Focus moving to each page in turn, and to ORCHESTRATE's controls, changes the keys on show.
        seen = set()
        for key in ("alt+1", "alt+3", "alt+4", "alt+2", "tab", "tab", "tab"):
            await pilot.press(key)
            await settle(pilot)
            keys = footer_keys(app)
            seen.add(tuple(keys))
            assert keys == await rebuilt_keys(app, pilot), app.focused
        assert len(seen) > 1
