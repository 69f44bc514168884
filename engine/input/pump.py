"""Polling input at 1 kHz and stamping every tap with the best time we can get.

pygame events carry no time and SDL stamps them when they are pumped, so the frame loop
calls `pump()` about every millisecond between frames and between draw phases. A press is
stamped with the middle of the interval in which it appeared, unless an OS stamp source
(X server times via `PressMatcher`) knows exactly when it happened. Back-ends that stamp
taps themselves (evdev, MIDI) are `TapSource`s whose taps join the stream at every poll.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

import pygame

from engine.input.gamepad import GamepadTracker
from engine.input.mapping import InputMapping
from engine.input.stamps import PRESS_BUTTON, PRESS_KEY, PRESS_PAD, PRESS_TOUCH, PressMatcher
from engine.input.tap import Tap, TapSource
from engine.store.records import STAMP_POLLED
from engine.timing.host_clock import HostClock

__all__ = ["STAMP_WAIT_NS", "InputPump", "Tap", "UiEvent"]

# An SDL press can arrive before the OS stamp source's thread has read the same press from
# its own connection; the press waits this long for its stamp before the polled time is used.
STAMP_WAIT_NS = 30_000_000

# What a tap names as its device where SDL does not say which one it was: SDL merges every
# keyboard into one, every mouse into one. An OS stamp source may name the device itself.
DEVICE_KEYBOARD = "keyboard"
DEVICE_MOUSE = "mouse"
DEVICE_TOUCH = "touch screen"
DEVICE_GAMEPAD = "gamepad"  # a pad whose name SDL did not give (its events came before it)


@dataclass(frozen=True)
class _PendingPress:
    channel: str
    kind: str
    code: str
    device: str
    polled_ns: int
    give_up_ns: int


@dataclass(frozen=True)
class UiEvent:
    """What scenes need besides taps: quitting, keys for menus, pointer presses, resizes.

    A press ("key", "button", "pointer") says what it means to a menu (``action``, from the
    mapping's menu section; "" for none) and whether the same press was also a tap on a
    limb channel (``tap``), so that menus can keep taps from driving them by accident. Its
    release comes as "key_up", "button_up" or "pointer_up", for presses that must be held.
    """

    # "quit" | "key" | "pointer" | "resize" | "button" | "text" | "..._up" | "device" (a
    # gamepad or joystick plugged in or pulled out)
    kind: str
    key: str = ""  # key name for "key" (the d-pad too); button number for "button"; typed text
    pos: tuple[int, int] = (0, 0)  # pixels for "pointer"
    action: str = ""  # one of engine.input.mapping.MENU_ACTIONS, or "" for none
    tap: bool = False  # the press was also a tap


POINTER_BUTTONS = frozenset({1, 2, 3})  # left, middle, right
GAMEPAD_EVENTS = frozenset(
    {pygame.JOYDEVICEADDED, pygame.JOYDEVICEREMOVED, pygame.CONTROLLERAXISMOTION}
)


class InputPump:
    def __init__(
        self,
        mapping: InputMapping,
        clock: HostClock,
        matcher: PressMatcher | None = None,
        sources: Sequence[TapSource] = (),
    ) -> None:
        self.mapping = mapping
        self.clock = clock
        self.matcher = matcher
        self.sources = list(sources)
        self.gamepads = GamepadTracker(mapping)
        self._last_poll_ns = clock.now_ns()
        self._seen_ns = self._last_poll_ns
        self._keys_down: set[str] = set()
        self.taps: list[Tap] = []
        self._pending: list[_PendingPress] = []
        self.ui_events: list[UiEvent] = []
        self.polls = 0
        self.longest_poll_gap_ns = 0

    def pump(self) -> None:
        """Read pending events; taps and UI events accumulate until drained."""
        events = pygame.event.get()
        now_ns = self.clock.now_ns()
        gap_ns = now_ns - self._last_poll_ns
        self.longest_poll_gap_ns = max(self.longest_poll_gap_ns, gap_ns)
        polled_ns = now_ns - gap_ns // 2
        self._last_poll_ns = now_ns
        self.polls += 1
        self._seen_ns = now_ns
        if self._pending:
            self._retry_pending(now_ns)
        for event in events:
            self._handle(event, polled_ns)
        for source in self.sources:
            self.taps.extend(
                dataclasses.replace(tap, seen_ns=now_ns) for tap in source.drain_taps(now_ns)
            )

    def add_source(self, source: TapSource) -> None:
        """Take taps from ``source`` too, from the next poll on."""
        self.sources.append(source)

    def drain_taps(self) -> list[Tap]:
        taps, self.taps = self.taps, []
        return taps

    def drain_ui(self) -> list[UiEvent]:
        ui_events, self.ui_events = self.ui_events, []
        return ui_events

    def _tap(self, channel: str | None, kind: str, code: str, polled_ns: int, device: str) -> None:
        if channel is None:
            return
        if self.matcher is None or kind not in self.matcher.kinds:
            self.taps.append(
                Tap(polled_ns, channel, STAMP_POLLED, device=device, seen_ns=self._seen_ns)
            )
            return
        pending = _PendingPress(
            channel, kind, code, device, polled_ns, self._seen_ns + STAMP_WAIT_NS
        )
        if not self._claim(pending):
            self._pending.append(pending)

    def _claim(self, pending: _PendingPress) -> bool:
        assert self.matcher is not None
        press = self.matcher.claim(pending.kind, pending.code, self._seen_ns)
        if press is None:
            return False
        self.taps.append(
            Tap(
                press.host_ns,
                pending.channel,
                self.matcher.source_name,
                device=press.device or pending.device,
                seen_ns=self._seen_ns,
            )
        )
        return True

    def _retry_pending(self, now_ns: int) -> None:
        still_waiting = []
        for pending in self._pending:
            if self._claim(pending):
                continue
            if now_ns >= pending.give_up_ns:
                self.taps.append(
                    Tap(
                        pending.polled_ns,
                        pending.channel,
                        STAMP_POLLED,
                        device=pending.device,
                        seen_ns=now_ns,
                    )
                )
            else:
                still_waiting.append(pending)
        self._pending = still_waiting

    def _handle(self, event: pygame.event.Event, polled_ns: int) -> None:
        if event.type == pygame.QUIT:
            self.ui_events.append(UiEvent("quit"))
        elif event.type == pygame.KEYDOWN:
            name = pygame.key.name(event.key)
            if name in self._keys_down:
                return  # key repeat never makes a tap
            self._keys_down.add(name)
            channel = self.mapping.keys.get(name)
            self._tap(channel, PRESS_KEY, name, polled_ns, DEVICE_KEYBOARD)
            action = self.mapping.menu.keys.get(name, "")
            self.ui_events.append(UiEvent("key", key=name, action=action, tap=channel is not None))
        elif event.type == pygame.KEYUP:
            name = pygame.key.name(event.key)
            self._keys_down.discard(name)
            self.ui_events.append(UiEvent("key_up", key=name))
        elif event.type in (pygame.MOUSEBUTTONDOWN, pygame.MOUSEBUTTONUP):
            if getattr(event, "touch", False):
                return  # SDL also reports a touch as a mouse press; FINGERDOWN is the tap
            pointer = event.button in POINTER_BUTTONS  # the wheel never presses a button
            if event.type == pygame.MOUSEBUTTONUP:
                if pointer:
                    self.ui_events.append(UiEvent("pointer_up", pos=tuple(event.pos)))
                return
            channel = self.mapping.mouse_buttons.get(event.button)
            self._tap(channel, PRESS_BUTTON, str(event.button), polled_ns, DEVICE_MOUSE)
            if pointer:
                tap = channel is not None
                self.ui_events.append(
                    UiEvent("pointer", pos=tuple(event.pos), action="confirm", tap=tap)
                )
        elif event.type in (pygame.FINGERDOWN, pygame.FINGERUP):
            if event.type == pygame.FINGERDOWN:
                self._tap(self.mapping.touch, PRESS_TOUCH, "", polled_ns, DEVICE_TOUCH)
            surface = pygame.display.get_surface()
            if surface is not None:  # touch positions are fractions of the window
                width, height = surface.get_size()
                pos = (int(event.x * width), int(event.y * height))
                if event.type == pygame.FINGERUP:
                    self.ui_events.append(UiEvent("pointer_up", pos=pos))
                else:
                    tap = self.mapping.touch is not None
                    self.ui_events.append(UiEvent("pointer", pos=pos, action="confirm", tap=tap))
        elif event.type == pygame.JOYBUTTONDOWN:
            channel = self.mapping.gamepad_buttons.get(event.button)
            device = self.gamepads.name_of(getattr(event, "instance_id", -1)) or DEVICE_GAMEPAD
            self._tap(channel, PRESS_PAD, "", polled_ns, device)
            action = self.mapping.menu.gamepad_buttons.get(event.button, "")
            self.ui_events.append(
                UiEvent("button", key=str(event.button), action=action, tap=channel is not None)
            )
        elif event.type == pygame.JOYBUTTONUP:
            self.ui_events.append(UiEvent("button_up", key=str(event.button)))
        elif event.type == pygame.JOYHATMOTION:
            hat_x, hat_y = event.value
            direction = {(0, 1): "up", (0, -1): "down", (-1, 0): "left", (1, 0): "right"}
            if (hat_x, hat_y) in direction:
                name = direction[(hat_x, hat_y)]
                self.ui_events.append(UiEvent("key", key=name, action=name))
        elif event.type == pygame.TEXTINPUT:
            self.ui_events.append(UiEvent("text", key=event.text))
        elif event.type in GAMEPAD_EVENTS:
            tap = self.gamepads.handle(event, polled_ns)
            if tap is not None:
                self.taps.append(dataclasses.replace(tap, seen_ns=self._seen_ns))
            if event.type != pygame.CONTROLLERAXISMOTION:
                self.ui_events.append(UiEvent("device"))  # screens that list devices look again
        elif event.type in (pygame.VIDEORESIZE, pygame.WINDOWSIZECHANGED):
            self.ui_events.append(UiEvent("resize"))
