"""SDL's virtual joystick, reached through ctypes on the SDL library pygame itself loaded.

pygame does not expose SDL_JoystickAttachVirtual. The virtual device is a real SDL joystick:
SDL announces it, reports its buttons and axes as events when pumped, and removes it, just as
it does for USB pads, so the game's own code sees nothing different.
"""

from __future__ import annotations

import ctypes
import os

import pygame

SDL_JOYSTICK_TYPE_GAMECONTROLLER = 1
AXES = 6  # left x/y, right x/y, left trigger, right trigger (SDL's virtual controller layout)
BUTTONS = 15
HATS = 0
LEFT_TRIGGER_AXIS = 4
RIGHT_TRIGGER_AXIS = 5
AXIS_MAX = 32767
AXIS_MIN = -32768


def _loaded_sdl_path() -> str:
    """The SDL2 library file pygame has loaded into this process."""
    pygame.joystick.init()  # makes sure pygame's SDL is loaded and its joystick part is up
    with open("/proc/self/maps", encoding="utf-8") as maps:
        for line in maps:
            path = line.split()[-1]
            # libSDL2-2.0.so.0 as distributions name it, libSDL2-2-<hash>... in pygame's wheel;
            # libSDL2_image and the other helpers start with "libSDL2_".
            if os.path.basename(path).startswith("libSDL2-"):
                return path
    raise OSError("cannot find the SDL2 library pygame uses in /proc/self/maps")


def _sdl() -> ctypes.CDLL:
    sdl = ctypes.CDLL(_loaded_sdl_path())
    sdl.SDL_JoystickAttachVirtual.argtypes = [ctypes.c_int] * 4
    sdl.SDL_JoystickAttachVirtual.restype = ctypes.c_int
    sdl.SDL_JoystickDetachVirtual.argtypes = [ctypes.c_int]
    sdl.SDL_JoystickDetachVirtual.restype = ctypes.c_int
    sdl.SDL_JoystickOpen.argtypes = [ctypes.c_int]
    sdl.SDL_JoystickOpen.restype = ctypes.c_void_p
    sdl.SDL_JoystickClose.argtypes = [ctypes.c_void_p]
    sdl.SDL_JoystickInstanceID.argtypes = [ctypes.c_void_p]
    sdl.SDL_JoystickInstanceID.restype = ctypes.c_int
    sdl.SDL_JoystickGetDeviceInstanceID.argtypes = [ctypes.c_int]
    sdl.SDL_JoystickGetDeviceInstanceID.restype = ctypes.c_int
    sdl.SDL_NumJoysticks.restype = ctypes.c_int
    sdl.SDL_JoystickSetVirtualButton.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_uint8]
    sdl.SDL_JoystickSetVirtualButton.restype = ctypes.c_int
    sdl.SDL_JoystickSetVirtualAxis.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_int16]
    sdl.SDL_JoystickSetVirtualAxis.restype = ctypes.c_int
    sdl.SDL_JoystickName.argtypes = [ctypes.c_void_p]
    sdl.SDL_JoystickName.restype = ctypes.c_char_p
    sdl.SDL_GetError.restype = ctypes.c_char_p
    return sdl


class VirtualGamepad:
    """One virtual game controller: plug it in, press its buttons and triggers, pull it out."""

    def __init__(self) -> None:
        self._sdl = _sdl()
        device_index = self._sdl.SDL_JoystickAttachVirtual(
            SDL_JOYSTICK_TYPE_GAMECONTROLLER, AXES, BUTTONS, HATS
        )
        if device_index < 0:
            raise OSError(f"SDL_JoystickAttachVirtual: {self._sdl.SDL_GetError().decode()}")
        # Our own handle drives the device's state; the game opens it separately.
        self._handle = self._sdl.SDL_JoystickOpen(device_index)
        if not self._handle:
            raise OSError(f"SDL_JoystickOpen: {self._sdl.SDL_GetError().decode()}")
        self.instance_id = self._sdl.SDL_JoystickInstanceID(self._handle)
        self.name = (self._sdl.SDL_JoystickName(self._handle) or b"").decode()

    def set_button(self, button: int, down: bool) -> None:
        self._check(self._sdl.SDL_JoystickSetVirtualButton(self._handle, button, int(down)))

    def set_axis(self, axis: int, value: int) -> None:
        self._check(self._sdl.SDL_JoystickSetVirtualAxis(self._handle, axis, value))

    def unplug(self) -> None:
        """Detach the device, as pulling out its cable would."""
        device_index = self._device_index()
        self._sdl.SDL_JoystickClose(self._handle)
        self._check(self._sdl.SDL_JoystickDetachVirtual(device_index))

    def _device_index(self) -> int:
        for index in range(self._sdl.SDL_NumJoysticks()):
            if self._sdl.SDL_JoystickGetDeviceInstanceID(index) == self.instance_id:
                return index
        raise OSError(f"virtual joystick {self.instance_id} is not attached")

    def _check(self, result: int) -> None:
        if result < 0:
            raise OSError(self._sdl.SDL_GetError().decode())
