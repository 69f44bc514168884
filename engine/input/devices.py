"""The input devices a station has, how each one's taps are stamped, and live taps with the
delay and jitter from their stamp to the frame loop. `run.py devices` prints these, and the
therapist's device screen (game/scenes/devices.py) shows the same.
"""

from __future__ import annotations

import dataclasses
import math
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass

import pygame
import pygame._sdl2.controller as sdl_controller
import pygame._sdl2.touch as sdl_touch

from engine.input.evdev_devices import (
    ACCESS_DENIED,
    ACCESS_READABLE,
    KIND_GAMEPAD,
    KIND_KEYBOARD,
    KIND_MOUSE,
    EvdevDevice,
    access_state,
    find_evdev_devices,
    matching_devices,
)
from engine.input.evdev_source import PERMISSION_HINT
from engine.input.gamepad import init_gamepads
from engine.input.mapping import InputMapping
from engine.input.midi import NOTE, MidiInputs, list_midi_ports, wanted_port
from engine.input.midi_learn import press_words
from engine.input.pump import InputPump, UiEvent
from engine.input.stamps import PressMatcher
from engine.input.tap import Tap
from engine.input.x11 import X11PressSource, X11PressSourceUnavailable
from engine.store.records import (
    STAMP_EVDEV,
    STAMP_MIDI,
    STAMP_POLLED,
    STAMP_SCRIPTED,
    STAMP_X11_SERVER,
)
from engine.timing.host_clock import HostClock

NS_PER_MS = 1_000_000
LISTEN_WINDOW_SIZE = (560, 160)

# What a tap's stamp can be trusted to, by where it came from (docs/hardware.md says why).
STAMP_PRECISION = {
    STAMP_EVDEV: "kernel stamp, 1 µs",
    STAMP_MIDI: "driver stamp, µs; the clock map adds the least callback delay (< 1 ms)",
    STAMP_X11_SERVER: "X server stamp, whole ms (±0.5 ms)",
    STAMP_POLLED: "polled: ± half the poll gap",
    STAMP_SCRIPTED: "scripted: exact",
}

STATE_IN_USE = "in use"
STATE_READY = "ready"
STATE_NOT_CONFIGURED = "not configured"
STATE_IGNORED = "ignored"
STATE_NO_WINDOW = "no window"  # headless: keyboard and mouse presses reach no SDL window
INVISIBLE_VIDEO_DRIVERS = ("dummy", "offscreen")  # SDL drivers with no window to press in
KIND_TOUCH = "touch"


@dataclass(frozen=True)
class DeviceEntry:
    backend: str  # "sdl" | "midi" | "evdev"
    kind: str  # keyboard, mouse, gamepad, joystick, switch, midi, ...
    name: str
    address: str  # MIDI port, /dev/input path, SDL instance; "" where SDL merges devices
    stamp_source: str  # what its taps carry; "" when its presses are not taps
    state: str
    note: str = ""


@dataclass(frozen=True)
class StationInput:
    """How the running game takes input: its mapping, and how key, mouse and touch presses
    are stamped there (with the one line saying why, when only polled)."""

    mapping: InputMapping
    key_stamp_source: str = STAMP_POLLED
    key_stamp_reason: str = ""


@dataclass(frozen=True)
class DeviceReport:
    devices: tuple[DeviceEntry, ...]
    problems: tuple[str, ...]  # one line per back-end that could not look

    def as_dict(self) -> dict:
        return {
            "devices": [dataclasses.asdict(device) for device in self.devices],
            "problems": list(self.problems),
        }


def open_input_window() -> bool:
    """Start SDL's video and gamepad parts so that input events flow; True if a real window
    is open (keyboard and mouse presses reach it), False on the headless dummy driver."""
    has_display = not sys.platform.startswith("linux") or bool(
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    )
    if not has_display:
        os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    pygame.display.init()
    real = window_gets_input()
    pygame.display.set_mode(LISTEN_WINDOW_SIZE)
    pygame.display.set_caption("OnBeat devices: keys and clicks here count")
    init_gamepads()
    return real


def window_gets_input() -> bool:
    """Whether SDL's window can be pressed in (False on the headless drivers)."""
    return pygame.display.get_driver() not in INVISIBLE_VIDEO_DRIVERS


def probe_x11_stamps() -> tuple[str, str]:
    """The stamp source keyboard and mouse taps get here, and why when it is only polled."""
    try:
        source = X11PressSource(PressMatcher(STAMP_X11_SERVER))
    except X11PressSourceUnavailable as reason:
        return STAMP_POLLED, str(reason)
    source.stop()
    return STAMP_X11_SERVER, ""


def list_devices(
    mapping: InputMapping,
    key_stamp_source: str = STAMP_POLLED,
    window: bool = True,
    evdev_list: Callable[[], tuple[list[EvdevDevice], str]] = find_evdev_devices,
) -> DeviceReport:
    """Every device each back-end can see, with the state it is in for this mapping.

    Call after `open_input_window` so that SDL has announced its gamepads; ``window`` is
    what it returned. ``key_stamp_source`` is what keyboard and mouse taps get
    (`probe_x11_stamps`).
    """
    others, problems = other_devices(mapping, evdev_list)
    return DeviceReport(
        tuple(sdl_devices(mapping, key_stamp_source, window) + others), tuple(problems)
    )


