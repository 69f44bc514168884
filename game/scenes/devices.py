"""The device screen, for therapists: the input devices found, and live taps per channel with
how each was stamped and the jitter measured.

The listing is engine/input/devices.py's, the one `run.py devices` prints: SDL's part
(keyboards, mice, touch screens, gamepads) is read again whenever a gamepad comes or goes,
MIDI ports and Linux input devices by a thread every few seconds (asking the MIDI driver
must not hold up a frame). Each tap is counted by the same `TapMonitor` as `run.py devices
--listen`: its delay is the time from its stamp to the poll that handed it to the game, and
the jitter is that delay's spread (docs/hardware.md says why that measure).

Presses that are taps and also menu presses (a gamepad's A or B) only count as taps here, so
that trying a pad never leaves the screen; Back is chosen with the mouse, a finger, or Esc.

The screen is drawn again only when what it shows changes: a frame drawn is time in which no
input is polled, and polled taps (gamepads, keys without X server stamps) would then show the
screen's own drawing as their jitter.
"""

from __future__ import annotations

from collections.abc import Callable

import pygame

from engine.input.devices import (
    STAMP_PRECISION,
    DeviceEntry,
    StationInput,
    TapMonitor,
    other_devices,
    sdl_devices,
    window_gets_input,
)
from engine.input.evdev_devices import EvdevDevice, find_evdev_devices
from engine.input.mapping import read_station_input_mapping
from engine.input.pump import Tap, UiEvent
from engine.input.rescan import RESCAN_PERIOD_S, PeriodicThread
from engine.store.records import STAMP_POLLED
from game.canvas import design_unit
from game.context import GameContext
from game.menu_scene import MenuScene
from game.scene import Goto
from game.text import draw_text, font, wrap_lines
from game.widgets import Button

FLASH_NS = 300_000_000  # a row lights up this long after each of its taps
PANEL = (34, 54, 92)
FLASH = (255, 205, 40)
WARNING = (255, 215, 150)
IN_USE = (120, 220, 140)
DEVICE_ROWS = 11
TAP_ROWS = 8
# The live taps' columns: where each starts, as a share of the panel's width. The first
# holds the channel with the device under it (device names are long).
TAP_COLUMNS = (
    ("devices.channel_device", 0.0),
    ("devices.stamped_by", 0.42),
    ("devices.taps", 0.63),
    ("devices.jitter", 0.74),
    ("devices.delay", 0.87),
)


