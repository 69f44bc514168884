"""Title: the JIT warm-up happens here, behind the title, so it never lands in play. Then two
big buttons: play, and leave the game (the one way out for a mouse or a finger)."""

from __future__ import annotations

import pygame

from engine.input.pump import Tap, UiEvent
from engine.scoring.kernels import warm_up
from game.canvas import design_unit
from game.context import GameContext
from game.menu_scene import BUTTON, FOCUS, MenuScene
from game.palette import THEME_BACKGROUNDS
from game.text import draw_text
from game.widgets import Button


class TitleScene(MenuScene):
    def __init__(self, context: GameContext) -> None:
        super().__init__(context)
        self._drawn_once = False
        self.ready = False

    def layout(self, width: int, height: int) -> list[Button]:
        if not self.ready:
            return []
        unit = design_unit((width, height))
        play = pygame.Rect(0, 0, int(320 * unit), int(86 * unit))
        play.center = (width // 2, int(height * 0.74))
        leave = pygame.Rect(0, 0, int(300 * unit), int(60 * unit))
        leave.bottomright = (width - int(24 * unit), height - int(24 * unit))
        return [
            Button("play", self.text("title.play"), play),
            Button("quit", self.text("title.quit"), leave),
        ]

    def activate(self, key: str) -> None:
        if key == "play":
            self.goto("profiles")
        elif key == "quit":
            self.done = True
        elif key == "back":
            # Esc or B asks to leave: the focus goes to "Leave", and a second press leaves.
            self.menu.focus = len(self.menu.buttons) - 1

    def on_input(self, taps: list[Tap], ui_events: list[UiEvent], now_ns: int) -> None:
        if self.ready:
            super().on_input(taps, ui_events, now_ns)

    def on_update(self, now_ns: int) -> None:
        if self._drawn_once and not self.ready:
            warm_up()  # a second or two, once; cached on disk after the first run
            self.ready = True
            self.relayout()
            return
        super().on_update(now_ns)

    def on_draw(self, now_ns: int) -> list[pygame.Rect] | None:
        if self._laid_out_for != self.context.surface.get_size():
            self.relayout()
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
            center = (int(width / 2 + (index - 1.5) * 60 * unit), int(height * 0.5))
            pygame.draw.circle(surface, colour, center, int(16 * unit))
        draw_text(
            surface, "OnBeat", int(140 * unit), (255, 255, 255), center=(width / 2, height * 0.3)
        )
        if self.ready:
            look = self.context.look
            self.menu.draw(surface, int(44 * self.unit), BUTTON, look.text_colour, FOCUS, now_ns)
        else:
            draw_text(
                surface,
                self.text("title.loading"),
                int(40 * unit),
                (230, 230, 240),
                center=(width / 2, height * 0.74),
            )
        self._drawn_once = True
        return None
