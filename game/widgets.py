"""Widgets the scenes share: menus, stars, typed text, an on-screen keyboard, table cells.

Menus children can use with anything: big buttons, arrow keys or d-pad, Enter or A, mouse,
or a finger. One button always has the focus, drawn with a thick outline.

A press that is also a tap (a mouse click, a touch, the gamepad's A; engine/input/mapping.py)
is handled with care: while the context's quiet time after a level runs, menus ignore it, and
a menu that wants a deliberate choice (`hold_taps`, the results) acts on it only once it has
been held for `HOLD_NS`, while a ring fills around the button. Menu-only keys (Enter, the
arrows, Esc, the gamepad's Start) always act at once: nobody presses them by clapping.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import pygame

from engine.input.pump import UiEvent
from game.text import draw_text, font

Colour = tuple[int, int, int]
MOVES = ("up", "down", "left", "right")
HOLD_NS = 800_000_000  # a tap-press held this long is a choice, not a clap
STAR_ON: Colour = (255, 205, 40)
STAR_OFF: Colour = (90, 100, 130)
RELEASES = {"key_up": "key", "button_up": "button", "pointer_up": "pointer"}


@dataclass
class Button:
    key: str  # what activating it means to the scene
    label: str
    rect: pygame.Rect
    enabled: bool = True
    draw_extra: Callable[[pygame.Surface, pygame.Rect], None] | None = None  # icon, stars...


@dataclass
class _Hold:
    choice: str  # a button's key, or "back"
    button: int | None  # the button held (None for "back")
    source: tuple[str, str]  # (press kind, key): its release ends the hold
    since_ns: int


@dataclass
class Menu:
    """Buttons laid out by the scene; arrows move the focus to the nearest button that way.

    ``hold_taps``: presses that are also taps must be held (`HOLD_NS`) to choose.
    """

    buttons: list[Button] = field(default_factory=list)
    focus: int = 0
    hold_taps: bool = False
    _hold: _Hold | None = None

    def handle(self, event: UiEvent, now_ns: int = 0, quiet_until_ns: int = 0) -> str | None:
        """The key of the button chosen by this event, "back", or None.

        A press that is also a tap is ignored before ``quiet_until_ns`` (host ns).
        """
        if event.kind in RELEASES:
            self._release(event)
            return None
        if event.tap and now_ns < quiet_until_ns:
            return None
        if event.action in MOVES:
            self._move(event.action)
        elif event.action == "next":
            self.focus = (self.focus + 1) % max(1, len(self.buttons))
        elif event.action == "confirm":
            index = self._button_at(event.pos) if event.kind == "pointer" else self.focus
            if index is None:
                return None
            self.focus = index
            return self._choose(self.buttons[index].key, index, event, now_ns)
        elif event.action == "back":
            return self._choose("back", None, event, now_ns)
        return None

    def update(self, now_ns: int) -> str | None:
        """A choice made by holding a press long enough, once; else None."""
        hold = self._hold
        if hold is None or now_ns - hold.since_ns < HOLD_NS:
            return None
        self._hold = None
        return self._enabled(hold.choice, hold.button)

    def hold_progress(self, now_ns: int) -> tuple[int, float] | None:
        """(button held, share of the hold done), while a button is being held."""
        hold = self._hold
        if hold is None or hold.button is None:
            return None
        return hold.button, min(1.0, (now_ns - hold.since_ns) / HOLD_NS)

    def _choose(self, choice: str, index: int | None, event: UiEvent, now_ns: int) -> str | None:
        if event.tap and self.hold_taps:
            self._hold = _Hold(choice, index, (event.kind, event.key), now_ns)
            return None
        return self._enabled(choice, index)

    def _enabled(self, choice: str, index: int | None) -> str | None:
        if index is not None and not self.buttons[index].enabled:
            return None
        return choice

    def _release(self, event: UiEvent) -> None:
        hold = self._hold
        if hold is None:
            return
        kind = RELEASES[event.kind]
        if hold.source[0] == kind and (kind == "pointer" or hold.source[1] == event.key):
            self._hold = None  # let go too soon: a tap, not a choice

    def _button_at(self, pos: tuple[int, int]) -> int | None:
        for index, button in enumerate(self.buttons):
            if button.rect.collidepoint(pos):
                return index
        return None

    def _move(self, direction: str) -> None:
        best = self.neighbour(direction)
        if best is not None:
            self.focus = best

    def neighbour(self, direction: str) -> int | None:
        """The button an arrow ``direction`` moves the focus to; None where there is none."""
        if not self.buttons:
            return None
        here = pygame.Vector2(self.buttons[self.focus].rect.center)
        step = {"up": (0, -1), "down": (0, 1), "left": (-1, 0), "right": (1, 0)}[direction]
        best, best_cost = None, float("inf")
        for index, button in enumerate(self.buttons):
            offset = pygame.Vector2(button.rect.center) - here
            along = offset.x * step[0] + offset.y * step[1]
            if index == self.focus or along <= 0:
                continue
            across = abs(offset.x * step[1]) + abs(offset.y * step[0])
            cost = along + 2 * across  # prefer buttons straight in that direction
            if cost < best_cost:
                best, best_cost = index, cost
        return best

    def draw(
        self,
        surface: pygame.Surface,
        text_size_px: int,
        fill: Colour,
        text_colour: Colour,
        focus_colour: Colour,
        now_ns: int = 0,
    ) -> None:
        held = self.hold_progress(now_ns)
        for index, button in enumerate(self.buttons):
            colour = fill if button.enabled else tuple(c // 2 for c in fill)
            radius = button.rect.height // 5
            pygame.draw.rect(surface, colour, button.rect, border_radius=radius)
            if index == self.focus:
                pygame.draw.rect(
                    surface,
                    focus_colour,
                    button.rect.inflate(10, 10),
                    width=5,
                    border_radius=radius + 4,
                )
            if button.draw_extra is not None:
                button.draw_extra(surface, button.rect)
            label_colour = text_colour if button.enabled else tuple(c // 2 for c in text_colour)
            center = (button.rect.centerx, button.rect.bottom - text_size_px * 0.9)
            if button.draw_extra is None:
                center = button.rect.center
            draw_fitted_text(
                surface, button.label, text_size_px, label_colour, center, button.rect.width - 12
            )
            if held is not None and held[0] == index:
                draw_hold_bar(surface, button.rect, held[1], focus_colour)


def draw_hold_bar(surface: pygame.Surface, rect: pygame.Rect, done: float, colour: Colour) -> None:
    """How long a press is still to be held: a bar filling along the button's foot."""
    height = max(4, rect.height // 8)
    track = pygame.Rect(rect.left + 8, rect.bottom - height - 6, rect.width - 16, height)
    pygame.draw.rect(surface, (20, 24, 40), track, border_radius=height // 2)
    filled = track.copy()
    filled.width = max(height, round(track.width * done))
    pygame.draw.rect(surface, colour, filled, border_radius=height // 2)


def draw_fitted_text(
    surface: pygame.Surface,
    text: str,
    size_px: int,
    colour: Colour,
    center: tuple[float, float],
    max_width_px: int,
) -> pygame.Rect:
    """Text centred at ``center``, made smaller until it fits ``max_width_px`` (a label in a
    language with longer words, or large text, never spills out of its button)."""
    while size_px > 10 and font(size_px).size(text)[0] > max_width_px:
        size_px = int(size_px * 0.92)
    return draw_text(surface, text, size_px, colour, center=center)


def draw_readable_line(
    surface: pygame.Surface,
    text: str,
    size_px: int,
    smallest_px: int,
    colour: Colour,
    center: tuple[float, float],
    max_width_px: int,
) -> pygame.Rect:
    """Text on one line, made smaller until it fits but never below ``smallest_px``; what
    still does not fit is cut at a word and ends with "…" (a long goal stays readable; its
    whole words are in the reports)."""
    while size_px > smallest_px and font(size_px).size(text)[0] > max_width_px:
        size_px = max(smallest_px, int(size_px * 0.92))
    face = font(size_px)
    if face.size(text)[0] > max_width_px:
        words = text.split()
        while len(words) > 1 and face.size(" ".join(words) + " …")[0] > max_width_px:
            words.pop()
        text = " ".join(words) + " …"
    return draw_text(surface, text, size_px, colour, center=center)


# The on-screen keyboard's keys: the letters Spanish needs beside the English ones, digits
# and what names, notes and folder paths use.
KEY_ROWS: tuple[str, ...] = ("1234567890", "qwertyuiop", "asdfghjklñ", "zxcvbnm,.-", "áéíóúü'/?!")
KEYBOARD_CONTROLS: tuple[tuple[str, int], ...] = (
    ("shift", 2),
    ("space", 4),
    ("delete", 2),
    ("done", 2),
)  # (control, width in keys)
KEYBOARD_PANEL: Colour = (14, 20, 40)


class OnScreenKeyboard:
    """Big keys for a station with no keyboard: a finger, the mouse, or the d-pad and A.

    ``labels``: the words on the control keys ("shift", "space", "delete", "done"), in the
    child's language. The scene lays it out in an area and asks `handle` what each press
    types: a character, "delete", "done" (also Esc or B), or None.
    """

    def __init__(self, labels: dict[str, str]) -> None:
        self.labels = labels
        self.capitals = False
        self.menu = Menu(focus=len(KEY_ROWS[0]))  # on "q": letters first
        self.area: pygame.Rect | None = None

    def layout(self, area: pygame.Rect) -> None:
        columns = max(len(row) for row in KEY_ROWS)
        rows = len(KEY_ROWS) + 1
        gap = max(2, area.width // 160)
        key_w = (area.width - (columns + 1) * gap) // columns
        key_h = (area.height - (rows + 1) * gap) // rows
        buttons = []
        for row, keys in enumerate(KEY_ROWS):
            for column, char in enumerate(keys):
                rect = pygame.Rect(
                    area.left + gap + column * (key_w + gap),
                    area.top + gap + row * (key_h + gap),
                    key_w,
                    key_h,
                )
                buttons.append(Button(f"char:{char}", self._shown(char), rect))
        left = area.left + gap
        top = area.top + gap + len(KEY_ROWS) * (key_h + gap)
        for control, width_keys in KEYBOARD_CONTROLS:
            width = width_keys * key_w + (width_keys - 1) * gap
            buttons.append(
                Button(
                    control, self.labels.get(control, control), pygame.Rect(left, top, width, key_h)
                )
            )
            left += width + gap
        focus = self.menu.focus
        self.menu.buttons = buttons
        self.menu.focus = min(focus, len(buttons) - 1)
        self.area = area

    def _shown(self, char: str) -> str:
        return char.upper() if self.capitals else char

    def handle(self, event: UiEvent, now_ns: int = 0, quiet_until_ns: int = 0) -> str | None:
        chosen = self.menu.handle(event, now_ns, quiet_until_ns)
        if chosen is None:
            return None
        if chosen == "back":
            return "done"
        if chosen == "shift":
            self.capitals = not self.capitals
            for button in self.menu.buttons:
                if button.key.startswith("char:"):
                    button.label = self._shown(button.key.removeprefix("char:"))
            return None
        if chosen == "space":
            return " "
        if chosen.startswith("char:"):
            return self._shown(chosen.removeprefix("char:"))
        return chosen  # "delete" or "done"

    def draw(
        self,
        surface: pygame.Surface,
        text_size_px: int,
        fill: Colour,
        text_colour: Colour,
        focus_colour: Colour,
    ) -> None:
        if self.area is None:
            return
        pygame.draw.rect(surface, KEYBOARD_PANEL, self.area.inflate(12, 12), border_radius=14)
        self.menu.draw(surface, text_size_px, fill, text_colour, focus_colour)


def edit_text(text: str, typed: str, max_length: int | None = None) -> str:
    """``text`` after one key of the on-screen keyboard ("delete" takes the last character)."""
    if typed == "delete":
        return text[:-1]
    if typed == "done":
        return text
    text += typed
    return text if max_length is None else text[:max_length]


def take_typing(text: str, ui_events: list[UiEvent]) -> tuple[str, list[UiEvent]]:
    """Apply typed characters and backspace to ``text``; return it and the other events.

    Characters arrive as text events; their key events must not also move the menu focus.
    """
    others = []
    for event in ui_events:
        if event.kind == "text":
            text += event.key
        elif event.kind == "key" and event.key == "backspace":
            text = text[:-1]
        elif event.kind == "key" and (len(event.key) == 1 or event.key == "space"):
            continue
        else:
            others.append(event)
    return text, others


def draw_star(
    surface: pygame.Surface, center: tuple[float, float], radius: float, colour: Colour
) -> None:
    """A five-pointed star (earned stars, stickers)."""
    points = []
    for index in range(10):
        angle = -90 + index * 36
        length = radius if index % 2 == 0 else radius * 0.45
        vector = pygame.Vector2(length, 0).rotate(angle)
        points.append((center[0] + vector.x, center[1] + vector.y))
    pygame.draw.polygon(surface, colour, points)


def ms_cell(value: float, missing: str = "–") -> str:
    """A table cell of milliseconds; ``missing`` where there is no number (no taps)."""
    return missing if math.isnan(value) else f"{value:.0f} ms"


def percent_cell(value: float, missing: str = "–") -> str:
    return missing if math.isnan(value) else f"{value:.0f}%"
