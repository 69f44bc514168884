"""The one event every input backend produces, and the small interface a backend offers.

SDL events become taps inside the input pump; backends with their own stamps (evdev, MIDI)
read on their own threads and hand finished taps over through a `TapQueue`. The pump asks
each `TapSource` for its taps at every poll, so the game sees one stream of `Tap` records.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Tap:
    host_ns: int  # CLOCK_MONOTONIC ns when the tap happened (time.perf_counter_ns on Linux)
    channel: str  # a limb channel (engine/levels/limbs.py)
    stamp_source: str  # how host_ns was obtained: one of engine/store/records.py STAMP_*
    velocity: int | None = None  # how hard, 1-127, where the device says (MIDI)
    device: str = ""  # the device it came from, as its back-end names it (stored per tap)
    # When the input pump handed it to the game loop (host ns; 0 before that): seen_ns −
    # host_ns is the delay the stamp took out, whose spread the device screen shows.
    seen_ns: int = 0


class TapSource(Protocol):
    """A backend that stamps taps itself. ``drain_taps`` must not block and must not raise."""

    name: str

    def drain_taps(self, now_ns: int) -> list[Tap]: ...

    def close(self) -> None: ...


class TapQueue:
    """Taps handed from a reader thread to the frame loop, oldest first.

    Bounded so that a loop that stops draining (a paused game that forgot a source) cannot
    grow memory without end; the oldest taps go first and are counted in ``dropped``.
    """

    def __init__(self, capacity: int = 1024) -> None:
        self._taps: deque[Tap] = deque()
        self._capacity = capacity
        self._ready = threading.Condition()
        self.dropped = 0

    def put(self, tap: Tap) -> None:
        with self._ready:
            if len(self._taps) >= self._capacity:
                self._taps.popleft()
                self.dropped += 1
            self._taps.append(tap)
            self._ready.notify_all()

    def drain(self) -> list[Tap]:
        with self._ready:
            taps = list(self._taps)
            self._taps.clear()
        return taps

    def wait(self, timeout_s: float, count: int = 1) -> bool:
        """Block until ``count`` taps are waiting or ``timeout_s`` passes; True if they are."""
        with self._ready:
            return self._ready.wait_for(lambda: len(self._taps) >= count, timeout_s)
