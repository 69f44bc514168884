"""Title: the JIT warm-up happens here, behind the title, so it never lands in play."""

from __future__ import annotations

import pygame

from engine.input.pump import Tap, UiEvent
from engine.scoring.kernels import warm_up
from game.canvas import design_unit
from game.context import GameContext
from game.palette import THEME_BACKGROUNDS
from game.scene import Scene
from game.text import draw_text


class TitleScene(Scene):
    def __init__(self, context: GameContext) -> None:
        super().__init__(context)
        self._drawn_once = False
        self.ready = False

    def on_input(self, taps: list[Tap], ui_events: list[UiEvent], now_ns: int) -> None:
        if not self.ready:
            return
        if any(event.kind in ("key", "pointer", "button") for event in ui_events):
            self.goto("profiles")

    def on_update(self, now_ns: int) -> None:
        if self._drawn_once and not self.ready:
            warm_up()  # a second or two, once; cached on disk after the first run
            self.ready = True

    def on_draw(self, now_ns: int) -> list[pygame.Rect] | None:
        surface = self.context.surface
        width, height = surface.get_size()
        unit = design_unit((width, height))
        top, bottom = THEME_BACKGROUNDS["space"]
        surface.fill(top)
        pygame.draw.rect(surface, bottom, (0, height * 0.6, width, height * 0.4))
        # A row of beat dots, one lit with the beat, as the logo's pulse.
        beat = (now_ns // 500_000_000) % 4
        for index in range(4):
            colour = (255, 205, 40) if index == beat and self.ready else (90, 90, 130)
            center = (int(width / 2 + (index - 1.5) * 60 * unit), int(height * 0.53))
            pygame.draw.circle(surface, colour, center, int(16 * unit))
        text = self.context.messages
        draw_text(
            surface, "OnBeat", int(140 * unit), (255, 255, 255), center=(width / 2, height * 0.33)
        )
        message = text("title.start") if self.ready else text("title.loading")
        draw_text(
            surface, message, int(40 * unit), (230, 230, 240), center=(width / 2, height * 0.75)
        )
        self._drawn_once = True
        return None
