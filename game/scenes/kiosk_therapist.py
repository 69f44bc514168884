"""The therapist's way in: the PIN pad, and the menu behind it.

The pad takes digits from the keyboard (Enter submits, Backspace takes one back, Esc leaves)
or from its own buttons (mouse, finger, arrows). The rules (wrong PINs, lockouts, how long)
are engine/session/pin_gate.py's; the pad shows them, counts down a lockout, and writes
every failed PIN, lockout and unlock to the audit log. Nothing about the PIN is written.
"""

from __future__ import annotations

import pygame

from engine.input.pump import Tap, UiEvent
from engine.session.pin_gate import (
    FAILURES_BEFORE_LOCKOUT,
    LOCKED_OUT,
    UNLOCKED,
    WAIT,
    WRONG,
)
from engine.session.station_pin import MAX_PIN_DIGITS
from game.canvas import design_unit
from game.context import GameContext
from game.kiosk.base import KioskMenuScene
from game.kiosk.state import CALL_THERAPIST, QUIT_STATION, RETRY_GAME, KioskState
from game.scene import Goto
from game.text import draw_text
from game.widgets import Button

PAD_KEYS = ("1", "2", "3", "4", "5", "6", "7", "8", "9", "erase", "0", "ok")
KEYPAD_DIGITS = {f"[{digit}]": digit for digit in "0123456789"}
SUBMIT_KEYS = ("return", "enter")


def _clock(seconds: float) -> str:
    whole = int(seconds + 0.999)
    return f"{whole // 60}:{whole % 60:02d}"


class KioskPinScene(KioskMenuScene):
    def __init__(self, context: GameContext, kiosk: KioskState) -> None:
        super().__init__(context, kiosk)
        self.digits = ""
        self.message = ""
        self._now_ns = 0

    def title(self) -> str:
        return self.say("pin.title")

    def layout(self, width: int, height: int) -> list[Button]:
        unit = design_unit((width, height))
        size, gap = int(96 * unit), int(14 * unit)
        left = (width - 3 * size - 2 * gap) // 2
        top = int(220 * unit)
        locked = self.kiosk.gate.wait_s(self._now_ns) > 0
        buttons = []
        for index, key in enumerate(PAD_KEYS):
            row, column = divmod(index, 3)
            rect = pygame.Rect(left + column * (size + gap), top + row * (size + gap), size, size)
            label = {"erase": "<", "ok": self.say("pin.ok")}.get(key, key)
            buttons.append(Button(key, label, rect, enabled=not locked))
        cancel = pygame.Rect(0, 0, int(240 * unit), int(60 * unit))
        cancel.bottomright = (width - int(30 * unit), height - int(24 * unit))
        buttons.append(Button("back", self.say("pin.cancel"), cancel))
        return buttons

    def on_input(self, taps: list[Tap], ui_events: list[UiEvent], now_ns: int) -> None:
        self._now_ns = now_ns
        menu_events = []
        for event in ui_events:
            if event.kind != "key":
                if event.kind != "text":  # typed digits also come as keys
                    menu_events.append(event)
                continue
            digit = event.key if event.key in "0123456789" else KEYPAD_DIGITS.get(event.key)
            if digit is not None and len(event.key) <= 3:
                self._press(digit, now_ns)
            elif event.key == "backspace":
                self._press("erase", now_ns)
            elif event.key in SUBMIT_KEYS:
                self._press("ok", now_ns)
            elif event.key == "escape":
                self.activate("back")
                return
            else:
                menu_events.append(event)
        super().on_input(taps, menu_events, now_ns)

    def activate(self, key: str) -> None:
        if key == "back":
            self.goto("title")  # the director takes the child back to the start
        else:
            self._press(key, self._now_ns)

    def _press(self, key: str, now_ns: int) -> None:
        if self.kiosk.gate.wait_s(now_ns) > 0:
            return
        if key == "erase":
            self.digits = self.digits[:-1]
        elif key == "ok":
            self._submit(now_ns)
        elif len(self.digits) < MAX_PIN_DIGITS:
            self.digits += key

    def _submit(self, now_ns: int) -> None:
        if not self.digits:
            return
        attempt = self.kiosk.gate.submit(self.digits, now_ns)
        self.digits = ""
        if attempt.outcome == UNLOCKED:
            self.kiosk.audit("unlocked")
            self.message = ""
            self.goto("kiosk_menu")
        elif attempt.outcome == WRONG:
            self.kiosk.audit(
                "pin_failed", f"{attempt.failures_in_row} of {FAILURES_BEFORE_LOCKOUT}"
            )
            self.message = self.say(
                "pin.wrong", failures=attempt.failures_in_row, allowed=FAILURES_BEFORE_LOCKOUT
            )
        elif attempt.outcome == LOCKED_OUT:
            self.kiosk.audit(
                "pin_failed", f"{attempt.failures_in_row} of {FAILURES_BEFORE_LOCKOUT}"
            )
            self.kiosk.audit("locked_out", f"{attempt.wait_s:.0f} s")
            self.relayout()  # the pad's buttons are disabled while locked
        elif attempt.outcome == WAIT:
            return
        self.kiosk.keep_gate_state(now_ns)

    def on_update(self, now_ns: int) -> None:
        self._now_ns = now_ns
        locked = self.kiosk.gate.wait_s(now_ns) > 0
        if self.menu.buttons and self.menu.buttons[0].enabled == locked:
            self.relayout()  # a lockout began or ended

    def draw_more(self, surface: pygame.Surface) -> None:
        width = surface.get_width()
        unit = self.unit
        look = self.context.look
        wait_s = self.kiosk.gate.wait_s(self._now_ns)
        # One dot per digit typed, never the digits.
        dot_gap = 34 * unit
        start = width / 2 - (MAX_PIN_DIGITS - 1) * dot_gap / 2
        for index in range(MAX_PIN_DIGITS):
            center = (start + index * dot_gap, 150 * unit)
            filled = index < len(self.digits)
            pygame.draw.circle(surface, (255, 255, 255), center, 11 * unit, 0 if filled else 2)
        if wait_s > 0:
            line, colour = self.say("pin.locked", time=_clock(wait_s)), (255, 170, 120)
        elif self.message:
            line, colour = self.message, (255, 215, 150)
        else:
            line, colour = self.say("pin.hint"), look.dim_text_colour
        draw_text(surface, line, int(28 * unit), colour, center=(width / 2, 192 * unit))


