"""The per-step time limit's watchdog thread: not woken for every step, still on time for a stuck one."""

from __future__ import annotations

import threading
import time

from mrt.verify.timeout import Deadline, _Watchdog


class _CountingCondition(threading.Condition):
    def __init__(self) -> None:
        super().__init__()
        self.notified = 0

    def notify(self, n: int = 1) -> None:
        self.notified += 1
        super().notify(n)


def test_steps_that_end_in_time_do_not_wake_the_watchdog_each() -> None:
    watchdog = _Watchdog()
    watchdog._cond = condition = _CountingCondition()
    cancelled: list[str] = []
    first = Deadline(60, None)
    watchdog.arm(60, lambda: cancelled.append("cancelled"), first)
    for _ in range(200):  # the first step runs until the thread sleeps until its limit
        if watchdog._wakes_at is not None:
            break
        time.sleep(0.01)
    watchdog.disarm(first)
    for _ in range(200):
        step = Deadline(60, None)
        watchdog.arm(60, lambda: cancelled.append("cancelled"), step)
        watchdog.disarm(step)
    assert condition.notified == 1  # the first step's, to start the thread's wait
    assert cancelled == []


def test_a_stuck_step_is_still_cancelled_on_time_after_quick_ones() -> None:
    watchdog = _Watchdog()
    fired = threading.Event()
    for _ in range(20):
        step = Deadline(60, None)
        watchdog.arm(60, fired.set, step)
        watchdog.disarm(step)
    stuck = Deadline(0.2, None)
    started = time.monotonic()
    watchdog.arm(0.2, fired.set, stuck)  # earlier than the thread's next look: it is woken at once
    assert fired.wait(5)
    assert time.monotonic() - started < 2
    assert stuck.expired