def sdl_devices(
    mapping: InputMapping, key_stamp_source: str = STAMP_POLLED, window: bool = True
) -> list[DeviceEntry]:
    """Keyboards, mice, touch screens, gamepads and joysticks as SDL sees them now.

    Quick (nothing is opened), but SDL's: call it on the thread that pumps SDL's events.
    """
    state = STATE_IN_USE if window else STATE_NO_WINDOW
    devices: list[DeviceEntry] = [
        DeviceEntry("sdl", KIND_KEYBOARD, "keyboards (SDL merges them)", "", key_stamp_source,
                    state, f"{len(mapping.keys)} keys mapped"),
        DeviceEntry("sdl", KIND_MOUSE, "mice and touchpads (merged)", "", key_stamp_source,
                    state, f"{len(mapping.mouse_buttons)} buttons mapped"),
    ]  # fmt: skip
    devices += _sdl_touch(mapping, key_stamp_source, state)
    devices += _sdl_gamepads(mapping)
    return devices


def other_devices(
    mapping: InputMapping,
    evdev_list: Callable[[], tuple[list[EvdevDevice], str]] = find_evdev_devices,
) -> tuple[list[DeviceEntry], list[str]]:
    """MIDI input ports and Linux input devices, and one line per back-end that cannot look.

    Asks the system (the MIDI driver, /proc): any thread may call it, none needs SDL.
    """
    midi_devices, midi_problem = _midi_ports(mapping)
    evdev_devices, evdev_problem = _evdev(mapping, evdev_list)
    problems = [problem for problem in (midi_problem, evdev_problem) if problem]
    return midi_devices + evdev_devices, problems


def _sdl_touch(mapping: InputMapping, stamp_source: str, state: str) -> list[DeviceEntry]:
    if not pygame.display.get_init():
        return []  # SDL finds touch devices with its video part
    try:
        touch_ids = [sdl_touch.get_device(index) for index in range(sdl_touch.get_num_devices())]
    except pygame.error:
        return []  # one went while we looked; the next look finds the rest
    note = f"taps on {mapping.touch}" if mapping.touch else "touch is not mapped"
    return [
        DeviceEntry("sdl", KIND_TOUCH, "touch screen", f"SDL touch {touch_id}", stamp_source,
                    state, note)
        for touch_id in touch_ids
    ]  # fmt: skip


def _sdl_gamepads(mapping: InputMapping) -> list[DeviceEntry]:
    if not pygame.joystick.get_init():
        return []  # SDL's joystick part is not up (see open_input_window): none to list
    entries = []
    for index in range(pygame.joystick.get_count()):
        try:
            joystick = pygame.joystick.Joystick(index)
            controller = sdl_controller.get_init() and sdl_controller.is_controller(index)
            name, instance_id = joystick.get_name(), joystick.get_instance_id()
        except pygame.error:
            continue  # pulled out while we looked
        triggers = f", triggers {len(mapping.gamepad_triggers)}" if controller else ""
        entries.append(
            DeviceEntry(
                "sdl",
                KIND_GAMEPAD if controller else "joystick",
                name,
                f"SDL joystick {instance_id}",
                STAMP_POLLED,
                STATE_IN_USE,
                f"buttons mapped {len(mapping.gamepad_buttons)}{triggers}",
            )
        )
    return entries


def _midi_ports(mapping: InputMapping) -> tuple[list[DeviceEntry], str]:
    ports, problem = list_midi_ports()
    mapped = f"{len(mapping.midi_notes)} notes, {len(mapping.midi_controls)} pedals mapped"
    entries = [
        DeviceEntry(
            "midi",
            "midi",
            port,
            port,
            STAMP_MIDI,
            STATE_IN_USE if wanted_port(port, mapping.midi_ports) else STATE_IGNORED,
            mapped if wanted_port(port, mapping.midi_ports) else "not in midi.ports",
        )
        for port in ports
    ]
    return entries, problem


def _evdev(
    mapping: InputMapping, evdev_list: Callable[[], tuple[list[EvdevDevice], str]]
) -> tuple[list[DeviceEntry], str]:
    found, problem = evdev_list()
    configured = {
        device.event_path
        for entry in mapping.evdev_devices
        for device in matching_devices(entry.match, found)
    }
    entries = []
    for device in found:
        if not device.event_path:
            continue
        access = access_state(device.event_path)
        if device.event_path in configured:
            state = STATE_IN_USE if access == ACCESS_READABLE else access
            stamp, note = STAMP_EVDEV, PERMISSION_HINT if access == ACCESS_DENIED else ""
        else:
            state, stamp = STATE_NOT_CONFIGURED, ""
            note = _sdl_path_note(device.kind)
            if access == ACCESS_DENIED:
                note += f"; evdev would need: {PERMISSION_HINT}"
        entries.append(
            DeviceEntry("evdev", device.kind, device.name, device.event_path, stamp, state, note)
        )
    return entries, problem


