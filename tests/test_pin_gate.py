"""The PIN pad's rules on a clock the test moves: five wrong PINs lock it out, each further
lockout twice as long, a right PIN opens it, idle minutes close it, a restart forgets nothing;
and the supervisor's restart rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from engine.session.idle import ACTIVE, ATTRACT, PAUSE, IdleWatch
from engine.session.pin_gate import (
    LOCKED_OUT,
    UNLOCKED,
    WAIT,
    WRONG,
    GateState,
    PinGate,
    lockout_s,
)
from engine.session.station_pin import (
    hash_pin,
    load_gate_state,
    pin_matches,
    pin_problem,
    save_gate_state,
)
from engine.session.supervision import CALL_THERAPIST, RESTART, RestartPolicy
from engine.store.opening import open_store

S = 1_000_000_000
START_NS = 1_000 * S
RIGHT = "2468"


class CountingCheck:
    """The right PIN is RIGHT; counts how often a PIN was checked at all."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, pin: str) -> bool:
        self.calls += 1
        return pin == RIGHT


def gate(
    idle_lock_s: float = 180.0, state: GateState | None = None
) -> tuple[PinGate, CountingCheck]:
    check = CountingCheck()
    return PinGate(check, idle_lock_s, START_NS, state or GateState()), check


def test_five_wrong_pins_lock_the_pad_for_two_minutes_and_it_checks_nothing_meanwhile() -> None:
    pad, check = gate()
    outcomes = [pad.submit("0000", START_NS + i * S) for i in range(5)]
    assert [a.outcome for a in outcomes] == [WRONG] * 4 + [LOCKED_OUT]
    assert [a.failures_in_row for a in outcomes] == [1, 2, 3, 4, 5]
    assert outcomes[-1].wait_s == 120.0
    locked_at = START_NS + 4 * S
    calls = check.calls
    during = pad.submit(RIGHT, locked_at + 119 * S)
    assert (during.outcome, during.wait_s) == (WAIT, 1.0)
    assert check.calls == calls and not pad.is_open
    assert pad.submit(RIGHT, locked_at + 120 * S).outcome == UNLOCKED
    assert pad.is_open


def test_each_further_lockout_lasts_twice_as_long_until_a_right_pin() -> None:
    pad, _ = gate()
    now = START_NS
    lengths = []
    for _ in range(3):
        for _ in range(5):
            attempt = pad.submit("1111", now)
        lengths.append(attempt.wait_s)
        now += int(attempt.wait_s * S)
    assert lengths == [120.0, 240.0, 480.0]
    assert pad.submit(RIGHT, now).outcome == UNLOCKED
    for _ in range(5):
        attempt = pad.submit("1111", now)
    assert attempt.wait_s == 120.0  # the right PIN started the count again
    assert lockout_s(30) == 24 * 3600.0  # and no lockout lasts more than a day


def test_a_right_pin_between_wrong_ones_resets_the_count() -> None:
    pad, _ = gate()
    for i in range(4):
        pad.submit("9", START_NS + i)
    assert pad.submit(RIGHT, START_NS + 5).outcome == UNLOCKED
    pad.close()
    assert pad.submit("9", START_NS + 6).failures_in_row == 1


def test_the_open_gate_closes_after_idle_minutes_and_activity_keeps_it_open() -> None:
    pad, _ = gate(idle_lock_s=180)
    pad.submit(RIGHT, START_NS)
    assert not pad.close_if_idle(START_NS + 179 * S)
    pad.activity(START_NS + 170 * S)
    assert not pad.close_if_idle(START_NS + 349 * S) and pad.is_open
    assert pad.close_if_idle(START_NS + 350 * S)
    assert not pad.is_open and not pad.close_if_idle(START_NS + 351 * S)


def _saved_and_restored(tmp_path: Path, state: GateState, seconds_later: float) -> GateState:
    wall = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    store = open_store(tmp_path)
    save_gate_state(store, state, wall)
    store.close()
    store = open_store(tmp_path)
    try:
        return load_gate_state(store, wall + timedelta(seconds=seconds_later))
    finally:
        store.close()


def test_a_lockout_survives_a_restart_through_the_store(tmp_path: Path) -> None:
    pad, _ = gate()
    for i in range(5):
        pad.submit("0", START_NS + i)
    after_first = START_NS + 121 * S
    for i in range(5):
        pad.submit("0", after_first + i)  # the second lockout: 240 s
    restored = _saved_and_restored(tmp_path, pad.state(after_first + 40 * S), 50)
    assert restored == GateState(failures_in_row=0, lockouts_in_row=2, locked_for_s=150.0)
    again, check = gate(state=restored)
    assert again.submit(RIGHT, START_NS + 149 * S).outcome == WAIT
    assert check.calls == 0
    for i in range(5):
        attempt = again.submit("0", START_NS + 150 * S + i)
    assert (attempt.outcome, attempt.wait_s) == (LOCKED_OUT, 480.0)


def test_wrong_pins_in_a_row_survive_a_restart(tmp_path: Path) -> None:
    pad, _ = gate()
    for i in range(3):
        pad.submit("0", START_NS + i)
    restored = _saved_and_restored(tmp_path, pad.state(START_NS + S), 5)
    assert restored == GateState(failures_in_row=3, lockouts_in_row=0, locked_for_s=0.0)
    again, _ = gate(state=restored)
    assert again.submit("0", START_NS).outcome == WRONG
    assert again.submit("0", START_NS + 1).outcome == LOCKED_OUT


def test_pins_are_4_to_8_digits_and_only_the_hash_is_kept() -> None:
    assert pin_problem("1234") is None and pin_problem("12345678") is None
    assert "digits only" in pin_problem("12 4")
    assert "digits only" in pin_problem("١٢٣٤")  # Arabic-Indic digits are not on the pad
    assert "4 to 8" in pin_problem("123")
    pin_hash = hash_pin("5555")
    assert pin_hash.startswith("$argon2id$") and "5555" not in pin_hash
    assert pin_hash != hash_pin("5555")  # a fresh salt each time
    assert pin_matches(pin_hash, "5555") and not pin_matches(pin_hash, "55555")
    assert not pin_matches("not a hash", "5555")
    with pytest.raises(ValueError):
        hash_pin("12")


def test_idle_pauses_then_gives_way_to_the_attract_screen() -> None:
    watch = IdleWatch(pause_s=30, attract_s=120, last_input_ns=START_NS)
    assert watch.state(START_NS + 29 * S) == ACTIVE
    assert watch.state(START_NS + 30 * S) == PAUSE
    assert watch.state(START_NS + 120 * S) == ATTRACT
    watch.input_seen(START_NS + 120 * S)
    assert watch.state(START_NS + 121 * S) == ACTIVE


def test_the_supervisor_restarts_soon_backs_off_then_calls_the_therapist() -> None:
    policy = RestartPolicy(first_delay_s=0.5, window_s=120, max_deaths=4)
    decisions = [policy.after_death(t) for t in (10.0, 11.0, 13.0, 17.0)]
    assert [(d.kind, d.delay_s) for d in decisions] == [
        (RESTART, 0.5),
        (RESTART, 1.0),
        (RESTART, 2.0),
        (CALL_THERAPIST, 0.0),
    ]
    assert all(d.delay_s < 5 for d in decisions)
    # Deaths long ago are forgotten; so are all of them when the therapist says try again.
    assert policy.after_death(500.0) == decisions[0]
    policy.after_death(501.0)
    policy.forget()
    assert policy.after_death(502.0).delay_s == 0.5