class KioskMenuScreen(KioskMenuScene):
    """Behind the PIN. On the call-your-therapist screen: try the game again, or stop."""

    def __init__(self, context: GameContext, kiosk: KioskState) -> None:
        super().__init__(context, kiosk)
        self.confirm_quit = False

    def title(self) -> str:
        return self.say("menu.title")

    def _items(self) -> list[str]:
        if self.kiosk.mode == CALL_THERAPIST:
            return ["retry", "quit"]
        return [
            "back_to_child",
            "players",
            "plans",
            "reports",
            "settings",
            "calibration",
            "devices",
            "lock",
            "quit",
        ]

    def layout(self, width: int, height: int) -> list[Button]:
        unit = design_unit((width, height))
        items = self._items()
        column_w, row_h, gap = int(460 * unit), int(70 * unit), int(18 * unit)
        rows = (len(items) + 1) // 2
        left = (width - 2 * column_w - gap) // 2
        buttons = []
        for index, key in enumerate(items):
            column, row = divmod(index, rows)
            rect = pygame.Rect(
                left + column * (column_w + gap),
                int(140 * unit) + row * (row_h + gap),
                column_w,
                row_h,
            )
            label = self.say(
                "menu.quit_confirm" if key == "quit" and self.confirm_quit else f"menu.{key}"
            )
            buttons.append(Button(key, label, rect))
        return buttons

    def activate(self, key: str) -> None:
        if key != "quit":
            self.confirm_quit = False
        if key == "back_to_child" and self.context.profile is not None:
            self.goto("level_map")  # the child's path or map, where they were; the gate closes
        elif key in ("back", "back_to_child", "lock"):
            self.goto("title")  # any child's scene closes the gate; the start is the safest
        elif key == "players":
            self.goto("therapist_profiles")
        elif key == "plans":
            self.goto("kiosk_plans")
        elif key == "reports":
            self.goto("kiosk_reports")
        elif key == "settings":
            self.goto("settings", back_to="kiosk_menu")
        elif key == "calibration":
            self.goto("calibrate", kind="input", back=Goto("kiosk_menu"))
        elif key == "devices":
            self.goto("devices", back=Goto("kiosk_menu"))
        elif key == "retry":
            self.kiosk.ending = RETRY_GAME
            self.done = True
        elif key == "quit" and not self.confirm_quit:
            self.confirm_quit = True
            self.relayout()
        elif key == "quit":
            self.kiosk.audit("quit", "by the therapist")
            self.kiosk.ending = QUIT_STATION
            self.done = True