class DeviceScene(MenuScene):
    def __init__(
        self,
        context: GameContext,
        back: Goto | None = None,
        evdev_list: Callable[[], tuple[list[EvdevDevice], str]] = find_evdev_devices,
        rescan_period_s: float | None = RESCAN_PERIOD_S,
    ) -> None:
        """``back``: where Back goes (the settings unless told). ``evdev_list`` and
        ``rescan_period_s``: where Linux input devices are found and how often MIDI and those
        are looked for again (None: only on entering and on `rescan_other_devices`)."""
        super().__init__(context)
        self.back = back or Goto("settings")
        self.monitor = TapMonitor()
        self.station_input: StationInput | None = None  # on entering
        self.sdl_entries: list[DeviceEntry] = []
        # MIDI and evdev entries and the lines of back-ends that cannot look, replaced whole
        # by the rescan thread (one assignment: the frame never sees half a list).
        self.other_entries: tuple[list[DeviceEntry], list[str]] = ([], [])
        self._evdev_list = evdev_list
        self._rescan_period_s = rescan_period_s
        self._watcher: PeriodicThread | None = None
        self._now_ns = 0
        self._taps_seen = 0
        self._drawn: tuple | None = None  # what the last frame drawn showed

    # --- hooks ------------------------------------------------------------------------------
    def on_enter(self) -> None:
        self.station_input = self.context.station_input
        if self.station_input is None:
            mapping, _problems = read_station_input_mapping()  # the game lists those at start
            self.station_input = StationInput(mapping, STAMP_POLLED)
        self.look_at_sdl_devices()
        self.rescan_other_devices()  # the screen opens with the whole list
        if self._rescan_period_s:
            self._watcher = PeriodicThread(
                "device screen rescan", self.rescan_other_devices, self._rescan_period_s
            )

    def on_exit(self) -> None:
        if self._watcher is not None:
            self._watcher.stop()
            self._watcher = None

    def look_at_sdl_devices(self) -> None:
        assert self.station_input is not None
        self.sdl_entries = sdl_devices(
            self.station_input.mapping, self.station_input.key_stamp_source, window_gets_input()
        )

    def rescan_other_devices(self) -> None:
        assert self.station_input is not None
        self.other_entries = other_devices(self.station_input.mapping, self._evdev_list)

    @property
    def devices(self) -> list[DeviceEntry]:
        """Every device listed now, those in use first."""
        entries = self.sdl_entries + self.other_entries[0]
        return sorted(entries, key=lambda entry: entry.state != "in use")

    @property
    def problems(self) -> list[str]:
        """One line per back-end that cannot run, and why keys are only polled."""
        assert self.station_input is not None
        lines = list(self.other_entries[1])
        if self.station_input.key_stamp_reason:
            lines.insert(
                0, self.text("devices.keys_polled", reason=self.station_input.key_stamp_reason)
            )
        return lines

    def on_input(self, taps: list[Tap], ui_events: list[UiEvent], now_ns: int) -> None:
        self._now_ns = now_ns
        for tap in taps:
            self.monitor.record(tap)
        self._taps_seen += len(taps)
        if any(event.kind == "device" for event in ui_events):
            self.look_at_sdl_devices()
        # A pad's A or B tried as a tap must not press Back; a click on Back still does.
        menu_events = [event for event in ui_events if event.kind == "pointer" or not event.tap]
        super().on_input(taps, menu_events, now_ns)

    def on_update(self, now_ns: int) -> None:
        self._now_ns = now_ns
        super().on_update(now_ns)

    def on_draw(self, now_ns: int) -> list[pygame.Rect] | None:
        flashing = frozenset(
            (row["channel"], row["stamp_source"], row["device"])
            for row in self.monitor.summary()
            if now_ns - row["last_host_ns"] < FLASH_NS
        )
        showing = (
            self.context.surface.get_size(),
            self.menu.focus,
            self._taps_seen,
            flashing,
            tuple(self.devices),
            tuple(self.problems),
        )
        if showing == self._drawn:
            return []  # nothing changed: no time spent drawing, none presenting
        self._drawn = showing
        return super().on_draw(now_ns)

    def title(self) -> str:
        return self.text("devices.title")

    def layout(self, width: int, height: int) -> list[Button]:
        unit = design_unit((width, height))
        back = pygame.Rect(0, 0, int(240 * unit), int(56 * unit))
        back.bottomright = (width - int(30 * unit), height - int(24 * unit))
        learn = pygame.Rect(0, 0, int(260 * unit), int(56 * unit))
        learn.bottomright = (back.left - int(16 * unit), back.bottom)
        return [
            Button("learn_midi", self.text("devices.learn_midi"), learn),
            Button("back", self.text("menu.back"), back),
        ]

    def activate(self, key: str) -> None:
        if key == "back":
            self.next = self.back
        elif key == "learn_midi":
            self.goto("midi_learn", back=Goto("devices", back=self.back))

    # --- drawing ----------------------------------------------------------------------------
    def draw_more(self, surface: pygame.Surface) -> None:
        width, height = surface.get_size()
        unit = design_unit((width, height))
        gap = 24 * unit
        top = 116 * unit
        bottom = height - 100 * unit
        left = pygame.Rect(gap, top, (width - 3 * gap) * 0.42, bottom - top)
        right = pygame.Rect(left.right + gap, top, width - left.right - 2 * gap, bottom - top)
        for panel in (left, right):
            pygame.draw.rect(surface, PANEL, panel, border_radius=int(14 * unit))
        self._draw_devices(surface, left.inflate(-28 * unit, -20 * unit))
        self._draw_taps(surface, right.inflate(-28 * unit, -20 * unit))
        note = self.text("devices.jitter_note")
        size = int(20 * self.unit)
        line_y = bottom + 16 * unit
        for line in wrap_lines(note, size, int(width - 620 * unit))[:3]:
            draw_text(surface, line, size, self.context.look.dim_text_colour, topleft=(gap, line_y))
            line_y += size * 1.1

    def _draw_devices(self, surface: pygame.Surface, area: pygame.Rect) -> None:
        look = self.context.look
        unit = self.unit
        heading = int(30 * unit)
        draw_text(
            surface, self.text("devices.found"), heading, look.text_colour, topleft=area.topleft
        )
        y = area.top + heading * 1.3
        name_size, detail_size = int(25 * unit), int(19 * unit)
        row_h = name_size + detail_size + 8 * unit
        problems = self.problems
        problem_size = int(19 * unit)
        problem_lines = [
            line for problem in problems for line in wrap_lines(problem, problem_size, area.width)
        ][:5]
        room = area.bottom - y - len(problem_lines) * problem_size * 1.15
        devices = self.devices
        shown = max(1, min(DEVICE_ROWS, int(room // row_h)))
        if len(devices) > shown:
            shown -= 1  # the last row says how many more there are
        for entry in devices[:shown]:
            in_use = entry.state == "in use"
            pygame.draw.circle(
                surface,
                IN_USE if in_use else look.dim_text_colour,
                (area.left + 8 * unit, y + name_size * 0.45),
                6 * unit,
                0 if in_use else 2,
            )
            name = f"{self._kind_word(entry.kind)}: {entry.name}"
            _draw_left(surface, name, name_size, look.text_colour, area.left + 24 * unit, y,
                       area.width - 24 * unit)  # fmt: skip
            detail = self._entry_detail(entry)
            _draw_left(surface, detail, detail_size, look.dim_text_colour,
                       area.left + 24 * unit, y + name_size, area.width - 24 * unit)  # fmt: skip
            y += row_h
        if len(devices) > shown:
            more = self.text("devices.more", count=len(devices) - shown)
            draw_text(surface, more, detail_size, look.dim_text_colour, topleft=(area.left, y))
            y += row_h * 0.7
        for line in problem_lines:
            draw_text(surface, line, problem_size, WARNING, topleft=(area.left, y))
            y += problem_size * 1.15

    def _entry_detail(self, entry: DeviceEntry) -> str:
        parts = [self._state_word(entry.state)]
        if entry.stamp_source:
            parts.append(self.text("devices.stamps", source=self._stamp_word(entry.stamp_source)))
        if entry.note:
            parts.append(entry.note)
        return " · ".join(parts)

    def _draw_taps(self, surface: pygame.Surface, area: pygame.Rect) -> None:
        look = self.context.look
        unit = self.unit
        heading = int(30 * unit)
        draw_text(
            surface, self.text("devices.live"), heading, look.text_colour, topleft=area.topleft
        )
        y = area.top + heading * 1.35
        size = int(21 * unit)
        xs = [area.left + area.width * share for _, share in TAP_COLUMNS]
        fits = [int(b - a - 8 * unit) for a, b in zip(xs, [*xs[1:], area.right], strict=True)]
        for (key, _), x, fit in zip(TAP_COLUMNS, xs, fits, strict=True):
            _draw_left(surface, self.text(key), size, look.dim_text_colour, x, y, fit)
        y += size * 1.5
        rows = self.monitor.summary()
        if not rows:
            lines = wrap_lines(self.text("devices.no_taps"), int(26 * unit), area.width)
            for line in lines:
                draw_text(surface, line, int(26 * unit), look.text_colour, topleft=(area.left, y))
                y += 26 * unit * 1.2
            return
        row_h = int(52 * unit)
        small = int(17 * unit)
        # Rows that fit above the precision line (large text makes them taller), with room
        # for a line saying how many more there are when not all do.
        room_px = area.bottom - 1.5 * size - y
        shown = min(TAP_ROWS, int(room_px // row_h))
        if len(rows) > shown:
            shown = min(TAP_ROWS, int((room_px - 1.3 * size) // row_h))
        shown = max(1, shown)
        for row in rows[:shown]:
            band = pygame.Rect(area.left - 8 * unit, y - 6 * unit, area.width + 16 * unit, row_h)
            if self._now_ns - row["last_host_ns"] < FLASH_NS:
                pygame.draw.rect(surface, FLASH, band, width=max(2, int(3 * unit)),
                                 border_radius=int(8 * unit))  # fmt: skip
            device = row["device"] or "–"
            if row["last_velocity"] is not None:
                device = self.text("devices.velocity", device=device, velocity=row["last_velocity"])
            _draw_left(surface, device, small, look.dim_text_colour, xs[0], y + size + 6 * unit,
                       fits[0])  # fmt: skip
            cells = (
                self._channel_word(row["channel"]),
                self._stamp_word(row["stamp_source"]),
                str(row["taps"]),
                _ms(row["jitter_ms"]) if row["taps"] > 1 else "–",
                _ms(row["delay_mean_ms"]),
            )
            for cell, x, fit in zip(cells, xs, fits, strict=True):
                _draw_left(surface, cell, size, look.text_colour, x, y + 4 * unit, fit)
            y += row_h
        if len(rows) > shown:
            more = self.text("devices.more_taps", count=len(rows) - shown)
            draw_text(surface, more, size, look.dim_text_colour, topleft=(area.left, y))
        latest = max(rows, key=lambda row: row["last_host_ns"])
        precision = STAMP_PRECISION.get(latest["stamp_source"], "")
        if precision:
            line = self.text(
                "devices.precision", source=self._stamp_word(latest["stamp_source"]),
                precision=precision,
            )  # fmt: skip
            _draw_left(surface, line, size, look.dim_text_colour, area.left,
                       area.bottom - size, area.width)  # fmt: skip

    # --- words ------------------------------------------------------------------------------
    def _word(self, group: str, value: str) -> str:
        """The catalogue's word for an engine value (a kind, state, stamp source, channel),
        or the value itself where the catalogue has none."""
        key = f"devices.{group}.{value.replace(' ', '_')}"
        word = self.text(key)
        return value if word == key else word

    def _kind_word(self, kind: str) -> str:
        return self._word("kind", kind)

    def _state_word(self, state: str) -> str:
        return self._word("state", state)

    def _stamp_word(self, stamp_source: str) -> str:
        return self._word("stamp", stamp_source)

    def _channel_word(self, channel: str) -> str:
        word = self.text(f"limb.{channel}")
        return channel if word == f"limb.{channel}" else word


def _draw_left(
    surface: pygame.Surface,
    text: str,
    size_px: int,
    colour: tuple[int, int, int],
    x: float,
    y: float,
    max_width_px: float,
) -> None:
    """Text from (x, y) to the right, smaller until it fits ``max_width_px`` (long device names,
    Spanish), and cut short with an ellipsis if even the smallest size does not fit."""
    room = int(max_width_px)
    while size_px > 14 and font(size_px).size(text)[0] > room:
        size_px = int(size_px * 0.92)
    while len(text) > 2 and font(size_px).size(text)[0] > room:
        text = text[:-2] + "…"
    draw_text(surface, text, size_px, colour, topleft=(x, y))


def _ms(value_ms: float) -> str:
    """Milliseconds to the hundredth: stamps and delays are well under a millisecond apart."""
    return f"{value_ms:.2f} ms"
