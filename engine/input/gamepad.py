"""Gamepads and joysticks through SDL: buttons and analogue triggers as taps, hot-plug.

SDL reports a joystick's events only once we have opened it, so each device is opened when
SDL announces it (JOYDEVICEADDED, also sent at start for devices already there) and let go
when it goes (JOYDEVICEREMOVED). A device can vanish between the two; opening it then fails,
and that is no reason to stop anything. Devices SDL knows the layout of (game controllers)
are also opened as controllers, so that their triggers have one numbering on every pad.
Buttons are taken from joystick events only, for every device, so a controller's button
never makes two taps. SDL stamps these events only when pumped: their taps are polled.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass

import pygame
import pygame._sdl2.controller as sdl_controller

from engine.input.mapping import InputMapping
from engine.input.tap import Tap
from engine.store.records import STAMP_POLLED

log = logging.getLogger(__name__)

TRIGGER_MAX = 32767
TRIGGER_PRESS = TRIGGER_MAX // 2  # past half way is a press...
TRIGGER_RELEASE = TRIGGER_MAX // 4  # ...and it must come back below a quarter before the next
TRIGGER_SIDE = {
    pygame.CONTROLLER_AXIS_TRIGGERLEFT: "left",
    pygame.CONTROLLER_AXIS_TRIGGERRIGHT: "right",
}


def init_gamepads() -> None:
    """Start SDL's joystick and game controller parts; their devices then announce themselves."""
    pygame.joystick.init()
    try:
        sdl_controller.init()
    except pygame.error as error:
        log.warning("SDL game controllers are off (%s); joystick buttons still work", error)


def quit_gamepads() -> None:
    """Stop SDL's game controller and joystick parts, as `init_gamepads` started them.

    Both must go together: a controller part left running across a stop of SDL's event
    loop (the display closed) sent no controller events after the next `init_gamepads`.
    """
    sdl_controller.quit()
    pygame.joystick.quit()


@dataclass(frozen=True)
class PadInfo:
    instance_id: int
    name: str
    guid: str
    is_controller: bool
    buttons: int
    axes: int


@dataclass
class _OpenPad:
    joystick: pygame.joystick.JoystickType
    controller: sdl_controller.Controller | None
    info: PadInfo


class GamepadTracker:
    """The gamepads and joysticks open now, and taps from their triggers.

    ``notify`` gets one line per device that comes or goes.
    """

    def __init__(self, mapping: InputMapping, notify: Callable[[str], None] = log.info) -> None:
        self._triggers = mapping.gamepad_triggers
        self._notify = notify
        self._pads: dict[int, _OpenPad] = {}
        self._triggers_down: set[tuple[int, int]] = set()

    def pads(self) -> list[PadInfo]:
        return [pad.info for pad in self._pads.values()]

    def name_of(self, instance_id: int) -> str:
        pad = self._pads.get(instance_id)
        return pad.info.name if pad is not None else ""

    def handle(self, event: pygame.event.Event, polled_ns: int) -> Tap | None:
        """Follow a device event; returns the tap a trigger press makes, if any."""
        if event.type == pygame.JOYDEVICEADDED:
            self.added(event.device_index)
        elif event.type == pygame.JOYDEVICEREMOVED:
            self.removed(event.instance_id)
        elif event.type == pygame.CONTROLLERAXISMOTION:
            return self._trigger(event.instance_id, event.axis, event.value, polled_ns)
        return None

    def added(self, device_index: int) -> None:
        try:
            joystick = pygame.joystick.Joystick(device_index)
            instance_id = joystick.get_instance_id()
        except pygame.error as error:
            # Pulled out again before we got to it, or the index now means nothing.
            log.info("gamepad %d went before it could be opened: %s", device_index, error)
            return
        if instance_id in self._pads:
            return  # SDL announces a device again when a controller mapping is added
        controller = None
        if sdl_controller.get_init():
            try:
                if sdl_controller.is_controller(device_index):
                    controller = sdl_controller.Controller(device_index)
            except pygame.error as error:
                log.info("gamepad %s has no controller layout: %s", joystick.get_name(), error)
        info = PadInfo(
            instance_id,
            joystick.get_name(),
            joystick.get_guid(),
            controller is not None,
            joystick.get_numbuttons(),
            joystick.get_numaxes(),
        )
        self._pads[instance_id] = _OpenPad(joystick, controller, info)
        self._notify(f"gamepad: {info.name} plugged in")

    def removed(self, instance_id: int) -> None:
        pad = self._pads.pop(instance_id, None)
        self._triggers_down = {held for held in self._triggers_down if held[0] != instance_id}
        if pad is None:
            return
        _let_go(pad)
        self._notify(f"gamepad: {pad.info.name} pulled out; the other inputs go on")

    def _trigger(self, instance_id: int, axis: int, value: int, polled_ns: int) -> Tap | None:
        side = TRIGGER_SIDE.get(axis)
        if side is None:
            return None
        held = (instance_id, axis)
        if value <= TRIGGER_RELEASE:
            self._triggers_down.discard(held)
            return None
        if value < TRIGGER_PRESS or held in self._triggers_down:
            return None
        self._triggers_down.add(held)
        channel = self._triggers.get(side)
        if channel is None:
            return None
        return Tap(polled_ns, channel, STAMP_POLLED, device=self.name_of(instance_id))

    def close(self) -> None:
        while self._pads:
            _let_go(self._pads.popitem()[1])


def _let_go(pad: _OpenPad) -> None:
    for part in (pad.controller, pad.joystick):
        if part is not None:
            # SDL may have closed it already, with the device or with its subsystem.
            with contextlib.suppress(pygame.error):
                part.quit()
