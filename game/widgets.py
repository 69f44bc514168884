"""Widgets the scenes share: menus, stars, typed text, table cells.

Menus children can use with anything: big buttons, arrow keys or d-pad, Enter or A, mouse,
or a finger. One button always has the focus, drawn with a thick outline.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import pygame

from engine.input.pump import UiEvent
from game.text import draw_text

Colour = tuple[int, int, int]
ACTIVATE_KEYS = ("return", "space", "enter")
ACTIVATE_BUTTON = "0"  # gamepad A
BACK_KEYS = ("escape", "backspace")
BACK_BUTTON = "1"  # gamepad B
STAR_ON: Colour = (255, 205, 40)
STAR_OFF: Colour = (90, 100, 130)


@dataclass
class Button:
    key: str  # what activating it means to the scene
    label: str
    rect: pygame.Rect
    enabled: bool = True
    draw_extra: Callable[[pygame.Surface, pygame.Rect], None] | None = None  # icon, stars...


@dataclass
class Menu:
    """Buttons laid out by the scene; arrows move the focus to the nearest button that way."""

    buttons: list[Button] = field(default_factory=list)
    focus: int = 0

    def handle(self, event: UiEvent) -> str | None:
        """The key of the button activated by this event, "back", or None."""
        if event.kind == "key" and event.key in ("up", "down", "left", "right"):
            self._move(event.key)
        elif event.kind == "key" and event.key == "tab":
            self.focus = (self.focus + 1) % max(1, len(self.buttons))
        elif (event.kind == "key" and event.key in ACTIVATE_KEYS) or (
            event.kind == "button" and event.key == ACTIVATE_BUTTON
        ):
            return self._activate(self.focus)
        elif (event.kind == "key" and event.key in BACK_KEYS) or (
            event.kind == "button" and event.key == BACK_BUTTON
        ):
            return "back"
        elif event.kind == "pointer":
            for index, button in enumerate(self.buttons):
                if button.rect.collidepoint(event.pos):
                    self.focus = index
                    return self._activate(index)
        return None

    def _activate(self, index: int) -> str | None:
        if not self.buttons or not self.buttons[index].enabled:
            return None
        return self.buttons[index].key

    def _move(self, direction: str) -> None:
        if not self.buttons:
            return
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
        if best is not None:
            self.focus = best

    def draw(
        self,
        surface: pygame.Surface,
        text_size_px: int,
        fill: Colour,
        text_colour: Colour,
        focus_colour: Colour,
    ) -> None:
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
            draw_text(surface, button.label, text_size_px, label_colour, center=center)


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
