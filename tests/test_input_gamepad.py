"""Gamepads through SDL: buttons and triggers as taps, devices plugged in and pulled out while
the pump runs. The devices are SDL virtual joysticks (tests/virtual_gamepad.py)."""

from __future__ import annotations

import pygame
import pytest

from engine.input.gamepad import init_gamepads, quit_gamepads
from engine.input.mapping import load_input_mapping
from engine.input.pump import InputPump
from engine.store.records import STAMP_POLLED
from game.harness import VirtualClock
from tests.virtual_gamepad import (
    AXIS_MAX,
    AXIS_MIN,
    LEFT_TRIGGER_AXIS,
    RIGHT_TRIGGER_AXIS,
    VirtualGamepad,
)

MS = 1_000_000


@pytest.fixture
def sdl_pads():
    pygame.display.init()
    pygame.display.set_mode((64, 64))
    init_gamepads()
    pygame.event.clear()
    yield
    quit_gamepads()
    pygame.display.quit()


def _poll(pump: InputPump, clock: VirtualClock) -> None:
    clock.spend(MS)
    pump.pump()


def test_a_pad_plugged_in_is_opened_and_its_buttons_are_polled_taps(sdl_pads) -> None:
    clock = VirtualClock()
    mapping = load_input_mapping()
    pump = InputPump(mapping, clock)
    pad = VirtualGamepad()
    _poll(pump, clock)
    [info] = pump.gamepads.pads()
    assert info.is_controller and info.instance_id == pad.instance_id
    # Screens that list devices hear of it (the device screen looks again).
    assert [event.kind for event in pump.drain_ui()] == ["device"]
    before_ns = clock.now_ns()
    pad.set_button(2, True)
    _poll(pump, clock)
    pad.set_button(2, False)
    _poll(pump, clock)
    [tap] = pump.drain_taps()
    assert tap.channel == mapping.gamepad_buttons[2]
    assert tap.stamp_source == STAMP_POLLED
    assert tap.device == info.name
    assert before_ns <= tap.host_ns <= clock.now_ns()
    assert any(event.kind == "button" and event.key == "2" for event in pump.drain_ui())
    pad.unplug()
    _poll(pump, clock)
    assert pump.gamepads.pads() == []
    assert [event.kind for event in pump.drain_ui()] == ["device"]


def test_a_trigger_is_a_tap_once_per_press(sdl_pads) -> None:
    clock = VirtualClock()
    mapping = load_input_mapping()
    pump = InputPump(mapping, clock)
    pad = VirtualGamepad()
    _poll(pump, clock)
    # SDL's virtual controller puts a trigger at rest at the axis minimum.
    pulls = [AXIS_MIN, AXIS_MAX, AXIS_MIN + 2 * AXIS_MAX * 3 // 4, AXIS_MAX, AXIS_MIN, AXIS_MAX]
    for value in pulls:
        pad.set_axis(RIGHT_TRIGGER_AXIS, value)
        _poll(pump, clock)
    pad.set_axis(LEFT_TRIGGER_AXIS, AXIS_MAX)
    _poll(pump, clock)
    channels = [tap.channel for tap in pump.drain_taps()]
    # Easing off to three quarters is not a release; going back to rest is.
    right, left = mapping.gamepad_triggers["right"], mapping.gamepad_triggers["left"]
    assert channels == [right, right, left]


def test_pads_coming_and_going_never_lose_the_other_pads_taps(sdl_pads) -> None:
    clock = VirtualClock()
    mapping = load_input_mapping()
    pump = InputPump(mapping, clock)
    staying = VirtualGamepad()
    _poll(pump, clock)
    for round_index in range(3):
        passing = VirtualGamepad()
        staying.set_button(0, True)  # pressed in the same poll as the other pad comes
        _poll(pump, clock)
        staying.set_button(0, False)
        passing.set_button(1, True)
        _poll(pump, clock)
        passing.set_button(1, False)
        staying.set_button(0, True)
        passing.unplug()  # pulled out in the same poll as the other pad's press
        _poll(pump, clock)
        staying.set_button(0, False)
        _poll(pump, clock)
        taps = pump.drain_taps()
        assert [tap.channel for tap in taps] == [
            mapping.gamepad_buttons[0],
            mapping.gamepad_buttons[1],
            mapping.gamepad_buttons[0],
        ], f"round {round_index}"
        assert [pad.instance_id for pad in pump.gamepads.pads()] == [staying.instance_id]


def test_a_pad_gone_before_the_pump_sees_it_is_no_crash(sdl_pads) -> None:
    clock = VirtualClock()
    pump = InputPump(load_input_mapping(), clock)
    brief = VirtualGamepad()
    brief.unplug()  # added and removed with no pump in between
    _poll(pump, clock)
    assert pump.gamepads.pads() == []
    pygame.event.post(pygame.event.Event(pygame.JOYDEVICEADDED, device_index=7))
    pygame.event.post(pygame.event.Event(pygame.JOYDEVICEREMOVED, instance_id=12345))
    _poll(pump, clock)
    assert pump.gamepads.pads() == []
