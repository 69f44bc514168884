"""What menu scenes share: a background, a title line, a menu of big buttons, and an on-screen
keyboard a scene can open over them for a name or a note."""

from __future__ import annotations

import pygame

from engine.input.pump import Tap, UiEvent
from game.canvas import design_unit
from game.context import GameContext
from game.scene import Scene
from game.text import draw_text
from game.widgets import Button, Menu, OnScreenKeyboard, edit_text

BACKGROUND = (24, 40, 70)
BUTTON = (60, 90, 150)
FOCUS = (255, 205, 40)
KEYBOARD_CONTROLS = ("shift", "space", "delete", "done")


class MenuScene(Scene):
    """Subclasses fill `self.menu.buttons` in `layout()` and answer `activate(key)`."""

    hold_taps = False  # a choice needs a held press when the press is also a tap (results)

    def __init__(self, context: GameContext) -> None:
        super().__init__(context)
        self.menu = Menu(hold_taps=self.hold_taps)
        self._laid_out_for: tuple[int, int] | None = None
        self.keyboard: OnScreenKeyboard | None = None  # open over the menu while typing
        self._keyboard_field = ""
        self._keyboard_limit: int | None = None

    # --- for subclasses ---------------------------------------------------------------------
    def title(self) -> str:
        return ""

    def layout(self, width: int, height: int) -> list[Button]:
        return []

    def activate(self, key: str) -> None:
        """A button was chosen ("back" for Esc / gamepad B)."""

    def draw_more(self, surface: pygame.Surface) -> None:
        """Anything else on the screen, drawn after the buttons."""

    def text(self, key: str, **values: object) -> str:
        return self.context.messages(key, **values)

    @property
    def unit(self) -> float:
        """One design pixel (game/canvas.py), times the child's text scale."""
        return design_unit(self.context.surface.get_size()) * self.context.look.text_scale

    def relayout(self) -> None:
        surface = self.context.surface
        focus = self.menu.focus
        self.menu.buttons = self.layout(*surface.get_size())
        self.menu.focus = min(focus, max(0, len(self.menu.buttons) - 1))
        self._laid_out_for = surface.get_size()
        if self.keyboard is not None:
            self.keyboard.layout(self._keyboard_area())

    # --- the on-screen keyboard -------------------------------------------------------------
    def open_keyboard(self, field: str, max_length: int | None = None) -> None:
        """Type into the scene's text attribute ``field`` with the on-screen keyboard, until
        its "done" key (or Esc, or B) closes it."""
        labels = {control: self.text(f"keyboard.{control}") for control in KEYBOARD_CONTROLS}
        self.keyboard = OnScreenKeyboard(labels)
        self._keyboard_field, self._keyboard_limit = field, max_length
        self.keyboard.layout(self._keyboard_area())

    def _keyboard_area(self) -> pygame.Rect:
        width, height = self.context.surface.get_size()
        unit = design_unit((width, height))
        area = pygame.Rect(0, 0, int(min(width - 40 * unit, 1100 * unit)), int(height * 0.56))
        area.midbottom = (width // 2, height - int(16 * unit))
        return area

    def _on_keyboard_input(self, ui_events: list[UiEvent], now_ns: int) -> None:
        assert self.keyboard is not None
        quiet = self.context.taps_quiet_until_ns
        for event in ui_events:
            typed = self.keyboard.handle(event, now_ns, quiet)
            if typed is None:
                continue
            if typed == "done":
                self.keyboard = None
                return
            before = getattr(self, self._keyboard_field)
            setattr(self, self._keyboard_field, edit_text(before, typed, self._keyboard_limit))

    # --- scene hooks ------------------------------------------------------------------------
    def on_input(self, taps: list[Tap], ui_events: list[UiEvent], now_ns: int) -> None:
        if self._laid_out_for != self.context.surface.get_size():
            self.relayout()
        if self.keyboard is not None:
            self._on_keyboard_input(ui_events, now_ns)
            return
        for event in ui_events:
            chosen = self.menu.handle(event, now_ns, self.context.taps_quiet_until_ns)
            if chosen is not None:
                self.activate(chosen)
                return

    def on_update(self, now_ns: int) -> None:
        chosen = self.menu.update(now_ns)
        if chosen is not None:
            self.activate(chosen)

    def on_draw(self, now_ns: int) -> list[pygame.Rect] | None:
        if self._laid_out_for != self.context.surface.get_size():
            self.relayout()
        surface = self.context.surface
        look = self.context.look
        surface.fill((0, 0, 0) if look.high_contrast else BACKGROUND)
        width = surface.get_width()
        if self.title():
            draw_text(
                surface,
                self.title(),
                int(56 * self.unit),
                look.text_colour,
                center=(width / 2, 60 * self.unit),
            )
        self.menu.draw(surface, int(30 * self.unit), BUTTON, look.text_colour, FOCUS, now_ns)
        self.draw_more(surface)
        if self.keyboard is not None:
            self.keyboard.draw(surface, int(30 * self.unit), BUTTON, look.text_colour, FOCUS)
        return None
