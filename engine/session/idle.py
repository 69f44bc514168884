"""When a kiosk with nobody at it should pause, and when it should give up and wait for the
next child: a watch of the last input, on the clock it is given."""

from __future__ import annotations

from dataclasses import dataclass

NS_PER_S = 1_000_000_000

ACTIVE = "active"
PAUSE = "pause"  # a level in play pauses
ATTRACT = "attract"  # the session is saved (incomplete) and the attract screen shows


@dataclass
class IdleWatch:
    pause_s: float
    attract_s: float
    last_input_ns: int

    def input_seen(self, now_ns: int) -> None:
        self.last_input_ns = now_ns

    def idle_s(self, now_ns: int) -> float:
        return max(0.0, (now_ns - self.last_input_ns) / NS_PER_S)

    def state(self, now_ns: int) -> str:
        idle_s = self.idle_s(now_ns)
        if idle_s >= self.attract_s:
            return ATTRACT
        if idle_s >= self.pause_s:
            return PAUSE
        return ACTIVE
