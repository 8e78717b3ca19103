"""A page key sent right behind the page switch reaches the page (tmux: alt+2 then ctrl+b, no pause between).

Both keys are queued before either is handled, as a terminal delivers them when typed fast. Before the fix
nothing had focus until the repaint after the switch, so ORCHESTRATE's ctrl+b (install) was dropped.
"""

from __future__ import annotations

from pathlib import Path

from textual import events
from textual.widgets import TabbedContent

from engine.events import OperationStarted
from tui.app import make_app
from tui.messages import EngineEventMessage


def _send_back_to_back(app, *keys: str) -> None:
    for key in keys:
        event = events.Key(key, None)
        event.set_sender(app)
        app._driver.send_message(event)


async def test_ctrl_b_right_after_alt_2_installs(tui_home: Path, settle) -> None:
    messages: list[object] = []
    app = make_app(test_mode=True)
    async with app.run_test(size=(120, 36), message_hook=messages.append) as pilot:
        await settle(pilot)
        await pilot.press("alt+1")
        await settle(pilot)
        tabs = app.query_one("#tabs", TabbedContent)
        assert tabs.active == "project"
        view = app.view("orchestrate")
        _send_back_to_back(app, "alt+2", "ctrl+b")
        started = []
        for _ in range(200):  # the real install starts; bounded wait
            await pilot.pause(0.05)
            started = [m.event for m in messages if isinstance(m, EngineEventMessage)
                       and isinstance(m.event, OperationStarted)]
            if started:
                break
        assert tabs.active == "orchestrate"
        assert [e.kind for e in started] == ["install"], "ctrl+b sent right after alt+2 did not reach ORCHESTRATE"
        assert app.focused is not None and view in app.focused.ancestors
        await settle(pilot)  # let the install finish: nothing is left running when the app closes


async def test_section_key_right_after_alt_2_then_tab_keeps_focus_moved(tui_home: Path, settle) -> None:
    """The page is focused on the switch itself, and a later repaint does not pull focus back."""
    app = make_app(test_mode=True)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("alt+1")
        await settle(pilot)
        view = app.view("orchestrate")
        sections = view.query_one("#sections")
        _send_back_to_back(app, "alt+2", "ctrl+n", "tab")
        await pilot.pause()
        await pilot.pause()
        assert sections.highlighted == 1, "ctrl+n sent right after alt+2 did not move to the next section"
        assert app.focused is not sections and view in app.focused.ancestors, "focus was pulled back to the list"


async def test_service_report_arriving_while_hidden_is_drawn_when_shown(tui_home: Path, settle) -> None:
    """A status answer for the hidden Service section changes nothing on screen until the section is shown."""
    from textual.widgets import Static

    from tui.orchestrate.service_panel import ServiceSection

    app = make_app(test_mode=True)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        view = app.view("orchestrate")
        section = view.query_one(ServiceSection)
        status = section.query_one("#service-status", Static)
        assert not section.display
        section._call("status", tag="service-poll")  # the real engine's answer: no service runs here
        await settle(pilot)
        assert section.report is not None and section.report.action == "status"
        assert str(status.content) == "", "the hidden section was redrawn"
        view.show_section("service")
        await settle(pilot)
        assert str(status.content).startswith("● "), str(status.content)


async def test_collector_is_back_on_after_the_first_frame(tui_home: Path, settle) -> None:
    """Startup holds garbage collection until the first frame; it must be on again afterwards."""
    import gc

    assert gc.isenabled()
    app = make_app(test_mode=True)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        assert gc.isenabled()
    assert gc.isenabled()
