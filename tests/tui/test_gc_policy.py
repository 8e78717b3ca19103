"""The collector's full passes wait while operations stream or keys arrive, and come back afterwards."""

from __future__ import annotations

import gc
import time

import pytest

from tui.gc_policy import HELD_THRESHOLD2, IDLE_S, MAX_WAIT_S, GcPolicy


class _Timer:
    def __init__(self) -> None:
        self.stopped = False

    def stop(self) -> None:
        self.stopped = True


class _App:
    """Only the timer API the policy uses; the policy's own logic runs for real."""

    def __init__(self) -> None:
        self.timers: list[_Timer] = []

    def set_interval(self, interval: float, callback: object, name: str = "") -> _Timer:
        self.timers.append(_Timer())
        return self.timers[-1]


@pytest.fixture
def thresholds():
    saved = gc.get_threshold()
    yield saved
    gc.set_threshold(*saved)


def make_pass_due(threshold2: int) -> None:
    """Run as many generation-1 passes as Python's own threshold asks for before a full one."""
    for _ in range(threshold2):
        gc.collect(1)


def test_full_passes_are_held_during_operations_and_given_back_at_a_quiet_moment(thresholds) -> None:
    policy, app = GcPolicy(), _App()
    policy.operation_started(app)
    policy.operation_started(app)  # two at once: one hold, one timer
    assert gc.get_threshold() == (thresholds[0], thresholds[1], HELD_THRESHOLD2)
    assert len(app.timers) == 1
    policy.operation_ended()
    make_pass_due(thresholds[2])
    policy.key_pressed()
    assert policy.collect_if_quiet() is False  # a key just came
    policy.last_key = time.monotonic() - IDLE_S - 0.1
    assert policy.pass_due()
    assert policy.collect_if_quiet() is True  # one operation still runs: still held
    assert not policy.pass_due()  # the pass that was due ran
    assert gc.get_threshold()[2] == HELD_THRESHOLD2
    policy.operation_ended()
    assert gc.get_threshold()[2] == HELD_THRESHOLD2  # not given back under the last frames' keys
    assert policy.collect_if_quiet() is False  # quiet, but no pass was due: none is done...
    assert gc.get_threshold() == thresholds and app.timers[0].stopped and not policy.held  # ...and the hold ends


def test_a_key_holds_full_passes_until_a_quiet_moment(thresholds) -> None:
    """Section after section with no run: the full pass that falls due waits for the keys to stop."""
    policy, app = GcPolicy(), _App()
    policy.key_pressed(app)
    policy.key_pressed(app)  # a burst of keys: one hold, one timer
    assert gc.get_threshold() == (thresholds[0], thresholds[1], HELD_THRESHOLD2)
    assert len(app.timers) == 1
    make_pass_due(thresholds[2])
    assert policy.collect_if_quiet() is False  # keys still coming
    assert policy.held
    policy.last_key = time.monotonic() - IDLE_S - 0.1
    assert policy.collect_if_quiet() is True
    assert gc.get_threshold() == thresholds and not policy.held
    policy.key_pressed()  # without the app (tests, the exit path) a key only records the time
    assert not policy.held


def test_release_gives_the_thresholds_back_when_the_app_exits_mid_run(thresholds) -> None:
    policy = GcPolicy()
    policy.operation_started(_App())
    policy.release()
    assert gc.get_threshold() == thresholds
    policy.release()  # twice is harmless
    assert gc.get_threshold() == thresholds


def test_a_held_pass_waits_for_a_quiet_moment_at_most_max_wait(thresholds) -> None:
    policy = GcPolicy()
    policy.operation_started(_App())
    make_pass_due(thresholds[2])
    policy.key_pressed()
    assert policy.collect_if_quiet() is False
    policy.last_full = time.monotonic() - MAX_WAIT_S - 0.1  # typing through a long run
    assert policy.collect_if_quiet() is True
    make_pass_due(thresholds[2])
    policy.key_pressed()  # the full pass above can take over IDLE_S in a big test process
    assert policy.collect_if_quiet() is False  # and then it waits again
    policy.release()


async def test_the_app_holds_full_passes_while_an_operation_streams(tui_home, thresholds) -> None:
    """Wired into the real app: a real operation (a child printing lines) holds; the quiet pass gives back."""
    import sys

    from engine.operation import Operation, OperationContext
    from engine.proc import ChildProcess
    from tui.app import make_app

    async def body(ctx: OperationContext) -> dict[str, object]:
        child = ChildProcess([sys.executable, "-c", "for i in range(2000): print('line', i)"])
        await child.start()
        await child.stream(ctx.sink)
        return {}

    app = make_app(test_mode=True)
    async with app.run_test(size=(120, 36)) as pilot:
        for _ in range(3):
            await app.workers.wait_for_complete()
            await pilot.pause()
        view = app.view("orchestrate")
        assert gc.get_threshold() == thresholds
        view.start_operation(lambda: Operation("run", "gc-test", body))
        await pilot.pause()
        assert gc.get_threshold()[2] == HELD_THRESHOLD2
        while view.current is not None:
            await pilot.pause(0.05)
        assert gc.get_threshold()[2] == HELD_THRESHOLD2  # still held until a quiet moment
        app.gc_policy.last_key = time.monotonic() - IDLE_S - 0.1
        make_pass_due(thresholds[2])
        assert app.gc_policy.collect_if_quiet() is True
        assert gc.get_threshold() == thresholds


async def test_the_app_holds_full_passes_from_a_key_until_a_quiet_moment(tui_home, thresholds) -> None:
    """Wired into the real app: a section key with no operation running holds; the quiet check gives back."""
    from tui.app import make_app

    app = make_app(test_mode=True)
    async with app.run_test(size=(120, 36)) as pilot:
        for _ in range(3):
            await app.workers.wait_for_complete()
            await pilot.pause()
        assert gc.get_threshold() == thresholds
        await pilot.press("ctrl+n")
        assert gc.get_threshold()[2] == HELD_THRESHOLD2
        assert app.view("orchestrate").query_one("#section-switcher").current == "hosts"
        app.gc_policy.last_key = time.monotonic() - IDLE_S - 0.1
        make_pass_due(thresholds[2])
        assert app.gc_policy.collect_if_quiet() is True
        assert gc.get_threshold() == thresholds
