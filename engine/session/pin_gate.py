"""The kiosk's PIN pad as rules, on a clock it is given: who gets past, and when the pad waits.

Five wrong PINs in a row lock the pad for 2 minutes; each further lockout (without a right
PIN in between) lasts twice as long as the one before. While locked, no PIN is checked at
all, right or wrong. Once open, the gate closes again by hand or after ``idle_lock_s``
without activity. The count of wrong PINs and of lockouts is the gate's ``GateState``, which
the kiosk keeps in the store so that restarting the computer does not wipe it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

NS_PER_S = 1_000_000_000
FAILURES_BEFORE_LOCKOUT = 5
FIRST_LOCKOUT_S = 120.0
MAX_LOCKOUT_S = 24 * 3600.0  # doubling stops at a day: a lockout must end some time

UNLOCKED = "unlocked"  # the right PIN
WRONG = "wrong"  # a wrong PIN, not yet the fifth in a row
LOCKED_OUT = "locked_out"  # the wrong PIN that locked the pad
WAIT = "wait"  # the pad is locked out; the PIN was not even checked


@dataclass(frozen=True)
class Attempt:
    outcome: str  # UNLOCKED, WRONG, LOCKED_OUT or WAIT
    failures_in_row: int  # wrong PINs since the last right one or lockout
    wait_s: float = 0.0  # for LOCKED_OUT and WAIT: seconds until the pad takes a PIN again


@dataclass(frozen=True)
class GateState:
    """What survives a restart: wrong PINs in a row, lockouts in a row, time left locked."""

    failures_in_row: int = 0
    lockouts_in_row: int = 0
    locked_for_s: float = 0.0


def lockout_s(lockout_number: int) -> float:
    """How long the ``lockout_number``-th lockout in a row lasts (1 -> 2 min, 2 -> 4, ...)."""
    return min(FIRST_LOCKOUT_S * 2 ** (lockout_number - 1), MAX_LOCKOUT_S)


class PinGate:
    """Checks PINs with ``check`` (slow: it verifies the stored hash), keeps count of wrong
    ones and of lockouts, and knows whether the therapist screens are open."""

    def __init__(
        self,
        check: Callable[[str], bool],
        idle_lock_s: float,
        now_ns: int,
        state: GateState = GateState(),
    ) -> None:
        self._check = check
        self.idle_lock_ns = int(idle_lock_s * NS_PER_S)
        self.failures_in_row = state.failures_in_row
        self.lockouts_in_row = state.lockouts_in_row
        self._locked_until_ns = now_ns + int(state.locked_for_s * NS_PER_S)
        self.is_open = False
        self._last_activity_ns = now_ns

    def state(self, now_ns: int) -> GateState:
        return GateState(self.failures_in_row, self.lockouts_in_row, self.wait_s(now_ns))

    def wait_s(self, now_ns: int) -> float:
        """Seconds until the pad takes a PIN again; 0 when it takes one now."""
        return max(0.0, (self._locked_until_ns - now_ns) / NS_PER_S)

    def submit(self, pin: str, now_ns: int) -> Attempt:
        wait_s = self.wait_s(now_ns)
        if wait_s > 0:
            return Attempt(WAIT, self.failures_in_row, wait_s)
        if self._check(pin):
            self.failures_in_row = self.lockouts_in_row = 0
            self.is_open = True
            self._last_activity_ns = now_ns
            return Attempt(UNLOCKED, 0)
        self.failures_in_row += 1
        if self.failures_in_row < FAILURES_BEFORE_LOCKOUT:
            return Attempt(WRONG, self.failures_in_row)
        failures = self.failures_in_row
        self.failures_in_row = 0
        self.lockouts_in_row += 1
        length_s = lockout_s(self.lockouts_in_row)
        self._locked_until_ns = now_ns + int(length_s * NS_PER_S)
        return Attempt(LOCKED_OUT, failures, length_s)

    def activity(self, now_ns: int) -> None:
        """The therapist did something: the idle lock starts counting again."""
        self._last_activity_ns = now_ns

    def close(self) -> None:
        self.is_open = False

    def close_if_idle(self, now_ns: int) -> bool:
        """Close the open gate when it has been idle ``idle_lock_s``; whether it closed now."""
        if self.is_open and now_ns - self._last_activity_ns >= self.idle_lock_ns:
            self.is_open = False
            return True
        return False
