"""What the kiosk's supervisor does when the game process ends: start it again, soon, unless it
keeps dying, in which case a child should not watch it flicker but see "please call your
therapist". Pure rules on the times it is given; the process handling is the supervisor's
(game/kiosk/supervisor.py).

A death is any exit but the therapist's quit. The first restart comes after
``first_delay_s``; each further death within ``window_s`` of the first doubles the delay, and
the ``max_deaths``-th death within the window shows the call-your-therapist screen instead.
Deaths older than the window are forgotten, so a game that ran fine for a while starts afresh.
With the defaults the third restart still comes within 5 s of a death.
"""

from __future__ import annotations

from dataclasses import dataclass, field

RESTART = "restart"
CALL_THERAPIST = "call_therapist"


@dataclass(frozen=True)
class Decision:
    kind: str  # RESTART or CALL_THERAPIST
    delay_s: float = 0.0  # wait this long before starting the game again


@dataclass
class RestartPolicy:
    first_delay_s: float = 0.5
    window_s: float = 120.0
    max_deaths: int = 4
    deaths_s: list[float] = field(default_factory=list)  # times of recent deaths

    def after_death(self, now_s: float) -> Decision:
        """The game died at ``now_s`` (any monotonic seconds): what to do."""
        self.deaths_s = [t for t in self.deaths_s if now_s - t < self.window_s]
        self.deaths_s.append(now_s)
        recent = len(self.deaths_s)
        if recent >= self.max_deaths:
            return Decision(CALL_THERAPIST)
        return Decision(RESTART, self.first_delay_s * 2 ** (recent - 1))

    def forget(self) -> None:
        """The therapist asked for another try: count from nothing again."""
        self.deaths_s.clear()
