"""What menu scenes share: a background, a title line, a menu of big buttons."""

from __future__ import annotations

import pygame

from engine.input.pump import Tap, UiEvent
from game.canvas import design_unit
from game.context import GameContext
from game.scene import Scene
from game.text import draw_text
from game.widgets import Button, Menu

BACKGROUND = (24, 40, 70)
BUTTON = (60, 90, 150)
FOCUS = (255, 205, 40)


class MenuScene(Scene):
    """Subclasses fill `self.menu.buttons` in `layout()` and answer `activate(key)`."""

    def __init__(self, context: GameContext) -> None:
        super().__init__(context)
        self.menu = Menu()
        self._laid_out_for: tuple[int, int] | None = None

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

    # --- scene hooks ------------------------------------------------------------------------
    def on_input(self, taps: list[Tap], ui_events: list[UiEvent], now_ns: int) -> None:
        if self._laid_out_for != self.context.surface.get_size():
            self.relayout()
        for event in ui_events:
            chosen = self.menu.handle(event)
            if chosen is not None:
                self.activate(chosen)
                return

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
        self.menu.draw(surface, int(30 * self.unit), BUTTON, look.text_colour, FOCUS)
        self.draw_more(surface)
        return None