def _sdl_path_note(kind: str) -> str:
    if kind in (KIND_KEYBOARD, KIND_MOUSE, KIND_GAMEPAD, "joystick"):
        return f"reaches OnBeat through SDL as a {kind}"
    return "add it under evdev in input.yaml to use it"


@dataclass
class _Group:
    """One row's delays as running sums (Welford), so a long listen costs nothing per frame."""

    taps: int = 0
    mean_ms: float = 0.0
    squares_ms2: float = 0.0  # sum of squared differences from the mean
    max_ms: float = -math.inf
    last_host_ns: int = 0
    last_velocity: int | None = None

    def add(self, delay_ms: float) -> None:
        self.taps += 1
        change = delay_ms - self.mean_ms
        self.mean_ms += change / self.taps
        self.squares_ms2 += change * (delay_ms - self.mean_ms)
        self.max_ms = max(self.max_ms, delay_ms)


class TapMonitor:
    """Live taps by channel, stamp source and device, with the delay from each tap's stamp to
    the poll that handed it to the frame loop. The delay's spread (SD) is the jitter a frame
    loop stamping taps itself would have added; the stamps take it away."""

    def __init__(self) -> None:
        self._groups: dict[tuple[str, str, str], _Group] = {}

    def record(self, tap: Tap) -> int:
        """Count ``tap`` as the input pump handed it on (`Tap.seen_ns`); returns its delay in
        ns."""
        delay_ns = tap.seen_ns - tap.host_ns
        group = self._groups.setdefault((tap.channel, tap.stamp_source, tap.device), _Group())
        group.add(delay_ns / NS_PER_MS)
        group.last_host_ns, group.last_velocity = tap.host_ns, tap.velocity
        return delay_ns

    def summary(self) -> list[dict]:
        """One row per channel, stamp source and device, in that order. ``jitter_ms`` is the
        delays' sample SD (0 for a single tap)."""
        rows = []
        for (channel, stamp_source, device), group in sorted(self._groups.items()):
            spread_ms2 = group.squares_ms2 / max(1, group.taps - 1)
            rows.append(
                {
                    "channel": channel,
                    "stamp_source": stamp_source,
                    "device": device,
                    "taps": group.taps,
                    "delay_mean_ms": round(group.mean_ms, 3),
                    "jitter_ms": round(math.sqrt(max(0.0, spread_ms2)), 3),
                    "delay_max_ms": round(group.max_ms, 3),
                    "precision": STAMP_PRECISION.get(stamp_source, ""),
                    "last_host_ns": group.last_host_ns,
                    "last_velocity": group.last_velocity,
                }
            )
        return rows


def listen(
    pump: InputPump,
    clock: HostClock,
    seconds: float,
    on_tap: Callable[[Tap, int], None] | None = None,
    poll_period_ms: float = 1.0,
    on_unmapped: Callable[[str], None] | None = None,
) -> TapMonitor:
    """Pump input for ``seconds`` (or until the window is closed), as the frame loop does;
    every tap goes to ``on_tap`` with its delay in ns and into the returned monitor.

    ``on_unmapped`` hears of presses that are no tap (a key, gamepad button or MIDI pad with
    no channel), named as input.yaml names them, so a new device can be mapped.
    """
    monitor = TapMonitor()
    now_ns = clock.now_ns()
    end_ns = now_ns + int(seconds * 1e9)
    poll_ns = int(poll_period_ms * NS_PER_MS)
    while now_ns < end_ns:
        clock.sleep_until_ns(min(end_ns, now_ns + poll_ns))
        pump.pump()
        now_ns = clock.now_ns()
        for tap in pump.drain_taps():
            delay_ns = monitor.record(tap)
            if on_tap is not None:
                on_tap(tap, delay_ns)
        ui_events = pump.drain_ui()
        if on_unmapped is not None:
            for name in _unmapped(pump, ui_events):
                on_unmapped(name)
        if any(event.kind == "quit" for event in ui_events):
            break
    return monitor


def _unmapped(pump: InputPump, ui_events: list[UiEvent]) -> list[str]:
    mapping = pump.mapping
    names = [
        f"key {event.key!r} (keys)"
        for event in ui_events
        if event.kind == "key" and event.key not in mapping.keys
    ]
    names += [
        f"gamepad button {event.key} (gamepad_buttons)"
        for event in ui_events
        if event.kind == "button" and int(event.key) not in mapping.gamepad_buttons
    ]
    for source in pump.sources:
        if isinstance(source, MidiInputs):
            names += [
                f"MIDI {press_words(press.kind, press.number)} on {press.port} (midi)"
                for press in source.drain_presses()
                if press.number
                not in (mapping.midi_notes if press.kind == NOTE else mapping.midi_controls)
            ]
    return names
