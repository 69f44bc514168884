"""The PIN pad both PIN screens draw: the station's (kiosk) and a therapist's own (signing).

Twelve big keys (digits, erase, OK), one dot per digit typed (never the digits), and the
keyboard's share: digits, Backspace, Enter, Esc. What a PIN opens and the rules for wrong
ones (engine/session/pin_gate.py) belong to the scene that shows the pad.
"""

from __future__ import annotations

import pygame

from engine.input.pump import UiEvent
from engine.session.station_pin import MAX_PIN_DIGITS
from game.widgets import Button

PAD_KEYS = ("1", "2", "3", "4", "5", "6", "7", "8", "9", "erase", "0", "ok")
KEYPAD_DIGITS = {f"[{digit}]": digit for digit in "0123456789"}
SUBMIT_KEYS = ("return", "enter")
ERASE_LABEL = "<"


def clock_text(seconds: float) -> str:
    """A lockout's time left as m:ss, rounded up (the pad never says 0:00 while locked)."""
    whole = int(seconds + 0.999)
    return f"{whole // 60}:{whole % 60:02d}"


def pad_buttons(
    width: int, unit: float, top: int, ok_label: str, enabled: bool = True
) -> list[Button]:
    """The pad's twelve keys, centred across ``width`` from ``top`` down."""
    size, gap = int(96 * unit), int(14 * unit)
    left = (width - 3 * size - 2 * gap) // 2
    buttons = []
    for index, key in enumerate(PAD_KEYS):
        row, column = divmod(index, 3)
        rect = pygame.Rect(left + column * (size + gap), top + row * (size + gap), size, size)
        label = {"erase": ERASE_LABEL, "ok": ok_label}.get(key, key)
        buttons.append(Button(key, label, rect, enabled=enabled))
    return buttons


def pad_key(event: UiEvent) -> str | None:
    """What a key event means on the pad: a digit, "erase", "ok" or "back"; None for a key
    the pad does not use (and for events that are not keys)."""
    if event.kind != "key":
        return None
    digit = event.key if event.key in "0123456789" else KEYPAD_DIGITS.get(event.key)
    if digit is not None and len(event.key) <= 3:
        return digit
    if event.key == "backspace":
        return "erase"
    if event.key in SUBMIT_KEYS:
        return "ok"
    if event.key == "escape":
        return "back"
    return None


def typed(digits: str, key: str) -> str:
    """``digits`` after the pad key ``key`` (a digit or "erase"), never longer than a PIN."""
    if key == "erase":
        return digits[:-1]
    return digits + key if len(digits) < MAX_PIN_DIGITS else digits


def draw_dots(surface: pygame.Surface, typed_count: int, unit: float, y: float) -> None:
    """One dot per place of a PIN, filled for each digit typed."""
    dot_gap = 34 * unit
    start = surface.get_width() / 2 - (MAX_PIN_DIGITS - 1) * dot_gap / 2
    for index in range(MAX_PIN_DIGITS):
        center = (start + index * dot_gap, y)
        filled = index < typed_count
        pygame.draw.circle(surface, (255, 255, 255), center, 11 * unit, 0 if filled else 2)
