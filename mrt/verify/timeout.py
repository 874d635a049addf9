"""Per-step time limits that really stop a migration.

A thread that keeps running after its deadline (pytest-mrt's approach) does not bound wall time: the
next step waits for it. Here a step is interrupted where it runs:

* a SIGALRM timer raises `StepTimeout` inside the migration (main thread on POSIX): this stops Python
  code, `time.sleep` and drivers waiting on a socket;
* a watchdog thread cancels the statement on the server side at the same moment (PostgreSQL cancel
  request, MySQL `KILL QUERY`, SQLite `interrupt()`), which stops work blocked inside C code;
* on PostgreSQL, `statement_timeout` and `lock_timeout` are also set for the step's session.

Whatever was previously scheduled on SIGALRM (pytest-timeout, for one) is restored afterwards.
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from mrt.verify.errors import StepTimeout


class _Watchdog:
    """One long-lived thread for every step's server-side cancel (starting a thread per step costs
    about a millisecond, which adds up over thousands of steps).

    A step ends long before its limit, so the thread is not woken for every step: it sleeps until the
    earliest limit it was told of and, woken, looks at the limit of the step running then (if any).
    Only a limit earlier than that wake-up wakes it at once. Waking it twice a step cost more than the
    rest of arming and disarming, and on a busy machine each wake-up also waits for a turn on a CPU."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._job: tuple[float, Callable[[], None], Deadline] | None = None
        self._wakes_at: float | None = None  # when the sleeping thread looks again; None: only when woken
        self._thread: threading.Thread | None = None

    def arm(self, seconds: float, cancel: Callable[[], None], owner: Deadline) -> None:
        with self._cond:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, name="mrt-watchdog", daemon=True)
                self._thread.start()
            due = time.monotonic() + seconds
            self._job = (due, cancel, owner)
            if self._wakes_at is None or due < self._wakes_at:
                self._cond.notify()

    def disarm(self, owner: Deadline) -> None:
        with self._cond:
            if self._job is not None and self._job[2] is owner:
                self._job = None  # found gone when the thread next looks

    def _loop(self) -> None:
        while True:
            with self._cond:
                while self._job is None:
                    self._wakes_at = None
                    self._cond.wait()
                due, cancel, owner = self._job
                remaining = due - time.monotonic()
                if remaining > 0:
                    self._wakes_at = due
                    self._cond.wait(remaining)
                    continue
                self._job = None
            owner._on_watchdog(cancel)


_WATCHDOG = _Watchdog()
_GRACE = 0.5


class Deadline:
    """One armed time limit; `expired` tells a caller whether an error came from the limit."""

    def __init__(self, seconds: float | None, cancel: Callable[[], None] | None) -> None:
        self.seconds = seconds
        self._cancel = cancel
        self._old_handler: Any = None
        self._old_timer: tuple[float, float] = (0.0, 0.0)
        self._started = 0.0
        self._uses_signal = False
        self.expired = False

    def arm(self) -> None:
        if not self.seconds:
            return
        self._started = time.monotonic()
        if hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread():
            self._old_handler = signal.signal(signal.SIGALRM, self._on_alarm)
            self._old_timer = signal.setitimer(signal.ITIMER_REAL, self.seconds)
            self._uses_signal = True
        if self._cancel is not None:
            # With the signal armed, the server-side cancel is only the fallback for a step stuck in C
            # code: sent a little later, so that it never races a step the signal already stopped.
            _WATCHDOG.arm(self.seconds + (_GRACE if self._uses_signal else 0.0), self._cancel, self)

    def disarm(self) -> None:
        _WATCHDOG.disarm(self)
        if self._uses_signal:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self._old_handler)
            remaining, interval = self._old_timer
            if remaining:  # someone else's alarm was pending: give back what is left of it
                left = max(remaining - (time.monotonic() - self._started), 0.001)
                signal.setitimer(signal.ITIMER_REAL, left, interval)
            self._uses_signal = False

    def _on_alarm(self, signum: int, frame: Any) -> None:
        self.expired = True
        raise StepTimeout(f"timed out after {self.seconds:g}s")

    def _on_watchdog(self, cancel: Callable[[], None]) -> None:
        self.expired = True
        with contextlib.suppress(Exception):  # the connection may be gone; the signal path still applies
            cancel()


@contextmanager
def deadline(seconds: float | None, cancel: Callable[[], None] | None = None) -> Iterator[Deadline]:
    """Run the body under a time limit (no limit when `seconds` is falsy)."""
    limit = Deadline(seconds, cancel)
    limit.arm()
    try:
        yield limit
    finally:
        limit.disarm()
