"""The collector's full passes wait while operations stream and keys arrive, and come back afterwards."""

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


def test_full_passes_are_held_during_operations_and_given_back_at_a_quiet_moment(thresholds) -> None:
    policy, app = GcPolicy(), _App()
    policy.operation_started(app)
    policy.operation_started(app)  # two at once: one hold, one timer
    assert gc.get_threshold() == (thresholds[0], thresholds[1], HELD_THRESHOLD2)
    assert len(app.timers) == 1
    policy.operation_ended()
    policy.key_pressed()
    assert policy.collect_if_quiet() is False  # a key just came
    policy.last_key = time.monotonic() - IDLE_S - 0.1
    assert policy.collect_if_quiet() is True  # one operation still runs: still held
    assert gc.get_threshold()[2] == HELD_THRESHOLD2
    policy.operation_ended()
    assert gc.get_threshold()[2] == HELD_THRESHOLD2  # not given back under the last frames' keys
    assert policy.collect_if_quiet() is True
    assert gc.get_threshold() == thresholds and app.timers[0].stopped and not policy.held


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
    policy.key_pressed()
    assert policy.collect_if_quiet() is False
    policy.last_full = time.monotonic() - MAX_WAIT_S - 0.1  # typing through a long run
    assert policy.collect_if_quiet() is True
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
        assert app.gc_policy.collect_if_quiet() is True
        assert gc.get_threshold() == thresholds
