"""The collector's full passes wait while operations stream and keys arrive, and come back afterwards."""

from __future__ import annotations

import gc
import time

import pytest

from tui.gc_policy import HELD_THRESHOLD2, IDLE_S, GcPolicy


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
