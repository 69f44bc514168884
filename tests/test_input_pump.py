"""Input pump: SDL events become stamped taps (dummy video driver, real SDL event queue)."""

from __future__ import annotations

import pygame
import pytest

from engine.input.mapping import InputMapping, load_input_mapping
from engine.input.pump import (
    DEVICE_KEYBOARD,
    DEVICE_MOUSE,
    DEVICE_TOUCH,
    STAMP_WAIT_NS,
    InputPump,
)
from engine.input.stamps import PRESS_KEY, OsPress, PressMatcher
from engine.store.records import STAMP_POLLED
from game.harness import VirtualClock

MS = 1_000_000


@pytest.fixture
def sdl_events():
    pygame.display.init()
    pygame.display.set_mode((64, 64))
    pygame.event.clear()
    yield
    pygame.display.quit()


def key_event(kind: int, name: str) -> pygame.event.Event:
    return pygame.event.Event(kind, key=pygame.key.key_code(name), mod=0, scancode=0)


def test_default_mapping_matches_the_documented_keys() -> None:
    mapping = load_input_mapping()
    assert mapping.keys["f"] == "left_hand"
    assert mapping.keys["j"] == "right_hand"
    assert mapping.keys["space"] == "both_hands"
    assert mapping.mouse_buttons[1] == "both_hands"
    assert mapping.touch == "both_hands"


def test_polled_tap_is_stamped_mid_poll_interval(sdl_events) -> None:
    clock = VirtualClock()
    pump = InputPump(load_input_mapping(), clock)
    start_ns = clock.now_ns()
    clock.spend(4 * MS)
    pygame.event.post(key_event(pygame.KEYDOWN, "j"))
    pump.pump()
    [tap] = pump.drain_taps()
    assert tap.channel == "right_hand"
    assert tap.stamp_source == STAMP_POLLED
    assert tap.host_ns == start_ns + 2 * MS


def test_key_repeat_never_makes_a_tap(sdl_events) -> None:
    clock = VirtualClock()
    pump = InputPump(load_input_mapping(), clock)
    for kind in (pygame.KEYDOWN, pygame.KEYDOWN, pygame.KEYDOWN, pygame.KEYUP, pygame.KEYDOWN):
        pygame.event.post(key_event(kind, "f"))
        clock.spend(MS)
        pump.pump()
    assert [tap.channel for tap in pump.drain_taps()] == ["left_hand", "left_hand"]


def test_os_stamp_is_taken_even_when_it_arrives_after_the_sdl_event(sdl_events) -> None:
    clock = VirtualClock()
    matcher = PressMatcher("scripted", frozenset({PRESS_KEY}))
    pump = InputPump(load_input_mapping(), clock, matcher)
    pressed_ns = clock.now_ns() + 500_000
    clock.spend(MS)
    pygame.event.post(key_event(pygame.KEYDOWN, "space"))
    pump.pump()
    assert pump.drain_taps() == []  # waiting for the stamp source's thread
    matcher.push(OsPress(pressed_ns, PRESS_KEY, "space"))
    clock.spend(MS)
    pump.pump()
    [tap] = pump.drain_taps()
    assert (tap.host_ns, tap.stamp_source, tap.channel) == (pressed_ns, "scripted", "both_hands")
    # Handed on at the poll that found its stamp; SDL merges keyboards, so it names none.
    assert (tap.seen_ns, tap.device) == (clock.now_ns(), DEVICE_KEYBOARD)


def test_an_os_stamp_that_names_its_device_names_the_tap(sdl_events) -> None:
    clock = VirtualClock()
    matcher = PressMatcher("scripted", frozenset({PRESS_KEY}))
    pump = InputPump(load_input_mapping(), clock, matcher)
    matcher.push(OsPress(clock.now_ns(), PRESS_KEY, "d", device="PCsensor FootSwitch"))
    pygame.event.post(key_event(pygame.KEYDOWN, "d"))
    clock.spend(MS)
    pump.pump()
    [tap] = pump.drain_taps()
    assert (tap.channel, tap.device) == ("left_toe", "PCsensor FootSwitch")


def test_without_an_os_stamp_the_polled_time_is_used_after_a_short_wait(sdl_events) -> None:
    clock = VirtualClock()
    pump = InputPump(load_input_mapping(), clock, PressMatcher("scripted"))
    clock.spend(2 * MS)
    pygame.event.post(key_event(pygame.KEYDOWN, "j"))
    pump.pump()
    polled_ns = clock.now_ns() - MS
    clock.spend(STAMP_WAIT_NS + MS)
    pump.pump()
    [tap] = pump.drain_taps()
    assert (tap.host_ns, tap.stamp_source) == (polled_ns, STAMP_POLLED)
    assert tap.seen_ns == clock.now_ns()  # it waited for a stamp that never came


def test_mouse_touch_and_unmapped_keys(sdl_events) -> None:
    clock = VirtualClock()
    mapping = InputMapping(
        keys={"a": "left_toe"}, mouse_buttons={3: "right_heel"}, touch="left_hand"
    )
    pump = InputPump(mapping, clock)
    pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONDOWN, button=3, pos=(5, 5), touch=False))
    pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONDOWN, button=1, pos=(5, 5), touch=False))
    pygame.event.post(pygame.event.Event(pygame.FINGERDOWN, x=0.5, y=0.5, finger_id=1, touch_id=1))
    pygame.event.post(key_event(pygame.KEYDOWN, "q"))
    clock.spend(MS)
    pump.pump()
    taps = pump.drain_taps()
    assert [(tap.channel, tap.device) for tap in taps] == [
        ("right_heel", DEVICE_MOUSE),
        ("left_hand", DEVICE_TOUCH),
    ]
    assert [tap.seen_ns - tap.host_ns for tap in taps] == [MS // 2, MS // 2]  # mid-poll
    kinds = [event.kind for event in pump.drain_ui()]
    assert kinds == ["pointer", "pointer", "pointer", "key"]  # a touch also points
