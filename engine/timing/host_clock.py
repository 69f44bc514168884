"""Host time for the frame loop: the real monotonic clock with precise sleeps.

The harness swaps in a virtual clock with the same two methods, so the loop can be driven
in tests without waiting and without wall-clock assertions.
"""

from __future__ import annotations

import sys
import time
from typing import Protocol


class HostClock(Protocol):
    def now_ns(self) -> int: ...

    def sleep_until_ns(self, deadline_ns: int) -> None: ...


class RealClock:
    """CLOCK_MONOTONIC (perf_counter_ns on Linux). Sleeps are clock_nanosleep-precise (~0.1 ms)."""

    def __init__(self) -> None:
        # The audio callback needs the GIL within about a millisecond of asking for it.
        sys.setswitchinterval(0.001)

    def now_ns(self) -> int:
        return time.perf_counter_ns()

    def sleep_until_ns(self, deadline_ns: int) -> None:
        remaining_ns = deadline_ns - time.perf_counter_ns()
        if remaining_ns > 0:
            time.sleep(remaining_ns / 1e9)
