"""Pairing OS-stamped presses with the SDL events that say which key, in our window.

SDL stamps events when they are pumped, which is late by up to a poll interval (or a whole
draw phase). Some backends know better: the X server stamps every input event itself in
CLOCK_MONOTONIC milliseconds. Such a backend pushes `OsPress` records here from its own
thread; the input pump, on seeing an SDL press, takes the matching record's time instead of
its polled time. Presses that no SDL event claims (another window, a key repeat) age out.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass

PRESS_KEY = "key"
PRESS_BUTTON = "button"
PRESS_TOUCH = "touch"
PRESS_PAD = "pad"  # gamepad buttons: no OS stamp source yet

# An OS stamp older than this when SDL reports the press belongs to something else.
MAX_PRESS_AGE_NS = 250_000_000
# OS stamps can be a little *after* our polled stamp (ms rounding, clock reads on two threads).
FUTURE_SLACK_NS = 2_000_000


@dataclass(frozen=True)
class OsPress:
    host_ns: int  # CLOCK_MONOTONIC ns, as time.perf_counter_ns() on Linux
    kind: str  # PRESS_KEY | PRESS_BUTTON | PRESS_TOUCH
    code: str  # pygame.key.name() for keys ("f", "space"), button number as text, "" for touch
    device: str = ""  # the device that sent it, where the source can tell ("" if not)


class PressMatcher:
    """Thread-safe queue of OS-stamped presses, claimed by SDL events in arrival order."""

    def __init__(
        self,
        source_name: str,
        kinds: frozenset[str] = frozenset({PRESS_KEY, PRESS_BUTTON, PRESS_TOUCH}),
        capacity: int = 256,
    ) -> None:
        self.source_name = source_name
        self.kinds = kinds  # the kinds of press this source stamps; others are polled
        self._presses: deque[OsPress] = deque(maxlen=capacity)
        self._lock = threading.Lock()

    def push(self, press: OsPress) -> None:
        with self._lock:
            self._presses.append(press)

    def claim(self, kind: str, code: str, seen_ns: int) -> OsPress | None:
        """The oldest unclaimed press of this kind and code, or None.

        ``seen_ns`` is the poll that returned the SDL event; presses far older than that are
        dropped, presses after it (beyond a small slack) belong to a later event.
        """
        oldest_ns = seen_ns - MAX_PRESS_AGE_NS
        newest_ns = seen_ns + FUTURE_SLACK_NS
        with self._lock:
            while self._presses and self._presses[0].host_ns < oldest_ns:
                self._presses.popleft()
            for position, press in enumerate(self._presses):
                if press.host_ns > newest_ns:
                    return None
                if press.kind == kind and press.code == code:
                    del self._presses[position]
                    return press
        return None
